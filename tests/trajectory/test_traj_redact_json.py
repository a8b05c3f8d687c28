"""Sensitive-name redaction reaches JSON documents carried as strings, in every format.

Tool results are very often a JSON document encoded as a string, and OpenAI-style
arguments are JSON strings too; a ``session_cookie`` field in there once went straight
into the skills repository.  The property test plants opaque secrets (values no pattern
recognises, so only their field name can give them away) in every fixture format: in a
JSON-string result, in a nested object field, in arguments (plain and JSON-string valued)
and in the system prompt; none may appear in the loaded trajectory's JSON.
"""

from __future__ import annotations

import json
import math
import re
from types import SimpleNamespace
from typing import Any

import pytest
from trajhelp import BODY_KEY, MANIFEST, fixture_payload

from skillforge.trajectory import Redactor, loads
from skillforge.trajectory.embedded import encode_like
from tests.fixtures import scenario as sc

#: Opaque values: only the name of the field that holds them says they are secrets.
PLANTED = {
    "result": "opq0result0a1b2c3d",
    "nested": "opq1nested0a1b2c3d",
    "argument": "opq2argument0a1b2c",
    "json_argument": "opq3jsonarg0a1b2c",
    "deep_argument": "opq4deeparg0a1b2c",
    "system": "opq5system0a1b2c3d",
    "system_csrf": "opq6csrf0a1b2c3d4",
    "input": "opq7input0a1b2c3d4",
}


def _escape(snippet: str, backslashes: str) -> str:
    """``snippet`` (JSON text) written at the string-nesting level a run of backslashes
    before a quote marks: 0 -> as is, 1 -> inside one JSON string, 3 -> inside two..."""
    for _ in range(round(math.log2(len(backslashes) + 1))):
        snippet = json.dumps(snippet)[1:-1]
    return snippet


def _plant(text: str, anchor: str, snippet: str) -> tuple[str, int]:
    """Insert ``snippet`` (JSON members, level 0) after every ``anchor`` member, at whatever
    string-nesting level the anchor sits (``\\1`` in ``anchor`` is that level's escape)."""
    pattern = re.compile(r"(\\*)" + anchor)
    return pattern.subn(lambda m: m.group(0) + _escape(snippet, m.group(1)), text)


def _planted_fixture(name: str) -> tuple[str, list[str]]:
    """The fixture's JSON with secrets planted, and the secrets actually planted."""
    text = json.dumps(fixture_payload(name))
    p = SimpleNamespace(**PLANTED)
    sites = [  # (anchor, members to add after it, secrets they carry)
        (r'"user_id\1": \1"jane_doe_1234\1"',
         f', "session_cookie": "sessid={p.result}", "csrf": "{p.result}"', ["result"]),
        (r'"price\1": 54.04',
         f', "payment": {{"card": {{"pin": "{p.nested}", "set-cookie": "{p.nested}"}}}}',
         ["nested"]),
        (r'"reason\1": \1"no longer needed\1"',
         f', "sessionid": "{p.argument}", '
         f'"options": {json.dumps(json.dumps({"session": p.json_argument}))}, '
         f'"meta": {{"auth": {{"x-csrf-token": "{p.deep_argument}"}}}}',
         ["argument", "json_argument", "deep_argument"]),
    ]
    planted = []
    for anchor, snippet, keys in sites:
        text, count = _plant(text, anchor, snippet)
        assert count, (name, anchor)
        planted += [PLANTED[k] for k in keys]
    marker = "Internal diagnostics key:"
    if marker in text:
        text = text.replace(marker, f"Login cookie: {p.system}; csrf={p.system_csrf}. "
                            + marker)
        planted += [p.system, p.system_csrf]
    return text, planted


def _dump(traj: Any) -> str:
    return traj.to_json() + json.dumps(traj.model_dump(mode="json"))


@pytest.mark.parametrize("name", sorted(MANIFEST))
@pytest.mark.parametrize("wrapped", [False, True])
def test_no_secret_planted_by_field_name_survives_loading(name: str, wrapped: bool) -> None:
    text, planted = _planted_fixture(name)
    if wrapped and name != "native.json":
        inputs = {**sc.INPUTS, "account": {"login": {"password": PLANTED["input"]}}}
        envelope = {"inputs": inputs, BODY_KEY.get(name, "messages"): json.loads(text)}
        if PLANTED["system"] not in text:  # the format keeps its system prompt apart
            envelope["system"] = f"Login cookie: {PLANTED['system']}"
            planted.append(PLANTED["system"])
        text = json.dumps(envelope)
        planted.append(PLANTED["input"])
    assert all(secret in text for secret in planted)
    assert {PLANTED["result"], PLANTED["nested"], PLANTED["argument"]} <= set(planted)
    trajs = loads(text, name)
    assert trajs
    for traj in trajs:
        dump = _dump(traj)
        for secret in planted:
            assert secret not in dump, (name, secret)
        assert "<REDACTED:" in dump


