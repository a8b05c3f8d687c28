"""The trace compiler: parameters, dataflow, constants, pruning, unification, codegen."""

from __future__ import annotations

import ast
import json

import pytest

from skillforge.compile import compile_trace
from skillforge.errors import CompileError, InvalidNameError
from skillforge.trajectory import loads
from tests.conftest import chat_run


def compile_runs(*runs: dict, name: str = "skill_x"):
    trajs = [t for run in runs for t in loads(json.dumps(run))]
    return compile_trace(trajs, name, [f"run{i}.json" for i in range(len(trajs))])


def run_user_order(email: str, user: str, orders: list[str], total: float) -> dict:
    return chat_run(
        f"What is the total of my last order? I am {email}",
        {"email": email},
        [
            ("find_user_id_by_email", {"email": email}, user),
            ("get_user_details", {"user_id": user}, {"user_id": user, "orders": orders}),
            (
                "get_order_details",
                {"order_id": orders[-1]},
                {"order_id": orders[-1], "total": total, "status": "delivered"},
            ),
        ],
        answer=f"Your last order totals ${total}.",
    )


def test_inputs_become_typed_keyword_only_parameters() -> None:
    draft = compile_runs(
        chat_run(
            "Cancel #W1 please",
            {"order_id": "#W100", "count": 12},
            [("cancel_pending_order", {"order_id": "#W100", "quantity": 12}, "ok")],
        )
    )
    tree = ast.parse(draft.source)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "skill_x")
    assert [a.arg for a in fn.args.args] == ["tools"]
    assert [(a.arg, ast.unparse(a.annotation)) for a in fn.args.kwonlyargs] == [
        ("order_id", "str"),
        ("count", "int"),
    ]
    assert "tools.cancel_pending_order(order_id=order_id, quantity=count)" in draft.source


def test_arguments_bind_to_earlier_results_through_json_paths() -> None:
    draft = compile_runs(run_user_order("a@x.com", "ann_1", ["#W100", "#W200"], 31.5))
    lookup = "user_id = check_result(\n        tools.find_user_id_by_email(email=email),"
    assert lookup in draft.source
    assert 'order_id=user_details["orders"][-1]' in draft.source
    assert 'return order_details["total"]' in draft.source
    assert "-> float" in draft.source


def test_several_runs_unify_and_reconcile_last_element() -> None:
    draft = compile_runs(
        run_user_order("a@x.com", "ann_1", ["#W100", "#W200"], 31.5),
        run_user_order("b@x.com", "bob_2", ["#W300"], 12.25),
    )
    assert 'user_details["orders"][-1]' in draft.source


def test_constants_that_agree_stay_and_that_differ_are_reported() -> None:
    same = compile_runs(
        chat_run(
            "t",
            {"order_id": "#W100"},
            [("cancel_pending_order", {"order_id": "#W100", "reason": "no longer needed"}, "ok")],
        ),
        chat_run(
            "t",
            {"order_id": "#W200"},
            [("cancel_pending_order", {"order_id": "#W200", "reason": "no longer needed"}, "ok")],
        ),
    )
    assert 'reason="no longer needed"' in same.source
    with pytest.raises(CompileError, match="reason"):
        compile_runs(
            chat_run(
                "t",
                {"order_id": "#W100"},
                [("cancel_pending_order", {"order_id": "#W100", "reason": "a"}, "ok")],
            ),
            chat_run(
                "t",
                {"order_id": "#W200"},
                [("cancel_pending_order", {"order_id": "#W200", "reason": "b"}, "ok")],
            ),
        )


def test_failed_calls_and_unused_reads_are_pruned() -> None:
    draft = compile_runs(
        chat_run(
            "Cancel order #W100",
            {"order_id": "#W100", "email": "a@x.com"},
            [
                ("get_order_details", {"order_id": "#W10"}, "Error: order not found"),
                ("find_user_id_by_email", {"email": "a@x.com"}, "ann_1"),
                ("get_order_details", {"order_id": "#W100"}, {"status": "pending"}),
                ("cancel_pending_order", {"order_id": "#W100", "reason": "x"}, "ok"),
            ],
        )
    )
    assert "get_order_details" not in draft.source.split('"""')[-1]
    assert "find_user_id_by_email" not in draft.source
    assert draft.ignored_inputs == ["email"]


def test_different_procedures_are_not_merged_silently() -> None:
    with pytest.raises(CompileError, match="different paths"):
        compile_runs(
            chat_run("t", {"a": "#W100"}, [("cancel_pending_order", {"order_id": "#W100"}, "ok")]),
            chat_run("t", {"a": "#W200"}, [("return_items", {"order_id": "#W200"}, "ok")]),
        )


def test_a_run_without_tool_calls_cannot_compile() -> None:
    run = {"task": "hi", "inputs": {}, "messages": [{"role": "user", "content": "hi"}]}
    with pytest.raises(CompileError, match="no successful tool call"):
        compile_runs(run)


@pytest.mark.parametrize("name", ["Cancel", "1abc", "has-dash", "", "class", "_private", "x" * 70])
def test_skill_names_must_be_snake_case_identifiers(name: str) -> None:
    run = chat_run("t", {"o": "#W100"}, [("cancel_pending_order", {"order_id": "#W100"}, "ok")])
    with pytest.raises(InvalidNameError):
        compile_runs(run, name=name)


def test_enum_arguments_become_literal_parameters_and_code_parses() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "cancel_pending_order",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "reason": {
                            "type": "string",
                            "enum": ["a reason", "b reason"],
                            "description": "Why.",
                        }
                    },
                },
            },
        }
    ]
    draft = compile_runs(
        chat_run(
            "Cancel #W100 because a reason",
            {"order_id": "#W100", "reason": "a reason"},
            [("cancel_pending_order", {"order_id": "#W100", "reason": "a reason"}, "ok")],
            tools=tools,
        )
    )
    assert 'reason: Literal["a reason", "b reason"]' in draft.source
    assert "from typing import Any, Literal" in draft.source
    assert "reason: Why (e.g. 'a reason')." in draft.source
    assert "Cancel `order_id` because `reason`." in draft.source
    compile(draft.source, "skill.py", "exec")
