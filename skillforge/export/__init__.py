"""Exports: skills as tool definitions for agent frameworks."""

from .openai import openai_tool

__all__ = ["openai_tool"]
