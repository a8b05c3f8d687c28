"""Loops over list parameters: per-element selections in a list argument, per-element calls."""

from __future__ import annotations

import pytest

from skillforge.errors import CompileError
from tests.compile.helpers import body, chat_run, compile_runs, order

MUG = ("Mug", "it-mug-1", "pr-mug", {"color": "red"})
MUG2 = ("Mug", "it-mug-2", "pr-mug", {"color": "blue"})
LAMP = ("Lamp", "it-lamp", "pr-lamp", {"power": "USB"})
BAG = ("Backpack", "it-bag", "pr-bag", {"size": "small"})


def return_run(order_id: str, names: list[str], items: list, returned: list[str]) -> dict:
    return chat_run(
        f"Return {names} from {order_id}",
        {"order_id": order_id, "item_names": names},
        [
            ("get_order_details", {"order_id": order_id}, order(order_id, "ann_1", items)),
            ("return_delivered_order_items", {"order_id": order_id, "item_ids": returned}, "ok"),
        ],
    )


def test_list_argument_of_picks_becomes_a_consuming_loop() -> None:
    draft = compile_runs(
        return_run("#W100", ["Lamp", "Mug"], [MUG, LAMP, BAG], ["it-lamp", "it-mug-1"]),
        return_run(
            "#W200",
            ["Mug", "Mug", "Backpack"],
            [MUG, BAG, MUG2],
            ["it-mug-1", "it-mug-2", "it-bag"],
        ),
        return_run("#W300", ["Backpack"], [BAG], ["it-bag"]),
    )
    code = body(draft)
    assert 'remaining_items = list(order_details["items"])' in code
    assert "for item_name in item_names:" in code
    assert 'if item["name"] == item_name' in code
    assert "remaining_items.remove(item)" in code
    assert 'item_ids.append(item["item_id"])' in code
    assert "item_ids=item_ids" in code
    assert "item_names: list[str]" in draft.source


def test_one_call_per_element_becomes_a_for_loop() -> None:
    def run(ticket_ids: list[str]) -> dict:
        calls = [
            ("close_ticket", {"ticket_id": t, "resolution": "fixed"}, f"closed {t}")
            for t in ticket_ids
        ]
        return chat_run("Close tickets", {"ticket_ids": ticket_ids}, calls)

    draft = compile_runs(
        run(["T-1001", "T-1002"]), run(["T-2001"]), run(["T-3001", "T-3002", "T-3003"])
    )
    code = body(draft)
    assert "for ticket_id in ticket_ids:" in code
    call = 'tools.close_ticket(ticket_id=ticket_id, resolution="fixed")'
    assert f"result = check_result(\n            {call}," in code
    assert "return result" in code
    assert "ticket_ids is empty" in code


def test_a_run_that_handles_only_part_of_the_list_is_not_a_loop() -> None:
    partial = chat_run(
        "Close tickets",
        {"ticket_ids": ["T-1001", "T-1002"]},
        [("close_ticket", {"ticket_id": "T-1001"}, "closed")],
    )
    full = chat_run(
        "Close tickets",
        {"ticket_ids": ["T-2001"]},
        [("close_ticket", {"ticket_id": "T-2001"}, "closed")],
    )
    with pytest.raises(CompileError):
        compile_runs(partial, full)


def test_unused_reads_between_the_calls_do_not_break_the_loop() -> None:
    def run(ticket_ids: list[str]) -> dict:
        calls = []
        for t in ticket_ids:
            calls.append(("get_ticket", {"ticket_id": t}, {"ticket_id": t, "status": "open"}))
            calls.append(("close_ticket", {"ticket_id": t}, f"closed {t}"))
        return chat_run("Close tickets", {"ticket_ids": ticket_ids}, calls)

    code = body(compile_runs(run(["T-1001", "T-1002"]), run(["T-2001"])))
    assert "get_ticket" not in code
    assert "for ticket_id in ticket_ids:" in code
