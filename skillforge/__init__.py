"""skillforge: procedural memory as code for AI agents."""

__version__ = "0.1.0"
