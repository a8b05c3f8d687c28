"""OpenAI tool definitions for skills: Chat Completions and Responses shapes, strict mode.

The two OpenAI APIs nest the same three facts differently (Chat wraps them in
``"function"``, Responses puts them at the top level); both take ``strict``.  Strict mode
needs a stricter form of the same schema (see :func:`~.schema.strict_schema`).
"""

from __future__ import annotations

from typing import Any, Literal

from ..errors import InputError
from .schema import strict_schema

Shape = Literal["chat", "responses"]
SHAPES: tuple[str, ...] = ("chat", "responses")


def openai_tool(
    manifest: dict[str, Any], *, shape: Shape = "chat", strict: bool = False
) -> dict[str, Any]:
    """One OpenAI function tool for a skill manifest (``skill.json``)."""
    parameters = strict_schema(manifest["parameters"]) if strict else manifest["parameters"]
    function: dict[str, Any] = {
        "name": manifest["name"],
        "description": manifest["description"],
        "parameters": parameters,
    }
    if strict:
        function["strict"] = True
    if shape == "chat":
        return {"type": "function", "function": function}
    if shape == "responses":
        return {"type": "function", **function, "strict": strict}
    raise InputError(
        f"unknown OpenAI tool shape {shape!r}", field="shape", hint="use chat or responses"
    )
