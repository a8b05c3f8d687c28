"""Hypothesis fuzzing of every reader: whatever the bytes, a result or one clean error.

Each real-library fixture is truncated, mutated (values replaced by other JSON, keys
deleted, ids duplicated or pointed at nothing, lists shuffled), buried in binary junk and
re-encoded.  Loading must return trajectories or raise a TrajectoryError that names the
file and a JSON path in one line: never another exception, never an "internal error".
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trajhelp import MANIFEST, fixture_payload

from skillforge.errors import TrajectoryError
from skillforge.trajectory import Trajectory, loads

NAMES = sorted(MANIFEST)
#: A quick pass by default; SKILLFORGE_FUZZ_EXAMPLES=2000 for a long campaign.
FUZZ = settings(max_examples=int(os.environ.get("SKILLFORGE_FUZZ_EXAMPLES", "20")),
                deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8,
)
ID_KEYS = {"id", "call_id", "tool_call_id", "tool_use_id", "source_call_id",
           "gen_ai.tool.call.id", "spanId", "traceId", "step_id"}


def check(data: str | bytes, name: str = "fuzz.json") -> None:
    try:
        found = loads(data, name)
    except TrajectoryError as exc:
        assert exc.path is not None and exc.path.startswith(name)
        assert exc.field is not None and exc.field.startswith("$"), exc.one_line()
        assert "internal error" not in exc.message, exc.one_line()
        assert "\n" not in exc.one_line()
        return
    for traj in found:
        assert isinstance(traj, Trajectory)
        assert Trajectory.model_validate_json(traj.to_json()) == traj


def nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(nodes(item, (*path, key)))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            out.extend(nodes(item, (*path, n)))
    return out


def get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


def ids(value: Any) -> list[tuple[Any, ...]]:
    """Paths of the fields that link results to calls (names, for the legacy API)."""
    found = [p for p in nodes(value) if p and p[-1] in ID_KEYS]
    return found or [p for p in nodes(value) if p and p[-1] == "name"]


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_truncated(name: str, data: st.DataObject) -> None:
    raw = json.dumps(fixture_payload(name), indent=1)
    check(raw[: data.draw(st.integers(0, len(raw) - 1))])


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_mutated_tree(name: str, data: st.DataObject) -> None:
    payload = fixture_payload(name)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in nodes(payload) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent, key = get(payload, path[:-1]), path[-1]
        op = data.draw(st.sampled_from(["replace", "delete", "duplicate", "shuffle"]))
        if op == "replace":
            parent[key] = data.draw(JSON)
        elif op == "delete":
            del parent[key]
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key])))
        elif op == "shuffle" and isinstance(parent, list):
            parent[:] = data.draw(st.permutations(parent))
    check(json.dumps(payload))


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_ids_duplicated_or_dangling(name: str, data: st.DataObject) -> None:
    payload = fixture_payload(name)
    targets = ids(payload)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(targets))
        donor = get(payload, data.draw(st.sampled_from(targets)))
        value = data.draw(st.sampled_from([donor, "ghost", None, 7, ""]))
        get(payload, path[:-1])[path[-1]] = value
    check(json.dumps(payload))


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_binary_junk_and_encodings(name: str, data: st.DataObject) -> None:
    raw = json.dumps(fixture_payload(name), ensure_ascii=False).encode()
    at = data.draw(st.integers(0, len(raw)))
    junk = data.draw(st.binary(min_size=1, max_size=16))
    check(raw[:at] + junk + raw[at:])
    text = raw.decode().replace("Cancel", "Annulé ✓")
    codec = data.draw(st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-32", "utf-16-be"]))
    check(text.encode(codec, errors="replace"))


@FUZZ
@given(value=JSON)
def test_arbitrary_json(value: Any) -> None:
    check(json.dumps(value))
    check(json.dumps({"messages": value}))
    check(json.dumps({"resourceSpans": value}))
    check(json.dumps({"schema_version": "ATIF-v1.6", "steps": value}))


@FUZZ
@given(junk=st.binary(max_size=200))
def test_arbitrary_bytes(junk: bytes) -> None:
    check(junk)
