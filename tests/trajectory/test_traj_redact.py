"""Secrets never survive loading; secret inputs stay liftable parameters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from trajhelp import BODY_KEY, FIXTURES, MANIFEST, fixture_payload

from skillforge.errors import InputError
from skillforge.trajectory import Redactor, load, loads, redact, redact_text
from skillforge.trajectory.analysis import lifted
from tests.fixtures import scenario as sc

SECRETS = {
    "api_key": [
        "sk-proj-Q3x9vTf2LmN8bR4kW7yZ1aC5dE6gH0jKaaaa",
        "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
        "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
        "sk_live_51H8abcdefghijklmnopqrstuv",
    ],
    "github_token": ["ghp_16C7e42F292c6912E7710c838347Ae178B4a",
                     "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"],
    "aws_access_key": ["AKIAIOSFODNN7EXAMPLE"],
    "jwt": [sc.JWT],
    "slack_token": ["xoxb-123456789012-1234567890123-abcdefghijklmnop"],
}


@pytest.mark.parametrize(("kind", "secret"), [(k, s) for k, v in SECRETS.items() for s in v])
def test_provider_keys_become_kind_placeholders(kind: str, secret: str) -> None:
    text = f"use {secret} now"
    assert redact_text(text) == f"use <REDACTED:{kind}> now"


@pytest.mark.parametrize(("text", "expected"), [
    ("Authorization: Bearer abc.def-ghi_jkl123456",
     "Authorization: Bearer <REDACTED:bearer_token>"),
    ("curl -H 'Authorization: Basic dXNlcjpwYXNzd29yZA=='",
     "curl -H 'Authorization: Basic <REDACTED:authorization>'"),
    ("login password=hunter2&user=bob", "login password=<REDACTED:password>&user=bob"),
    ('{"user": "bob", "password": "correct horse"}',
     '{"user": "bob", "password": "<REDACTED:password>"}'),
    ("client_secret: s3cr3t-v@lue", "client_secret: <REDACTED:secret>"),
    ("Set-Cookie: session=abc123; HttpOnly", "Set-Cookie: <REDACTED:cookie>"),
    ("postgres://app:pa55word@db:5432/x", "postgres://app:<REDACTED:password>@db:5432/x"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "aws_secret_access_key = <REDACTED:aws_secret_key>"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----\nok",
     "<REDACTED:private_key>\nok"),
])
def test_contextual_secrets_keep_their_context(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", [
    "Cancel order #W2378156 for jane.doe@example.com",
    '{"next_page_token": "abc"}', "max_tokens=512", "the token expires soon",
    "user_id jane_doe_1234", "sku 9612497925", "https://shop.example.com/track?id=W1",
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_text(text) == text


def test_redaction_is_idempotent() -> None:
    text = "Bearer abcdefghijklmnop1234 and password=<REDACTED:input:pw> sk-" + "a" * 30
    once = redact_text(text)
    assert redact_text(once) == once
    assert "<REDACTED:input:pw>" in once


def test_sensitive_fields_are_redacted_whatever_their_value() -> None:
    r = Redactor()
    value = {"password": "x1", "api_key": "short", "nested": [{"cookie": "c=1"}],
             "next_page_token": "p2", "pin": 1234, "amount": 12}
    assert r.value(value) == {"password": "<REDACTED:password>", "api_key": "<REDACTED:secret>",
                              "nested": [{"cookie": "<REDACTED:cookie>"}],
                              "next_page_token": "p2", "pin": "<REDACTED:password>",
                              "amount": 12}


def test_secret_input_becomes_a_consistent_parameter_placeholder() -> None:
    doc = {"task": f"Rotate the key {sc.API_TOKEN} for bob", "inputs": {"api_token": sc.API_TOKEN,
           "user": "bob", "pin": "4321"},
           "messages": [{"role": "user", "content": "go"},
                        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                         "function": {"name": "rotate", "arguments": json.dumps(
                             {"token": sc.API_TOKEN, "user": "bob", "pin": "4321",
                              "header": f"token {sc.API_TOKEN}", "order": "#W43210"})}}]},
                        {"role": "tool", "tool_call_id": "c1", "content": f"ok {sc.API_TOKEN}"}]}
    (traj,) = loads(json.dumps(doc))
    placeholder = "<REDACTED:input:api_token>"
    assert traj.inputs == {"api_token": placeholder, "user": "bob",
                           "pin": "<REDACTED:input:pin>"}
    call = traj.tool_calls[0]
    assert call.arguments == {"token": placeholder, "user": "bob", "pin": "<REDACTED:input:pin>",
                              "header": f"token {placeholder}", "order": "#W43210"}
    assert call.result == f"ok {placeholder}"
    assert traj.task == f"Rotate the key {placeholder} for bob"
    lifts = {lift.name: lift for lift in lifted(traj)}
    assert [u.argument for u in lifts["api_token"].uses] == ["token", "header"]
    assert lifts["api_token"].uses[0].exact


@pytest.mark.parametrize("name", sorted(MANIFEST))
@pytest.mark.parametrize("wrapped", [False, True])
def test_no_planted_secret_reaches_the_normalised_trajectory(name: str, wrapped: bool) -> None:
    payload = fixture_payload(name)
    raw = json.dumps(payload)
    assert any(secret in raw for secret in sc.SECRETS)  # the fixture does carry secrets
    if wrapped and name != "native.json":
        raw = json.dumps({"inputs": sc.INPUTS, BODY_KEY.get(name, "messages"): payload})
    for traj in loads(raw, name):
        stored = traj.to_json()
        for secret in sc.SECRETS:
            assert secret not in stored, (name, secret)


def test_what_a_skill_directory_stores_holds_no_secret(tmp_path: Path) -> None:
    """The skills directory stores ``to_json()`` of loaded runs: write it and grep the files."""
    out = tmp_path / "trajectories"
    out.mkdir()
    for name in MANIFEST:
        for n, traj in enumerate(load(FIXTURES / name)):
            (out / f"{name}.{n}.json").write_text(traj.to_json())
    blob = b"".join(p.read_bytes() for p in out.iterdir())
    for secret in sc.SECRETS:
        assert secret.encode() not in blob


def test_extra_patterns_from_argument_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert redact_text("id ACME-1234-XYZ", {"acme_id": r"ACME-\d{4}-[A-Z]{3}"}) == (
        "id <REDACTED:acme_id>")
    assert redact_text("emp E12345", [r"E(?P<secret>\d{5})"]) == "emp E<REDACTED:custom>"
    monkeypatch.setenv("SKILLFORGE_REDACT_PATTERNS", json.dumps({"ticket": r"TCK-\d+"}))
    (traj,) = loads(json.dumps([{"role": "user", "content": "see TCK-991"},
                                {"role": "assistant", "content": "ok"}]))
    assert traj.task == "see <REDACTED:ticket>"
    monkeypatch.setenv("SKILLFORGE_REDACT_PATTERNS", r"internal-\w+")
    assert redact_text("host internal-db1") == "host <REDACTED:custom>"


def test_bad_extra_patterns_are_input_errors() -> None:
    with pytest.raises(InputError, match="bad redaction pattern"):
        Redactor(["("])
    with pytest.raises(InputError, match="named groups"):
        Redactor([r"(?P<x>a)"])
    with pytest.raises(InputError, match="bad redaction kind"):
        Redactor({"Bad Kind": "a"})


def test_redact_returns_a_copy_and_load_can_opt_out() -> None:
    (raw,) = load(FIXTURES / "native.json", redact=False)
    assert raw.inputs["api_token"] == sc.API_TOKEN
    clean = redact(raw)
    assert clean.inputs["api_token"] == "<REDACTED:input:api_token>"
    assert raw.inputs["api_token"] == sc.API_TOKEN