@pytest.mark.parametrize("key", [
    "cookie", "cookies", "Cookie", "session", "session_cookie", "auth-cookie", "set-cookie",
    "Set-Cookie", "sessionid", "session_id", "sessid", "JSESSIONID", "PHPSESSID", "csrf",
    "csrf_token", "csrftoken", "x-csrf-token", "XSRF-TOKEN", "password", "api_key",
])
def test_cookie_like_field_names_are_secrets(key: str) -> None:
    result = json.dumps({"user": "u1", key: "v4lue-0f-any-shape"})
    cleaned = Redactor().value(result)
    assert "v4lue-0f-any-shape" not in cleaned
    assert json.loads(cleaned)["user"] == "u1"


@pytest.mark.parametrize("key", ["next_page_token", "session_name", "cookie_policy_url",
                                 "max_tokens", "shipping", "description"])
def test_ordinary_field_names_in_json_strings_are_kept(key: str) -> None:
    result = json.dumps({key: "plain value 123"})
    assert Redactor().value(result) is result


@pytest.mark.parametrize("dumps", [
    json.dumps,
    lambda v: json.dumps(v, separators=(",", ":")),
    lambda v: json.dumps(v, indent=2),
    lambda v: json.dumps(v, indent=4, ensure_ascii=False),
    lambda v: json.dumps(v, ensure_ascii=False),
    lambda v: "  " + json.dumps(v) + "\n",
])
def test_a_redacted_json_string_keeps_its_style(dumps: Any) -> None:
    doc = {"user": "Zoë", "items": [1, 2.5, None, True], "session_cookie": "abc123xyz",
           "n": 10**30}
    expected = dumps({**doc, "session_cookie": "<REDACTED:cookie>"})
    assert Redactor().value(dumps(doc)) == expected


def test_json_strings_nested_in_json_strings_are_redacted() -> None:
    inner = json.dumps({"cookie": "c-0123456789", "ok": 1})
    outer = json.dumps({"body": inner, "status": 200})
    cleaned = Redactor().value(outer)
    assert json.loads(json.loads(cleaned)["body"]) == {"cookie": "<REDACTED:cookie>", "ok": 1}


def test_text_that_only_looks_like_json_falls_back_to_the_text_scan() -> None:
    r = Redactor()
    broken = '{"session_cookie": "abc", password=hunter2hunter2'
    assert r.value(broken) == '{"session_cookie": "abc", password=<REDACTED:password>'
    deep = "[" * 5000 + '{"cookie": "x"}' + "]" * 5000
    assert isinstance(r.value(deep), str)


def test_secret_input_placeholders_inside_json_strings_survive() -> None:
    """A secret input found in a JSON-string argument keeps its input placeholder."""
    doc = {"inputs": {"api_token": sc.API_TOKEN},
           "messages": [{"role": "user", "content": "go"},
                        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                         "function": {"name": "login", "arguments": json.dumps(
                             {"body": json.dumps({"token": sc.API_TOKEN, "session": "s-99"})})}}]},
                        {"role": "tool", "tool_call_id": "c1", "content": "ok"}]}
    (traj,) = loads(json.dumps(doc))
    body = json.loads(traj.tool_calls[0].arguments["body"])
    assert body == {"token": "<REDACTED:input:api_token>", "session": "<REDACTED:cookie>"}


def test_encode_like_keeps_surrounding_whitespace_and_tabs() -> None:
    assert encode_like({"a": 1}, '\n{\n\t"a": 2\n}\n') == '\n{\n\t"a": 1\n}\n'


@pytest.mark.parametrize(("text", "expected"), [
    ("GET / JSESSIONID=0a1b2c3d4e5f; Path=/", "GET / JSESSIONID=<REDACTED:cookie>; Path=/"),
    ("header X-CSRF-Token: 9f8e7d6c5b4a", "header X-CSRF-Token: <REDACTED:cookie>"),
    ("login ok, session_id=s-77aa88bb", "login ok, session_id=<REDACTED:cookie>"),
    ('{"cookie": "<REDACTED:cookie>"}', '{"cookie": "<REDACTED:cookie>"}'),  # idempotent
    ("the session ended at noon", "the session ended at noon"),
])
def test_session_ids_in_free_text(text: str, expected: str) -> None:
    assert Redactor().text(text) == expected
