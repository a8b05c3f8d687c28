"""``python -m skillforge ...`` is ``skillforge ...`` (handy where scripts are not on PATH)."""

from skillforge.cli import main

if __name__ == "__main__":
    main()
