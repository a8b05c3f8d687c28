"""The Python API: promote, call against host tools, errors, OpenAI tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from examples.shop import ShopEnv
from skillforge import SkillLibrary
from skillforge.errors import InputError, SkillError, ToolProviderError
from tests.conftest import example_files


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> SkillLibrary:
    library = SkillLibrary(tmp_path_factory.mktemp("lib") / "skills").init()
    for task in ("cancel_order", "latest_order_total", "order_status"):
        library.promote(example_files(task), name=task)
    return library


def test_call_changes_state_through_host_tools(lib: SkillLibrary) -> None:
    shop = ShopEnv.seeded(0)
    state = shop.state()
    pending = [oid for oid, o in state["orders"].items() if o["status"] == "pending"]
    owner = state["users"][state["orders"][pending[-1]]["user_id"]]["email"]
    value = lib.call(
        "cancel_order",
        {"order_id": pending[-1], "reason": "ordered by mistake", "email": owner},
        tools=shop.tools(),
    )
    assert json.loads(value)["status"] == "cancelled"
    assert shop.state()["orders"][pending[-1]]["status"] == "cancelled"


def test_dataflow_skill_generalises_to_a_new_user(lib: SkillLibrary) -> None:
    shop = ShopEnv.seeded(0)
    state = shop.state()
    seen = set()
    for path in example_files("latest_order_total"):
        seen.add(json.loads(path.read_text())["inputs"]["email"])
    user = next(u for u in state["users"].values() if u["email"] not in seen and u["orders"])
    expected = json.loads(shop.tools()["get_order_details"](order_id=user["orders"][-1]))["total"]
    assert lib.call("latest_order_total", {"email": user["email"]}, tools=shop.tools()) == expected


def test_a_failing_tool_becomes_a_clear_skill_error(lib: SkillLibrary) -> None:
    shop = ShopEnv.seeded(0)
    with pytest.raises(SkillError) as err:
        lib.call("order_status", {"order_id": "#W0000000"}, tools=shop.tools())
    assert "get_order_details failed: Error: order not found" in str(err.value)
    assert err.value.kind == "SkillError"
    assert err.value.tool_calls[0]["name"] == "get_order_details"


def test_host_tool_exceptions_surface_as_tool_errors(lib: SkillLibrary) -> None:
    def broken(**kwargs: object) -> str:
        raise RuntimeError("database is down")

    with pytest.raises(SkillError, match="database is down") as err:
        lib.call("order_status", {"order_id": "#W1"}, tools={"get_order_details": broken})
    assert err.value.kind == "ToolError"


def test_inputs_are_validated_before_running(lib: SkillLibrary) -> None:
    tools = ShopEnv.seeded(0).tools()
    email = "jane@example.com"
    with pytest.raises(InputError, match="needs 'reason'"):
        lib.call("cancel_order", {"order_id": "#W1", "email": email}, tools=tools)
    with pytest.raises(InputError, match=r"inputs\.reason"):
        lib.call(
            "cancel_order", {"order_id": "#W1", "reason": "bored", "email": email}, tools=tools
        )
    with pytest.raises(ToolProviderError, match="cancel_pending_order"):
        lib.call(
            "cancel_order",
            {"order_id": "#W1", "reason": "no longer needed", "email": email},
            tools={},
        )


def test_openai_tools_describe_every_skill(lib: SkillLibrary) -> None:
    tools = lib.openai_tools()
    names = [t["function"]["name"] for t in tools]
    assert names == ["cancel_order", "latest_order_total", "order_status"]
    cancel = tools[0]["function"]["parameters"]
    assert cancel["properties"]["reason"]["enum"] == ["no longer needed", "ordered by mistake"]
    assert cancel["required"] == ["email", "order_id", "reason"]  # email: ownership guard


def test_promoting_the_same_runs_again_is_refused(lib: SkillLibrary) -> None:
    with pytest.raises(InputError, match="already holds"):
        lib.promote(example_files("order_status"), name="order_status")


def test_generated_skill_folder_is_complete(lib: SkillLibrary) -> None:
    folder = Path(lib.path) / "order_status"
    manifest = json.loads((folder / "skill.json").read_text())
    assert manifest["tools"] == ["get_order_details"]
    assert manifest["state_changing"] == [] and manifest["read_only"] is True
    assert manifest["returns"]["annotation"] == "str"
    assert len(manifest["provenance"]["trajectories"]) == 3
    card = (folder / "SKILL.md").read_text()
    assert card.startswith("---\nname: order_status\n")
