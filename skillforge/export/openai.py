"""OpenAI tool definitions (Chat Completions ``tools=[...]``) for skills."""

from __future__ import annotations

from typing import Any


def openai_tool(manifest: dict[str, Any]) -> dict[str, Any]:
    """One Chat Completions function tool for a skill manifest (``skill.json``)."""
    return {
        "type": "function",
        "function": {
            "name": manifest["name"],
            "description": manifest["description"],
            "parameters": manifest["parameters"],
        },
    }
