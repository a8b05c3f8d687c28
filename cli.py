"""Thin shim: ``python cli.py ...`` is ``skillforge ...``."""

from skillforge.cli import main

if __name__ == "__main__":
    main()
