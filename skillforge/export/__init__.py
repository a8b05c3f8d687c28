"""Exports: skills as tool definitions and callables for agent frameworks.

Each module turns a skill manifest (``skill.json``) into one framework's shape; none of
them imports the framework, so exporting never needs it installed.
"""

from .anthropic import anthropic_tool
from .langchain import langchain_tool
from .mcp import mcp_tool
from .openai import openai_tool
from .schema import strict_schema

__all__ = ["anthropic_tool", "langchain_tool", "mcp_tool", "openai_tool", "strict_schema"]
