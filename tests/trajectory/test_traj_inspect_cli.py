"""``skillforge inspect`` as a user runs it: ``python cli.py inspect ...`` from the repo root."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from trajhelp import FIXTURES, ROOT, fixture_payload

from tests.fixtures import scenario as sc


def sf(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"})


def test_human_output_shows_format_calls_errors_retries_and_parameters() -> None:
    result = sf("inspect", str(FIXTURES / "native.json"), str(FIXTURES / "otel_otlp.json"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "native" in out and "otel" in out
    assert sc.TASK in out
    assert 'find_user_id_by_email(email="jane.doe@example.com")' in out
    assert "✗ get_order_details" in out and "retry of step 5" in out
    assert "Error: order not found: W2378156" in out
    assert "parameters the compiler would lift" in out
    assert "api_token" in out and "<REDACTED:input:api_token>" in out
    assert "cancel_order.auth_token" in out
    for secret in sc.SECRETS:
        assert secret not in out


def test_json_output_is_one_document_per_run(tmp_path: Path) -> None:
    runs = tmp_path / "runs.jsonl"
    runs.write_text("\n".join(json.dumps(fixture_payload(n))
                              for n in ("anthropic.json", "langchain_model_dump.json")))
    result = sf("inspect", "--json", str(runs))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["errors"] == []
    assert [t["where"] for t in doc["trajectories"]] == [f"{runs}:1", f"{runs}:2"]
    first = doc["trajectories"][0]
    assert first["source_format"] == "anthropic"
    assert (first["calls"], first["errors"], first["retries"]) == (4, 1, 1)
    calls = [s for s in first["steps"] if s["type"] == "tool_call"]
    assert calls[2]["retry_of"] == calls[1]["id"]
    assert calls[3]["read_only"] is False
    lifted = {p["name"]: p for p in first["parameters"]}
    assert lifted["order_id"]["value"] == sc.ORDER_ID and lifted["order_id"]["source"] == "task"


def test_bad_file_exits_2_with_one_line_naming_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    payload = fixture_payload("openai_chat.json")
    payload[3]["tool_call_id"] = "call_missing"
    bad.write_text(json.dumps(payload))
    result = sf("inspect", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: {bad}: $[3].tool_call_id: tool result for unknown call id "
                     "'call_missing' — every result must answer exactly one earlier tool call"]
    assert "Traceback" not in result.stderr


def test_good_and_bad_files_together_still_show_the_good_one(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = sf("inspect", "--json", str(junk), str(FIXTURES / "atif.json"), str(tmp_path / "no"))
    assert result.returncode == 2
    doc = json.loads(result.stdout)
    assert [t["source_format"] for t in doc["trajectories"]] == ["atif"]
    assert [e["path"] for e in doc["errors"]] == [str(junk), str(tmp_path / "no")]
    assert len(result.stderr.strip().splitlines()) == 2
    assert "Traceback" not in result.stderr


def test_stdin_dash() -> None:
    result = sf("inspect", "-", stdin=json.dumps(fixture_payload("smolagents.json")))
    assert result.returncode == 0, result.stderr
    assert "<stdin>" in result.stdout and "smolagents" in result.stdout
