"""MCP tool definitions for skills, as plain JSON (no ``mcp`` import needed).

A skill's MCP tool name is the skill name.  MCP requires an ``outputSchema`` to describe
an object, so a skill returning a scalar or a list is described (and answered) as
``{"result": value}``, the convention the official SDK uses for such functions.
"""

from __future__ import annotations

from typing import Any

RESULT_KEY = "result"


def output_schema(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The MCP output schema of a skill, or None when its return type is unknown (``Any``)."""
    schema = (manifest.get("returns") or {}).get("schema") or {}
    if not schema or not (set(schema) - {"title", "description"}):
        return None
    if schema.get("type") == "object" and "properties" in schema:
        return schema
    return {"type": "object", "properties": {RESULT_KEY: schema}, "required": [RESULT_KEY]}


def structured_result(manifest: dict[str, Any], value: Any) -> dict[str, Any] | None:
    """The ``structuredContent`` matching :func:`output_schema` for a skill's return value."""
    schema = output_schema(manifest)
    if schema is None:
        return None
    if schema is (manifest.get("returns") or {}).get("schema"):
        return value if isinstance(value, dict) else None
    return {RESULT_KEY: value}


def tool_annotations(manifest: dict[str, Any]) -> dict[str, Any]:
    """MCP tool hints from the manifest: read-only skills vs ones that change state."""
    read_only = bool(manifest.get("read_only"))
    return {
        "title": manifest["name"].replace("_", " ").capitalize(),
        "readOnlyHint": read_only,
        "destructiveHint": not read_only and bool(manifest.get("state_changing")),
        "idempotentHint": read_only,
        "openWorldHint": True,
    }


def mcp_tool(manifest: dict[str, Any]) -> dict[str, Any]:
    """One MCP ``Tool`` (as its JSON form) for a skill manifest."""
    tool: dict[str, Any] = {
        "name": manifest["name"],
        "description": manifest["description"],
        "inputSchema": manifest["parameters"],
        "annotations": tool_annotations(manifest),
    }
    out = output_schema(manifest)
    if out is not None:
        tool["outputSchema"] = out
    return tool
