"""Branches on which inputs are present; guards from observed equalities; detours pruned."""

from __future__ import annotations

import ast

import pytest

from skillforge.errors import CompileError
from tests.compile.helpers import body, chat_run, compile_runs

ADDRESS = {"address1": "1 Main St", "city": "Springfield"}


def by_email(email: str, user: str) -> dict:
    return chat_run(
        f"I am {email}; move me",
        {"email": email, **ADDRESS},
        [
            ("find_user_id_by_email", {"email": email}, user),
            ("modify_user_address", {"user_id": user, **ADDRESS}, "ok"),
        ],
    )


def by_name(first: str, last: str, zip_code: str, user: str) -> dict:
    return chat_run(
        f"I am {first} {last}, {zip_code}; move me",
        {"first_name": first, "last_name": last, "zip": zip_code, **ADDRESS},
        [
            ("get_user_details", {"user_id": "wrong_guess"}, "Error: user not found"),
            (
                "find_user_id_by_name_zip",
                {"first_name": first, "last_name": last, "zip": zip_code},
                user,
            ),
            ("modify_user_address", {"user_id": user, **ADDRESS}, "ok"),
        ],
    )


def test_different_lookups_become_a_branch_on_present_inputs() -> None:
    draft = compile_runs(
        by_email("ann@x.com", "ann_1"),
        by_name("Bob", "Stone", "12345", "bob_2"),
        by_email("cy@x.com", "cy_3"),
    )
    code = body(draft)
    assert "if email is not None:" in code
    assert "elif first_name is not None and last_name is not None and zip is not None:" in code
    assert 'raise SkillError("give email, or first_name, last_name and zip")' in code
    assert "get_user_details" not in code  # the failed guess is a detour
    fn = next(
        n for n in ast.parse(draft.source).body
        if isinstance(n, ast.FunctionDef) and n.name == draft.name
    )
    required = [
        a.arg for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True) if d is None
    ]
    assert required == ["address1", "city"]
    assert "email: str | None = None" in draft.source


def test_runs_that_change_different_things_are_not_branches() -> None:
    other = chat_run(
        "t",
        {"email": "dee@x.com", **ADDRESS},
        [
            ("find_user_id_by_email", {"email": "dee@x.com"}, "dee_4"),
            ("delete_user", {"user_id": "dee_4"}, "ok"),
        ],
    )
    with pytest.raises(CompileError, match="different paths"):
        compile_runs(by_email("ann@x.com", "ann_1"), other)


def cancel_run(email: str, user: str, order_id: str, owner: str | None = None) -> dict:
    return chat_run(
        f"Cancel {order_id}, I am {email}",
        {"email": email, "order_id": order_id},
        [
            ("find_user_id_by_email", {"email": email}, user),
            ("get_user_details", {"user_id": user}, {"user_id": user, "orders": [order_id]}),
            (
                "get_order_details",
                {"order_id": order_id},
                {"user_id": owner or user, "status": "pending"},
            ),
            ("cancel_pending_order", {"order_id": order_id}, "cancelled"),
        ],
    )


def test_an_observed_ownership_check_keeps_the_lookup_as_a_guard() -> None:
    draft = compile_runs(
        cancel_run("ann@x.com", "ann_1", "#W100"), cancel_run("bob@x.com", "bob_2", "#W200")
    )
    code = body(draft)
    assert 'user_id = check_result(\n        tools.find_user_id_by_email(email=email),' in code
    assert 'if order_details["user_id"] != user_id:' in code
    assert "belongs to another user_id" in code
    assert "get_user_details" not in code  # fetched *by* the user id: no evidence, pruned
    assert draft.ignored_inputs == []


def test_a_guard_needs_every_run_to_agree() -> None:
    draft = compile_runs(
        cancel_run("ann@x.com", "ann_1", "#W100"),
        cancel_run("bob@x.com", "bob_2", "#W200", owner="someone_else"),
    )
    assert "find_user_id_by_email" not in body(draft)
    assert draft.ignored_inputs == ["email"]


def test_values_quoted_in_the_task_become_parameters_when_no_inputs_are_declared() -> None:
    def run(order_id: str) -> dict:
        return chat_run(
            f"Cancel order {order_id}, I don't need it.",
            {},
            [("cancel_pending_order", {"order_id": order_id, "reason": "no longer needed"}, "ok")],
        )

    draft = compile_runs(run("#W100"), run("#W200"))
    assert "order_id: str" in draft.source
    assert (
        'tools.cancel_pending_order(order_id=order_id, reason="no longer needed")' in draft.source
    )
    assert "Cancel order `order_id`, I don't need it." in draft.source
