"""Files with several runs (JSON lists, JSONL, several traces), envelopes, encodings."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

import pytest
from trajhelp import BODY_KEY, SAME_RUN, calls_of, fixture_payload

from skillforge.errors import TrajectoryError
from skillforge.trajectory import load, load_located, loads
from tests.fixtures import scenario as sc


def run_of(name: str) -> object:
    return fixture_payload(name)


@pytest.mark.parametrize("key", ["messages", "steps", "events", "items", "spans"])
def test_every_envelope_body_key_is_accepted(key: str) -> None:
    (traj,) = loads(json.dumps({"task": "T", key: run_of("openai_chat.json"), "id": "r1",
                                "model": "gpt-4o"}))
    assert traj.task == "T"
    assert len(traj.tool_calls) == 4


def test_json_list_of_runs_in_different_formats(tmp_path: Path) -> None:
    runs = [run_of(n) for n in SAME_RUN]
    path = tmp_path / "runs.json"
    path.write_text(json.dumps(runs))
    located = load_located(path)
    assert [item.where for item in located] == [f"{path}[{i}]" for i in range(len(SAME_RUN))]
    expected = sc.expected_calls(with_inputs=False)
    for item, name in zip(located, SAME_RUN, strict=True):
        if name != "native.json":
            assert calls_of(item.trajectory) == expected, name


def test_jsonl_of_runs_reports_each_line(tmp_path: Path) -> None:
    lines = [json.dumps(run_of(n)) for n in ("anthropic.json", "atif.json", "smolagents.json")]
    path = tmp_path / "runs.jsonl"
    path.write_text("\n".join(lines) + "\n\n")
    located = load_located(path)
    assert [item.where for item in located] == [f"{path}:1", f"{path}:2", f"{path}:3"]
    assert [i.trajectory.source_format for i in located] == ["anthropic", "atif", "smolagents"]


def test_jsonl_error_names_the_line(tmp_path: Path) -> None:
    good = json.dumps(run_of("anthropic.json"))
    broken = copy.deepcopy(run_of("anthropic.json"))
    broken[2]["content"][0]["tool_use_id"] = "toolu_nope"
    path = tmp_path / "runs.jsonl"
    path.write_text(f"{good}\n{json.dumps(broken)}\n")
    with pytest.raises(TrajectoryError) as info:
        load(path)
    assert info.value.path == f"{path}:2"
    assert info.value.field == "$[2].content[0].tool_use_id"
    assert "unknown call id 'toolu_nope'" in info.value.message


def test_jsonl_syntax_error_names_the_line(tmp_path: Path) -> None:
    good = json.dumps(run_of("anthropic.json"))
    path = tmp_path / "runs.jsonl"
    path.write_text(f"{good}\n{good[:-40]}\n")
    with pytest.raises(TrajectoryError) as info:
        load(path)
    assert info.value.path == f"{path}:2"
    assert info.value.field.startswith("$[")


def test_jsonl_of_messages_is_one_run(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(json.dumps(m) for m in run_of("openai_chat.json")))
    (traj,) = load(path)
    assert calls_of(traj) == sc.expected_calls(with_inputs=False)


def _retrace(payload: dict, trace: str) -> dict:
    out = copy.deepcopy(payload)
    for rs in out["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                span["traceId"] = trace
    return out


def test_otlp_with_two_traces_gives_two_runs(tmp_path: Path) -> None:
    otlp = run_of("otel_otlp.json")
    other = _retrace(otlp, "ab" * 16)
    merged = {"resourceSpans": otlp["resourceSpans"] + other["resourceSpans"]}
    path = tmp_path / "traces.json"
    path.write_text(json.dumps(merged))
    located = load_located(path)
    assert [i.where for i in located] == [f"{path} trace 1/2", f"{path} trace 2/2"]
    for item in located:
        assert calls_of(item.trajectory) == sc.expected_calls(with_inputs=False)


def test_jsonl_of_otlp_batches_is_merged_by_trace(tmp_path: Path) -> None:
    otlp = run_of("otel_otlp.json")
    spans = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"]
    batches = []
    for span in reversed(spans):  # exporters flush in end order, one batch per line
        batch = copy.deepcopy(otlp)
        batch["resourceSpans"][0]["scopeSpans"][0]["spans"] = [span]
        batches.append(json.dumps(batch))
    path = tmp_path / "spans.jsonl"
    path.write_text("\n".join(batches))
    (traj,) = load(path)
    assert calls_of(traj) == sc.expected_calls(with_inputs=False)


def test_span_list_in_envelope_spans_key() -> None:
    doc = {"task": sc.TASK, "inputs": sc.INPUTS, BODY_KEY["otel_spans.json"]:
           run_of("otel_spans.json")}
    (traj,) = loads(json.dumps(doc))
    assert calls_of(traj) == sc.expected_calls(with_inputs=True)


def test_utf16_and_bom_and_gzip_are_decoded(tmp_path: Path) -> None:
    text = json.dumps(run_of("anthropic.json"), ensure_ascii=False)
    for name, data in [
        ("bom.json", b"\xef\xbb\xbf" + text.encode()),
        ("utf16.json", text.encode("utf-16")),
        ("utf16-nobom.json", text.encode("utf-16-le")),
        ("run.json.gz", gzip.compress(text.encode())),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        (traj,) = load(path)
        assert calls_of(traj) == sc.expected_calls(with_inputs=False), name


def test_stdin_is_read_with_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    data = json.dumps(run_of("atif.json")).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    (item,) = load_located("-")
    assert item.where == "<stdin>" and item.trajectory.source_format == "atif"


def test_other_tool_span_conventions_are_read() -> None:
    """Hand-written span dicts in the OpenInference and Pydantic AI attribute shapes."""
    def span(n: int, attrs: dict) -> dict:
        return {"name": "tool", "context": {"trace_id": "0x01", "span_id": f"0x{n:02x}"},
                "start_time": f"2025-01-01T00:00:0{n}Z", "status": {"status_code": "OK"},
                "attributes": attrs}

    spans = [
        span(1, {"openinference.span.kind": "TOOL", "tool.name": "lookup",
                 "input.value": '{"q": "a"}', "output.value": "A"}),
        span(2, {"gen_ai.tool.name": "fetch", "gen_ai.tool.call.id": "c2",
                 "tool_arguments": '{"id": 2}', "tool_response": "B"}),
    ]
    (traj,) = loads(json.dumps(spans))
    assert [(c.name, c.arguments, c.result) for c in traj.tool_calls] == [
        ("lookup", {"q": "a"}, "A"), ("fetch", {"id": 2}, "B")]


def test_logged_request_bodies_read_as_envelopes() -> None:
    anthropic_body = {"model": "claude-sonnet-4-6", "max_tokens": 1024, "system": sc.SYSTEM,
                      "tools": [{"name": t["name"], "description": t["description"],
                                 "input_schema": t["parameters"]} for t in sc.TOOLS],
                      "messages": run_of("anthropic.json")}
    responses_body = {"model": "gpt-4.1", "instructions": sc.SYSTEM,
                      "tools": [{"type": "function", **t} for t in sc.TOOLS],
                      "input": run_of("openai_responses.json")}
    for body in (anthropic_body, responses_body):
        (traj,) = loads(json.dumps(body))
        assert traj.steps[0].role == "system" and "<REDACTED:api_key>" in traj.steps[0].content
        assert [t.name for t in traj.tools] == [t["name"] for t in sc.TOOLS]
        assert calls_of(traj) == sc.expected_calls(with_inputs=False)


def test_flattened_prompt_attributes_give_calls_without_tool_spans() -> None:
    """Hand-written chat spans in OpenLLMetry's flattened attribute shape, no tool spans."""
    first = {"gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "find jane",
             "gen_ai.completion.0.role": "assistant",
             "gen_ai.completion.0.tool_calls.0.id": "c1",
             "gen_ai.completion.0.tool_calls.0.name": "find_user",
             "gen_ai.completion.0.tool_calls.0.arguments": '{"name": "jane"}'}
    second = {"gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "find jane",
              "gen_ai.prompt.1.role": "assistant",
              "gen_ai.prompt.1.tool_calls.0.id": "c1",
              "gen_ai.prompt.1.tool_calls.0.name": "find_user",
              "gen_ai.prompt.2.role": "tool", "gen_ai.prompt.2.tool_call_id": "c1",
              "gen_ai.prompt.2.content": "Error: no such user",
              "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": "Not found."}
    spans = [{"name": "openai.chat", "context": {"trace_id": "0x01", "span_id": f"0x0{n}"},
              "start_time": f"2025-01-01T00:00:0{n}Z", "attributes": attrs}
             for n, attrs in ((1, first), (2, second))]
    (traj,) = loads(json.dumps(spans))
    assert traj.task == "find jane" and traj.final_answer == "Not found."
    assert [(c.name, c.arguments, c.result, c.is_error) for c in traj.tool_calls] == [
        ("find_user", {"name": "jane"}, "Error: no such user", True)]
