"""Skills as Python callables and LangChain tools: real signatures, run in the sandbox."""

from __future__ import annotations

import inspect
import json
from typing import Literal

import pytest
from skillkit import EMAIL, PENDING_ORDER, shop_tools

from skillforge.errors import SkillError, ToolProviderError


def test_callables_have_the_skills_signatures_and_docstrings(lib) -> None:  # type: ignore[no-untyped-def]
    fns = {f.__name__: f for f in lib.as_tools(shop_tools())}
    assert set(fns) == set(lib.names())
    sig = inspect.signature(fns["cancel_order"])
    assert list(sig.parameters) == ["order_id", "reason"]
    assert sig.parameters["order_id"].annotation is str
    assert sig.parameters["reason"].annotation == Literal["no longer needed", "ordered by mistake"]
    assert sig.return_annotation is str
    summary = inspect.signature(fns["order_summary"])
    assert summary.parameters["include_items"].default is None
    doc = fns["cancel_order"].__doc__
    assert "Args:" in doc and "order_id:" in doc


def test_callables_run_the_skill_against_host_tools(lib) -> None:  # type: ignore[no-untyped-def]
    tools = shop_tools()
    fns = {f.__name__: f for f in lib.as_tools(tools)}
    assert fns["order_status"](order_id=PENDING_ORDER) == "pending"
    assert fns["latest_order_total"](email=EMAIL) == pytest.approx(22.95)
    assert fns["order_summary"](order_id=PENDING_ORDER, include_items=True) == {
        "status": "pending",
        "items": 1,
    }
    fns["cancel_order"](order_id=PENDING_ORDER, reason="no longer needed")
    # the host tools really changed state
    assert json.loads(tools["get_order_details"](order_id=PENDING_ORDER))["status"] != "pending"


def test_a_failing_skill_raises_skill_error(lib) -> None:  # type: ignore[no-untyped-def]
    fns = {f.__name__: f for f in lib.as_tools(shop_tools())}
    with pytest.raises(SkillError, match="always fails"):
        fns["always_fails"](order_id=PENDING_ORDER)
    with pytest.raises(TypeError):
        fns["order_status"]()  # missing argument, like any function


def test_missing_host_tools_fail_before_running_naming_them(lib) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ToolProviderError, match="cancel_pending_order"):
        lib.as_tools({"get_order_details": lambda **kw: "{}"}, names=["cancel_order"])


def test_tools_from_a_spec_string(lib) -> None:  # type: ignore[no-untyped-def]
    (fn,) = lib.as_tools("examples.shop.tools:tools", names=["order_status"])
    assert fn(order_id=PENDING_ORDER) == "pending"


def test_langchain_structured_tool_from_function(lib) -> None:  # type: ignore[no-untyped-def]
    from langchain_core.tools import StructuredTool

    (fn,) = lib.as_tools(shop_tools(), names=["order_summary"])
    tool = StructuredTool.from_function(fn, parse_docstring=True)  # as the README shows
    assert tool.name == "order_summary"
    assert set(tool.args) == {"order_id", "include_items"}
    assert tool.invoke({"order_id": PENDING_ORDER}) == {"status": "pending"}

    from skillforge.export.langchain import structured_tools

    (built,) = structured_tools([fn])
    assert built.invoke({"order_id": PENDING_ORDER, "include_items": True})["items"] == 1


def test_langchain_reads_parameter_descriptions_of_the_example_skills() -> None:
    from langchain_core.tools import StructuredTool

    from examples.shop.tools import tools
    from skillforge import SkillLibrary
    from tests.conftest import ROOT

    for fn in SkillLibrary(ROOT / "skills").as_tools(tools=tools):
        tool = StructuredTool.from_function(fn, parse_docstring=True)
        assert tool.args and all(a.get("description") for a in tool.args.values()), tool.args
