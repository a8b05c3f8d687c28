"""Builders for compiler tests: runs from (tool, arguments, result) and compiled drafts."""

from __future__ import annotations

import json
from typing import Any

from skillforge.compile import SkillDraft, compile_trace
from skillforge.trajectory import loads
from tests.conftest import chat_run


def compile_runs(*runs: dict[str, Any], name: str = "skill_x") -> SkillDraft:
    trajs = [t for run in runs for t in loads(json.dumps(run))]
    return compile_trace(trajs, name, [f"run{i}.json" for i in range(len(trajs))])


def body(draft: SkillDraft) -> str:
    """The function body after its docstring."""
    return draft.source.split('"""')[-1]


def order(order_id: str, user: str, items: list[tuple[str, str, str, dict[str, str]]]) -> dict:
    """An order result: items as (name, item_id, product_id, options)."""
    return {
        "order_id": order_id,
        "user_id": user,
        "status": "delivered",
        "items": [{"name": n, "item_id": i, "product_id": p, "options": o} for n, i, p, o in items],
        "payment_history": [{"amount": 10.5, "payment_method_id": f"card_{user}"}],
    }


def product(product_id: str, variants: dict[str, dict[str, str]]) -> dict:
    return {
        "product_id": product_id,
        "variants": {
            item_id: {"item_id": item_id, "options": options, "available": True}
            for item_id, options in variants.items()
        },
    }


__all__ = ["body", "chat_run", "compile_runs", "order", "product"]
