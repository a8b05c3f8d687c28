"""The example shop (examples/shop) and the trajectories recorded from it (examples/trajectories).

The demo and the skills library are built on these: if seeding drifts or a recorded result
no longer matches what the tools return, every replay downstream is testing fiction.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the examples package lives at the repo root
    sys.path.insert(0, str(ROOT))

from examples.record import plan_runs, record_all  # noqa: E402
from examples.shop import TOOL_NAMES, TOOLS, ShopEnv  # noqa: E402
from skillforge.trajectory import load  # noqa: E402

TRAJECTORIES = sorted((ROOT / "examples" / "trajectories").glob("*.json"))


@pytest.fixture
def env() -> ShopEnv:
    return ShopEnv.seeded(0)


def _user_with(env: ShopEnv, status: str) -> tuple[dict, str]:
    state = env.state()
    for uid in sorted(state["users"]):
        for order_id in state["users"][uid]["orders"]:
            if state["orders"][order_id]["status"] == status:
                return state["users"][uid], order_id
    raise AssertionError(f"seed 0 has no {status} order")


def test_seeding_is_deterministic_and_seed_dependent() -> None:
    assert ShopEnv.seeded(0).state() == ShopEnv.seeded(0).state()
    assert ShopEnv.seeded(0).state() != ShopEnv.seeded(1).state()
    state = ShopEnv.seeded(0).state()
    assert len(state["users"]) >= 20 and len(state["orders"]) >= 30
    statuses = {order["status"] for order in state["orders"].values()}
    assert {"pending", "processed", "delivered", "cancelled"} <= statuses


def test_state_round_trips_and_is_a_copy(env: ShopEnv) -> None:
    snapshot = env.to_dict()
    again = ShopEnv.from_dict(snapshot)
    assert again.state() == env.state()
    snapshot["users"].clear()
    assert env.state()["users"]
    json.dumps(env.state())  # JSON-able


def test_tools_mapping_matches_specs(env: ShopEnv) -> None:
    tools = env.tools()
    assert set(tools) == set(TOOL_NAMES) == {t["function"]["name"] for t in TOOLS}
    assert 8 <= len(tools) <= 10
    for spec in TOOLS:
        assert spec["function"]["description"]


def test_lookups_return_plain_ids_and_json(env: ShopEnv) -> None:
    user, order_id = _user_with(env, "pending")
    tools = env.tools()
    assert tools["find_user_id_by_email"](email=user["email"].upper()) == user["user_id"]
    name = user["name"]
    found = tools["find_user_id_by_name_zip"](
        first_name=name["first_name"], last_name=name["last_name"], zip=user["address"]["zip"]
    )
    assert found == user["user_id"]
    details = json.loads(tools["get_user_details"](user_id=user["user_id"]))
    assert details["orders"] == user["orders"]
    order = json.loads(tools["get_order_details"](order_id=order_id))
    assert order["total"] == round(sum(item["price"] for item in order["items"]), 2)
    product = json.loads(tools["get_product_details"](product_id=order["items"][0]["product_id"]))
    assert order["items"][0]["item_id"] in product["variants"]


@pytest.mark.parametrize(
    ("tool", "kwargs", "message"),
    [
        ("find_user_id_by_email", {"email": "nobody@example.com"}, "Error: user not found"),
        ("get_order_details", {"order_id": "W0000000"}, "Error: order not found"),
        ("get_user_details", {"user_id": 42}, "Error: user_id must be a string"),
        ("get_product_details", {"product_id": "0"}, "Error: product not found"),
        ("get_order_details", {}, "Error: bad arguments for get_order_details"),
        ("get_order_details", {"order_id": "#W1", "x": 1}, "Error: bad arguments"),
    ],
)
def test_errors_are_results_not_exceptions(
    env: ShopEnv, tool: str, kwargs: dict, message: str
) -> None:
    assert env.tools()[tool](**kwargs).startswith(message)


def test_cancel_mutates_state_and_refuses_twice(env: ShopEnv) -> None:
    _, order_id = _user_with(env, "pending")
    tools = env.tools()
    assert tools["cancel_pending_order"](order_id=order_id, reason="because").startswith("Error:")
    before = env.state()
    result = json.loads(tools["cancel_pending_order"](order_id=order_id, reason="no longer needed"))
    assert result["status"] == "cancelled"
    after = env.state()
    assert after != before
    assert after["orders"][order_id]["cancel_reason"] == "no longer needed"
    history = after["orders"][order_id]["payment_history"]
    refunds = [p for p in history if p["transaction_type"] == "refund"]
    assert sum(p["amount"] for p in refunds) == pytest.approx(result["total"])
    again = tools["cancel_pending_order"](order_id=order_id, reason="no longer needed")
    assert again == "Error: non-pending order cannot be cancelled"
    assert env.state() == after  # a refused call changes nothing


def test_address_changes(env: ShopEnv) -> None:
    user, order_id = _user_with(env, "pending")
    tools = env.tools()
    new = {"address1": "1 Main St", "address2": "", "city": "Austin", "state": "TX",
           "country": "USA", "zip": "78701"}
    updated = json.loads(tools["modify_user_address"](user_id=user["user_id"], **new))
    assert updated["address"] == new == env.state()["users"][user["user_id"]]["address"]
    assert env.state()["orders"][order_id]["address"] != new  # orders keep their address
    order = json.loads(tools["modify_pending_order_address"](order_id=order_id, **new))
    assert order["address"] == new
    _, delivered = _user_with(env, "delivered")
    refused = tools["modify_pending_order_address"](order_id=delivered, **new)
    assert refused == "Error: non-pending order cannot be modified"


def test_return_and_exchange(env: ShopEnv) -> None:
    user, order_id = _user_with(env, "delivered")
    tools = env.tools()
    order = json.loads(tools["get_order_details"](order_id=order_id))
    item = order["items"][0]
    method = sorted(user["payment_methods"])[0]
    product = json.loads(tools["get_product_details"](product_id=item["product_id"]))
    other = next(
        v["item_id"] for v in product["variants"].values()
        if v["item_id"] != item["item_id"] and v["available"]
    )
    fresh = ShopEnv.seeded(0).tools()
    exchanged = json.loads(fresh["exchange_delivered_order_items"](
        order_id=order_id, item_ids=[item["item_id"]], new_item_ids=[other],
        payment_method_id=method,
    ))
    assert exchanged["status"] == "exchange requested"
    assert exchanged["exchange_new_items"] == [other]
    bad = tools["return_delivered_order_items"](
        order_id=order_id, item_ids=["0000000000"], payment_method_id=method
    )
    assert bad == "Error: item 0000000000 not found in order"
    returned = json.loads(tools["return_delivered_order_items"](
        order_id=order_id, item_ids=[item["item_id"]], payment_method_id=method
    ))
    assert returned["status"] == "return requested"
    assert env.state()["orders"][order_id]["return_items"] == [item["item_id"]]


def test_tools_spec_file_loads_by_path() -> None:
    spec = importlib.util.spec_from_file_location("shop_tools", ROOT / "examples/shop/tools.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.tools) == set(TOOL_NAMES)
    assert module.tools["find_user_id_by_email"](email="nobody@example.com").startswith("Error")


def test_recorded_files_exist_in_both_formats() -> None:
    names = [p.name for p in TRAJECTORIES]
    assert any(n.endswith(".openai.json") for n in names)
    assert any(n.endswith(".native.json") for n in names)
    kinds = {n.rsplit("_", 1)[0] for n in names}
    assert kinds == {"cancel_order", "update_default_address", "order_status",
                     "latest_order_total"}


@pytest.mark.parametrize("path", TRAJECTORIES, ids=lambda p: p.name)
def test_recorded_results_match_a_fresh_env(path: Path) -> None:
    (traj,) = load(path)
    assert traj.tool_calls and traj.final_answer and traj.outcome == "success"
    assert traj.source_format == ("native" if path.name.endswith(".native.json") else "openai-chat")
    assert {spec.name for spec in traj.tools} == set(TOOL_NAMES)
    tools = ShopEnv.seeded(0).tools()
    for call in traj.tool_calls:
        assert tools[call.name](**call.arguments) == call.result, call.id
        assert call.is_error == call.result.startswith("Error:")
    for value in traj.inputs.values():  # inputs name exactly what the user said
        assert str(value) in traj.task


def test_one_run_has_a_detour() -> None:
    errors = [c for p in TRAJECTORIES for c in load(p)[0].tool_calls if c.is_error]
    assert [c.result for c in errors] == ["Error: order not found"]


def test_recording_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    written = record_all(tmp_path)
    assert sorted(p.name for p in written) == [p.name for p in TRAJECTORIES]
    for path in written:
        assert path.read_bytes() == (ROOT / "examples/trajectories" / path.name).read_bytes()
    assert len({run.stem for run in plan_runs(ShopEnv.seeded(0))}) == len(written)


def test_latest_order_runs_disambiguate_the_last_order() -> None:
    """With equal order counts, ``orders[-1]`` and ``orders[1]`` would explain the runs alike."""
    counts = set()
    for path in TRAJECTORIES:
        if path.name.startswith("latest_order_total_"):
            user = next(c for c in load(path)[0].tool_calls if c.name == "get_user_details")
            counts.add(len(json.loads(user.result)["orders"]))
    assert len(counts) >= 2
