"""Integers beyond 64 bits stay exact (orjson alone would turn them into floats)."""

from __future__ import annotations

import json
from pathlib import Path

from skillforge.trajectory import load
from skillforge.trajectory.base import loads_json

BIG = 123456789012345678901234567890


def test_embedded_json_keeps_big_integers_exact() -> None:
    assert loads_json(json.dumps({"id": BIG})) == {"id": BIG}
    assert loads_json('{"id": 18446744073709551616}')["id"] == 2**64
    assert loads_json('{"id": 42}') == {"id": 42}


def test_a_trajectory_with_a_big_numeric_id_keeps_it(tmp_path: Path) -> None:
    run = {
        "task": "look the account up",
        "inputs": {"account": BIG},
        "messages": [
            {"role": "user", "content": f"account {BIG}"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {
                    "name": "get_account", "arguments": json.dumps({"account": BIG})}}]},
            {"role": "tool", "tool_call_id": "c1", "content": '{"owner": "ann"}'},
            {"role": "assistant", "content": "ann"},
        ],
    }
    for path, text in ((tmp_path / "run.json", json.dumps(run)),
                       (tmp_path / "runs.jsonl", json.dumps(run) + "\n" + json.dumps(run))):
        path.write_text(text)
        loaded = load(path)
        first = loaded[0] if isinstance(loaded, list) else loaded
        assert first.inputs["account"] == BIG
        call = first.tool_calls[0]
        assert call.arguments["account"] == BIG
