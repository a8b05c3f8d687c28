"""Broken input gives one clear TrajectoryError naming the file and the JSON path."""

from __future__ import annotations

import ast
import codecs
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from trajhelp import fixture_payload

from skillforge.errors import TrajectoryError, UnknownFormatError
from skillforge.trajectory import load, loads


def error_of(payload: Any, name: str = "run.json") -> TrajectoryError:
    with pytest.raises(TrajectoryError) as info:
        loads(payload if isinstance(payload, str | bytes) else json.dumps(payload), name)
    return info.value


def mutated(name: str, edit: Any) -> Any:
    payload = copy.deepcopy(fixture_payload(name))
    edit(payload)
    return payload


CASES: list[tuple[str, Any, str, str]] = [
    # (fixture, edit, expected field, message fragment)
    ("openai_chat.json", lambda p: p[3].update(tool_call_id="call_zz"), "$[3].tool_call_id",
     "unknown call id 'call_zz'"),
    ("openai_chat.json", lambda p: p[4].update(tool_call_id="call_0a"), "$[4].tool_call_id",
     "second result"),
    ("openai_chat.json", lambda p: p[2]["tool_calls"][1].update(id="call_0a"),
     "$[2].tool_calls[1].id", "duplicate tool call id"),
    ("openai_chat.json", lambda p: p[2]["tool_calls"][0].pop("id"), "$[2].tool_calls[0].id",
     "has no id"),
    ("openai_chat.json", lambda p: p[2]["tool_calls"][0]["function"].update(arguments="{oops"),
     "$[2].tool_calls[0].function.arguments", "not valid JSON"),
    ("openai_chat.json", lambda p: p[2]["tool_calls"][0]["function"].update(arguments="[1]"),
     "$[2].tool_calls[0].function.arguments", "must be a JSON object"),
    ("openai_chat.json", lambda p: p[2].update(tool_calls={"a": 1}), "$[2].tool_calls",
     "expected array"),
    ("openai_chat.json", lambda p: p.pop(3), "$",
     "'call_0a' (find_user_id_by_email) has no result"),
    ("openai_responses.json", lambda p: p[4].update(call_id=7), "$[4].call_id",
     "needs the id of its call"),
    ("openai_responses.json", lambda p: p[2].pop("name"), "$[2].name", "tool name"),
    ("anthropic.json", lambda p: p[1]["content"][1].update(input="x"), "$[1].content[1].input",
     "expected object, found string"),
    ("anthropic.json", lambda p: p[2]["content"][1].update(tool_use_id="nope"),
     "$[2].content[1].tool_use_id", "unknown call id"),
    ("langchain_messages_to_dict.json", lambda p: p[3]["data"].update(tool_call_id=None),
     "$[3].data.tool_call_id", "needs the id of its call"),
    ("langchain_model_dump.json", lambda p: p[2]["tool_calls"][0].update(args=[1]),
     "$[2].tool_calls[0].args", "expected object"),
    ("smolagents.json", lambda p: p[1].update(observations=5), "$[1].observations",
     "observations must be a string"),
    ("smolagents.json", lambda p: p[1]["tool_calls"][0]["function"].update(name=""),
     "$[1].tool_calls[0].function.name", "tool name must be a non-empty string"),
    ("otel_spans.json", lambda p: p[1]["attributes"].update({"gen_ai.tool.call.arguments": "{"}),
     "$[1].attributes.gen_ai.tool.call.arguments", "not valid JSON"),
    ("otel_otlp.json", lambda p: p["resourceSpans"][0]["scopeSpans"][0]["spans"][1].update(
        startTimeUnixNano="soon"), "$.resourceSpans[0].scopeSpans[0].spans[1].startTimeUnixNano",
     "expected an integer"),
    ("atif.json", lambda p: p["steps"][2]["observation"]["results"][0].update(
        source_call_id="ghost"), "$.steps[2].observation.results[0].source_call_id",
     "unknown call id 'ghost'"),
    ("atif.json", lambda p: p["steps"][2].update(source=3), "$.steps[2].source",
     "step source must be a non-empty string"),
    ("native.json", lambda p: p["steps"][3].update(arguments="x"), "$.steps[3].arguments",
     "valid dictionary"),
]


