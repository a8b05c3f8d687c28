"""Anthropic Messages API tool definitions (``tools=[{name, description, input_schema}]``)."""

from __future__ import annotations

from typing import Any


def anthropic_tool(manifest: dict[str, Any]) -> dict[str, Any]:
    """One Anthropic tool for a skill manifest; the schema is the signature's, unchanged."""
    return {
        "name": manifest["name"],
        "description": manifest["description"],
        "input_schema": manifest["parameters"],
    }
