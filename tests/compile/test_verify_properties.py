"""Property verification and leave-one-out, through the real sandbox."""

from __future__ import annotations

import json

import pytest

from skillforge.compile import compile_trace
from skillforge.trajectory import loads
from skillforge.verify import verify
from tests.compile.helpers import chat_run
from tests.conftest import example_files


@pytest.fixture(scope="module")
def box():
    from skillforge.library import shared_sandbox

    return shared_sandbox()


def status_run(order_id: str, status: str) -> dict:
    return chat_run(
        f"What is the status of {order_id}?",
        {"order_id": order_id},
        [("get_order_details", {"order_id": order_id}, {"order_id": order_id, "status": status})],
        answer=f"It is {status}.",
    )


def trajectories(*runs: dict) -> list:
    return [t for run in runs for t in loads(json.dumps(run))]


RUNS = [
    status_run("#W100", "pending"),
    status_run("#W200", "delivered"),
    status_run("#W300", "processed"),
]


def test_compiled_skill_passes_properties_and_scores_leave_one_out(box) -> None:
    trajs = trajectories(*RUNS)
    labels = ["a.json", "b.json", "c.json"]
    draft = compile_trace(trajs, "order_status", labels)
    report = verify(box, draft.source, "order_status", trajs, labels)
    assert report.ok, report.problems()
    manifest = report.as_dict()
    assert manifest["properties"]["ok"] and manifest["properties"]["examples"] >= 1
    assert manifest["generalization"]["score"] == 1.0
    assert manifest["generalization"]["summary"] == "leave-one-out 3/3"


UNCLEAR = '''"""A skill that replays its runs but crashes on anything else."""

from typing import Any


def order_status(tools: Any, *, order_id: str) -> str:
    """Status of an order.

    Args:
        order_id: The order.

    Returns:
        The status.
    """
    known = {"#W100": "pending", "#W200": "delivered", "#W300": "processed"}
    tools.get_order_details(order_id=order_id)
    return known[order_id]
'''


def test_an_unclear_failure_on_unseen_inputs_is_reported(box) -> None:
    trajs = trajectories(*RUNS)
    report = verify(box, UNCLEAR, "order_status", trajs, ["a", "b", "c"])
    assert all(r["ok"] for r in report.replays)
    properties = report.as_dict()["properties"]
    assert not properties["ok"]
    assert "instead of a clear SkillError" in properties["problems"][0]
    # not the trace compiler's source: advisory, and no generalization score
    assert properties["gating"] is False and report.ok
    assert "generalization" not in report.as_dict()


def test_property_failures_gate_trace_compiled_skills(box, monkeypatch) -> None:
    from skillforge.verify import replay

    monkeypatch.setattr(replay, "is_trace_source", lambda *args: True)
    trajs = trajectories(*RUNS)
    report = verify(box, UNCLEAR, "order_status", trajs, ["a", "b", "c"])
    assert not report.ok
    assert report.summary() == "replay 3/3, properties failed"
    assert any(p.startswith("property: failed with") for p in report.problems())


def test_leave_one_out_reports_a_run_the_others_cannot_explain(box) -> None:
    from tests.compile.test_branches_guards import by_email, by_name

    trajs = trajectories(
        by_email("ann@x.com", "ann_1"),
        by_name("Bob", "Stone", "12345", "bob_2"),
        by_email("cy@x.com", "cy_3"),
    )
    labels = ["email1.json", "name.json", "email2.json"]
    draft = compile_trace(trajs, "move_user", labels)
    report = verify(box, draft.source, "move_user", trajs, labels)
    assert report.ok, report.problems()
    generalization = report.as_dict()["generalization"]
    assert generalization["summary"] == "leave-one-out 2/3"
    assert [h["ok"] for h in generalization["held_out"]] == [True, False, True]


def test_example_cancel_order_generalizes(box) -> None:
    files = example_files("cancel_order")
    trajs = [t for f in files for t in loads(f.read_text())]
    labels = [f.name for f in files]
    draft = compile_trace(trajs, "cancel_order", labels)
    report = verify(box, draft.source, "cancel_order", trajs, labels)
    assert report.ok, report.problems()
    assert report.as_dict()["generalization"]["score"] == 1.0


def test_the_guard_refuses_to_cancel_someone_elses_order(tmp_path) -> None:
    from examples.shop import ShopEnv
    from skillforge import SkillLibrary
    from skillforge.errors import SkillError

    lib = SkillLibrary(tmp_path / "skills").init()
    lib.promote(example_files("cancel_order"), name="cancel_order", compiler="trace")
    shop = ShopEnv.seeded(0)
    state = shop.state()
    order_id, order = next((k, o) for k, o in state["orders"].items() if o["status"] == "pending")
    stranger = next(u for u in state["users"].values() if u["user_id"] != order["user_id"])
    inputs = {"order_id": order_id, "reason": "no longer needed", "email": stranger["email"]}
    with pytest.raises(SkillError, match="belongs to another user_id"):
        lib.call("cancel_order", inputs, tools=shop.tools())
    assert shop.state() == state  # nothing was cancelled