@pytest.mark.parametrize(("name", "edit", "field", "fragment"), CASES,
                         ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_broken_field_is_named(name: str, edit: Any, field: str, fragment: str) -> None:
    error = error_of(mutated(name, edit))
    assert error.path == "run.json"
    assert error.field == field
    assert fragment in error.message
    assert error.hint  # what to do, not only what is wrong
    assert "\n" not in error.one_line()


@pytest.mark.parametrize(("envelope", "field"), [
    ({"inputs": [1]}, "$.inputs"),
    ({"task": 5}, "$.task"),
    ({"tools": [{"description": "x"}]}, "$.tools[0].name"),
    ({"format": "nope"}, "$.format"),
    ({"format": 3}, "$.format"),
    ({"outcome": 1}, "$.outcome"),
    ({"final_answer": ["x"]}, "$.final_answer"),
])
def test_envelope_fields_are_checked(envelope: dict[str, Any], field: str) -> None:
    error = error_of({**envelope, "messages": fixture_payload("anthropic.json")})
    assert (error.path, error.field) == ("run.json", field)
    assert error.hint
    assert error.one_line().startswith(f"run.json: {field}: ")


def test_the_audit_cases_say_what_to_do() -> None:
    body = fixture_payload("openai_chat.json")
    inputs = error_of({"inputs": "order 1", "messages": body}, "badinputs.json")
    assert inputs.one_line() == (
        "badinputs.json: $.inputs: inputs must be a JSON object — give inputs as an object "
        'of names to values, e.g. {"order_id": "#W1"}')
    body[2]["tool_calls"][0]["function"]["arguments"] = "{order: 1}"
    args = error_of(body, "badargs.json")
    assert args.field == "$[2].tool_calls[0].function.arguments"
    assert "not valid JSON" in args.message and "JSON object" in (args.hint or "")


def test_every_trajectory_error_in_the_package_carries_a_hint() -> None:
    """Static guard: each ``fail(...)`` / ``TrajectoryError(...)`` passes ``hint=``."""
    package = Path(__file__).resolve().parents[2] / "skillforge" / "trajectory"
    missing = []
    for source in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("fail", "TrajectoryError", "UnknownFormatError") and not any(
                    k.arg == "hint" for k in node.keywords):
                missing.append(f"{source.name}:{node.lineno}")
    assert not missing


def test_unknown_shape_says_what_it_found() -> None:
    error = error_of({"hello": "world"})
    assert isinstance(error, UnknownFormatError)
    assert "keys hello" in error.message and "formats:" in (error.hint or "")
    assert error_of({"messages": [{"x": 1}]}).field == "$.messages"


@pytest.mark.parametrize(("text", "fragment", "field"), [
    ('{"messages": [{"role": "user", "content": "hi', "truncated", "$.messages[0].content"),
    ('[{"role": "user", "content": "hi"},', "truncated", "$[1]"),
    ("", "empty", "$"),
    ("   \n", "empty", "$"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply", "$"),
    ("1" * 5000, "not valid JSON", "$"),
    ('{"a": 1} trailing', "fix the JSON syntax", "$"),
])
def test_undecodable_text(text: str, fragment: str, field: str | None) -> None:
    error = error_of(text)
    assert fragment in error.one_line()
    assert error.field == field


def test_encodings_and_binary(tmp_path: Path) -> None:
    cases = {
        "latin1.json": ('[{"role": "user", "content": "café"}]'.encode("latin-1"), "not UTF-8"),
        "utf32.json": (codecs.BOM_UTF32_LE + b"[\x00\x00", "not UTF-32-LE"),
        "binary.bin": (bytes(range(256)) * 4, "binary data"),
        "junk.bin": (bytes(0x80 + i % 100 for i in range(1000)), "not UTF-8"),
        "nul.json": (b'{"a": "\x00"}', "NUL"),
        "gz.json.gz": (b"\x1f\x8b\x08\x00garbage", "gzip"),
    }
    for name, (data, fragment) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(TrajectoryError) as info:
            load(path)
        assert fragment in info.value.one_line(), name
        assert info.value.path == str(path)


def test_size_limit_is_enforced_without_reading_everything(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"role": "user", "content": "x" * 5000}]))
    with pytest.raises(TrajectoryError, match="larger than the 1000 bytes limit"):
        load(path, limit=1000)
    monkeypatch.setenv("SKILLFORGE_MAX_TRAJECTORY_BYTES", "2000")
    with pytest.raises(TrajectoryError, match="SKILLFORGE_MAX_TRAJECTORY_BYTES"):
        load(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(TrajectoryError, match="file not found"):
        load(tmp_path / "nope.json")
    with pytest.raises(TrajectoryError, match="is a directory"):
        load(tmp_path)
