"""Helpers for the trajectory tests: the real-library fixture files and the scenario."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures" / "trajectories"
MANIFEST: dict[str, dict[str, str]] = json.loads((FIXTURES / "MANIFEST.json").read_text())

#: The fixtures that record the scenario's run exactly (the tool-error one differs on purpose).
SAME_RUN = sorted(name for name in MANIFEST if name != "smolagents_tool_error.json")
#: Envelope body key per fixture shape (a dict payload is wrapped as-is).
BODY_KEY = {"otel_otlp.json": "spans", "otel_spans.json": "spans", "atif.json": "steps",
            "smolagents.json": "steps", "openai_responses.json": "items"}


@functools.cache
def _fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def fixture_payload(name: str) -> Any:
    """A fresh copy of a fixture's JSON (tests mutate it)."""
    return json.loads(_fixture_text(name))


def calls_of(traj: Any) -> list[dict[str, Any]]:
    return [
        {"name": c.name, "arguments": c.arguments, "result": c.result, "is_error": c.is_error}
        for c in traj.tool_calls
    ]
