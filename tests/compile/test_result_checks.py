"""A tool result that reports a failure fails the skill, by the parser's own rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skillforge.compile.codegen import CHECK_CONSTANTS, CHECK_HELPER
from skillforge.trajectory.base import looks_like_error
from tests.compile.helpers import body, chat_run, compile_runs


class Failed(Exception):
    pass


def _helper() -> Any:
    namespace: dict[str, Any] = {"json": json, "Any": Any, "SkillError": Failed}
    exec(CHECK_CONSTANTS + "\n" + CHECK_HELPER, namespace)
    return namespace["check_result"]


CHECK = _helper()


def fails(result: Any) -> bool:
    try:
        assert CHECK(result, "tool") is result
    except Failed:
        return True
    return False


FIELDS = st.sampled_from(["error", "message", "code", "detail", "type", "status", "data", "id"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.text(max_size=8))
OBJECTS = st.dictionaries(FIELDS, SCALARS, max_size=4)
PREFIXED = st.tuples(
    st.sampled_from(["", " ", "\n", "x"]),
    st.sampled_from(
        ["Error:", "ERROR ", "error", "Exception: ", "Traceback (most recent call last)"]
    ),
    st.text(max_size=10),
).map("".join)
RESULTS = st.one_of(
    PREFIXED,
    st.text(max_size=20),
    OBJECTS,
    OBJECTS.map(json.dumps),
    OBJECTS.map(lambda o: " " + json.dumps(o) + "x"),
    st.lists(SCALARS, max_size=3),
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(RESULTS)
def test_the_skill_helper_applies_the_parsers_rule(result: Any) -> None:
    assert fails(result) == looks_like_error(result)


@pytest.mark.parametrize(
    ("result", "failed"),
    [
        ("Error: user not found", True),
        ('{"error": "no such order", "code": 404}', True),
        ({"error": "denied"}, True),
        ({"error": "", "status": "ok"}, False),
        ({"error": "x", "order_id": "#W1"}, False),  # data that has an error field
        ("All good", False),
        (None, False),
    ],
)
def test_error_results(result: Any, failed: bool) -> None:
    assert fails(result) is failed
    assert looks_like_error(result) is failed


@pytest.fixture(scope="module")
def box():
    from skillforge.library import shared_sandbox

    return shared_sandbox()


def cancel_run(email: str, user: str, order_id: str) -> dict[str, Any]:
    return chat_run(
        f"Cancel {order_id}, I am {email}",
        {"email": email, "order_id": order_id},
        [
            ("find_user_id_by_email", {"email": email}, user),
            ("get_order_details", {"order_id": order_id}, {"order_id": order_id, "user_id": user}),
            ("cancel_pending_order", {"order_id": order_id}, "cancelled"),
        ],
    )


def test_every_result_the_skill_uses_or_returns_is_checked(box: Any) -> None:
    draft = compile_runs(
        cancel_run("a@x.com", "ann_1", "#W100"), cancel_run("b@x.com", "bob_2", "#W200")
    )
    code = body(draft)
    assert 'user_id = check_result(\n        tools.find_user_id_by_email(email=email),' in code
    assert "return check_result(" in code
    assert "parse_result(" in code  # which checks before it parses

    def run(answers: dict[str, Any]) -> Any:
        tools = {name: (lambda value: lambda **_: value)(v) for name, v in answers.items()}
        return box.run(
            draft.source,
            entry=draft.name,
            kwargs={"email": "c@x.com", "order_id": "#W300"},
            tools=tools,
        )

    ok = {
        "find_user_id_by_email": "cy_3",
        "get_order_details": {"order_id": "#W300", "user_id": "cy_3"},
        "cancel_pending_order": "cancelled",
    }
    assert run(ok).value == "cancelled"
    missing = run({**ok, "find_user_id_by_email": "Error: user not found"})
    assert (missing.error, missing.message) == (
        "SkillError",
        "find_user_id_by_email failed: Error: user not found",
    )
    assert [c["name"] for c in missing.tool_calls] == ["find_user_id_by_email"]
    refused = run({**ok, "cancel_pending_order": '{"error": "non-pending order"}'})
    assert (refused.error, refused.message) == (
        "SkillError",
        "cancel_pending_order failed: non-pending order",
    )
    parsed = run({**ok, "get_order_details": {"error": "no such order"}})
    assert parsed.message == "get_order_details failed: no such order"
