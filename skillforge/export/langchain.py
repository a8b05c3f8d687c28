"""LangChain tools for skills.

``langchain_tool`` is the JSON a file export holds (name, description and the JSON Schema
LangChain accepts as ``args_schema``); ``structured_tools`` builds real
``StructuredTool`` objects from :func:`~.callables.skill_function` callables, so LangChain
sees the skill's signature and runs it in the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def langchain_tool(manifest: dict[str, Any]) -> dict[str, Any]:
    """One tool definition: ``StructuredTool(name=..., description=..., args_schema=...)``."""
    return {
        "name": manifest["name"],
        "description": manifest["description"],
        "args_schema": manifest["parameters"],
    }


def structured_tools(functions: list[Callable[..., Any]]) -> list[Any]:
    """LangChain ``StructuredTool``s from skill callables (needs ``langchain-core``)."""
    try:
        from langchain_core.tools import StructuredTool
    except ImportError:
        from ..errors import InputError

        raise InputError(
            "langchain-core is not installed", hint="pip install langchain-core"
        ) from None
    return [
        StructuredTool.from_function(fn, name=fn.__name__, description=fn.__doc__)
        for fn in functions
    ]
