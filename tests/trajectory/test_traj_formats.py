"""Every format's real-library fixture reads into the same normalised run.

The fixtures in tests/fixtures/trajectories were written by make_fixtures.py driving the
real openai, anthropic, langchain-core, smolagents, opentelemetry-sdk and atif libraries
through one scenario; these tests only read the JSON, so CI needs none of those libraries.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from trajhelp import BODY_KEY, FIXTURES, MANIFEST, SAME_RUN, calls_of, fixture_payload

from skillforge.trajectory import Trajectory, load, loads, parse
from skillforge.trajectory.base import ReadContext
from skillforge.trajectory.detect import FORMATS, detect
from tests.fixtures import scenario as sc


def envelope(name: str) -> dict[str, Any]:
    payload = fixture_payload(name)
    key = BODY_KEY.get(name, "messages")
    return {"task": sc.TASK, "inputs": sc.INPUTS, "tools": sc.TOOLS, key: payload,
            "outcome": "success"}


def test_manifest_names_the_library_of_every_fixture() -> None:
    formats = {entry["format"] for entry in MANIFEST.values()}
    assert formats == {f.name for f in FORMATS}
    for name, entry in MANIFEST.items():
        assert (FIXTURES / name).is_file()
        assert entry["library"] and entry["version"][0].isdigit()


@pytest.mark.parametrize("fixture_name", sorted(MANIFEST))
def test_each_fixture_is_detected_as_its_format(fixture_name: str) -> None:
    (traj,) = load(FIXTURES / fixture_name)
    assert traj.source_format == MANIFEST[fixture_name]["format"]
    if fixture_name != "native.json":
        assert detect(fixture_payload(fixture_name)).name == MANIFEST[fixture_name]["format"]


@pytest.mark.parametrize("name", SAME_RUN)
def test_bare_fixture_normalises_to_the_scenario(name: str) -> None:
    (traj,) = load(FIXTURES / name)
    with_inputs = name == "native.json"  # only native carries inputs of its own
    assert calls_of(traj) == sc.expected_calls(with_inputs=with_inputs)
    assert traj.task == sc.TASK
    assert traj.final_answer == sc.FINAL
    assert traj.outcome == "success"


@pytest.mark.parametrize("name", [n for n in SAME_RUN if n != "native.json"])
def test_enveloped_fixture_normalises_to_the_native_run(name: str) -> None:
    (native,) = load(FIXTURES / "native.json")
    (traj,) = loads(json.dumps(envelope(name)), name)
    assert calls_of(traj) == calls_of(native) == sc.expected_calls(with_inputs=True)
    assert traj.inputs == native.inputs
    assert traj.inputs["api_token"] == "<REDACTED:input:api_token>"
    assert [t.name for t in traj.tools] == [t["name"] for t in sc.TOOLS]
    assert traj.source_format == MANIFEST[name]["format"]


def test_all_formats_agree_with_each_other() -> None:
    sequences = {name: calls_of(load(FIXTURES / name)[0]) for name in SAME_RUN
                 if name != "native.json"}
    first = next(iter(sequences.values()))
    assert all(seq == first for seq in sequences.values()), sequences


def test_parallel_calls_keep_their_order_and_ids() -> None:
    (chat,) = load(FIXTURES / "openai_chat.json")
    assert [c.id for c in chat.tool_calls[:2]] == ["call_0a", "call_0b"]
    (anthropic,) = load(FIXTURES / "anthropic.json")
    assert [c.id for c in anthropic.tool_calls[:2]] == ["toolu_0a", "toolu_0b"]


def test_legacy_function_call_is_read_in_order() -> None:
    (traj,) = load(FIXTURES / "openai_chat_legacy.json")
    assert [c.id for c in traj.tool_calls] == ["call_1", "call_2", "call_3", "call_4"]


def test_tool_specs_come_from_formats_that_carry_them() -> None:
    for name in ("atif.json", "otel_otlp.json", "otel_spans.json", "native.json"):
        (traj,) = load(FIXTURES / name)
        assert [t.name for t in traj.tools] == [t["name"] for t in sc.TOOLS], name
        assert traj.tool_spec("cancel_order").parameters["required"] == [
            "order_id", "reason", "auth_token"]


def test_smolagents_tool_error_step_keeps_the_failed_call() -> None:
    (traj,) = load(FIXTURES / "smolagents_tool_error.json")
    failed = traj.tool_calls[0]
    assert failed.name == "get_order_details" and failed.is_error
    assert failed.arguments == {"order_id": "W2378156"}
    assert "OrderNotFound: order not found: W2378156" in failed.result
    assert [c.is_error for c in traj.tool_calls] == [True, False, False]
    assert traj.final_answer == sc.FINAL


def test_native_round_trips_exactly() -> None:
    (traj,) = load(FIXTURES / "native.json")
    again = Trajectory.model_validate(json.loads(traj.to_json()))
    assert again == traj
    (reloaded,) = loads(traj.to_json())
    assert reloaded.to_json() == traj.to_json()
    assert reloaded.sha256() == traj.sha256()


def test_native_without_secrets_is_read_unchanged() -> None:
    payload = fixture_payload("native.json")
    (raw,) = load(FIXTURES / "native.json", redact=False)
    assert raw.model_dump(mode="json") == payload


def test_format_can_be_forced_in_the_envelope() -> None:
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    (traj,) = loads(json.dumps({"format": "anthropic", "messages": messages}))
    assert traj.source_format == "anthropic"
    assert traj.task == "hi" and traj.final_answer == "hello"


def test_parse_reads_one_payload() -> None:
    traj = parse(fixture_payload("anthropic.json"), ReadContext("x.json"))
    assert traj.source_format == "anthropic"
    assert len(traj.tool_calls) == 4
