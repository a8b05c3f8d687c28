"""Read-only hints of tool specs count wherever the common spec shapes put them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from skillforge.trajectory import loads
from skillforge.trajectory.base import ReadContext, tool_specs

FN = {"name": "whoami", "parameters": {"type": "object", "properties": {}}}


def _read_only(item: dict[str, Any]) -> bool | None:
    (spec,) = tool_specs([item], ReadContext("tools.json"))
    return spec.read_only


@pytest.mark.parametrize(("item", "expected"), [
    ({"type": "function", "function": FN}, None),
    ({"type": "function", "function": {**FN, "read_only": True}}, True),
    ({"type": "function", "function": FN, "read_only": True}, True),  # next to "function"
    ({"type": "function", "function": FN, "readOnlyHint": True}, True),
    ({"type": "function", "function": FN, "annotations": {"readOnlyHint": True}}, True),
    ({"type": "function", "function": {**FN, "annotations": {"readOnlyHint": True}}}, True),
    ({"type": "function", "function": FN, "annotations": {"destructiveHint": True}}, False),
    ({"type": "function", "function": FN, "annotations": {"destructiveHint": False}}, None),
    ({"type": "function", "function": {**FN, "read_only": False}, "read_only": True}, False),
    ({**FN, "read_only": True}, True),
    ({**FN, "readOnly": False}, False),
    ({**FN, "annotations": {"readOnlyHint": True, "destructiveHint": True}}, True),
    ({**FN, "annotations": {"readOnlyHint": "yes"}}, None),  # not a boolean: no hint
    ({"name": "x", "inputSchema": {}, "annotations": {"readOnlyHint": False}}, False),
])
def test_read_only_hints(item: dict[str, Any], expected: bool | None) -> None:
    assert _read_only(item) is expected


def test_top_level_read_only_reaches_the_trajectory() -> None:
    """The audit's case: ``read_only`` next to ``function`` marked whoami as changing state."""
    doc = {"task": "t", "messages": [
        {"role": "user", "content": "t"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c0", "type": "function", "function": {"name": "whoami", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c0", "content": "{}"}],
        "tools": [{"type": "function", "function": FN, "read_only": True}]}
    (traj,) = loads(json.dumps(doc))
    assert traj.is_read_only("whoami")
    doc["tools"] = [{"type": "function", "function": {**FN, "read_only": True}}]
    (inner,) = loads(json.dumps(doc))
    assert inner.sha256() == traj.sha256()
