"""Python annotations for observed values and tool-argument schemas."""

from __future__ import annotations

import json
from typing import Any


def annotation_for(value: Any) -> str:
    """The annotation a reviewer would write for a value seen in a trajectory."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if value is None:
        return "None"
    if isinstance(value, list):
        inner = {annotation_for(v) for v in value}
        if len(inner) == 1:
            return f"list[{inner.pop()}]"
        return "list[Any]"
    if isinstance(value, dict):
        inner = {annotation_for(v) for v in value.values()}
        return f"dict[str, {inner.pop()}]" if len(inner) == 1 else "dict[str, Any]"
    return "Any"


def enum_annotation(schema: dict[str, Any] | None) -> str | None:
    """``Literal[...]`` for an argument whose JSON Schema lists its allowed values."""
    if not schema:
        return None
    values = schema.get("enum")
    if (
        isinstance(values, list)
        and values
        and all(isinstance(v, str | int) and not isinstance(v, bool) for v in values)
    ):
        return "Literal[" + ", ".join(json.dumps(v) for v in values) + "]"
    return None


def widen(a: str, b: str) -> str:
    """One annotation covering two observations of the same parameter."""
    if a == b:
        return a
    if {a, b} == {"int", "float"}:
        return "float"
    if a.startswith("Literal[") and b in ("str", "int"):
        return a
    if b.startswith("Literal[") and a in ("str", "int"):
        return b
    if a.startswith("list[") and b.startswith("list["):
        return "list[Any]"
    return "Any"
