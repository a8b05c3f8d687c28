"""Tool definitions for OpenAI (Chat, Responses, strict), Anthropic, MCP and LangChain."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from skillforge.export.langchain import langchain_tool
from skillforge.export.mcp import mcp_tool, output_schema, structured_result
from skillforge.export.schema import strict_schema


def by_name(tools: list[dict], key=lambda t: t["name"]) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {key(t): t for t in tools}


def test_openai_chat_shape_uses_the_signature_schema(lib) -> None:  # type: ignore[no-untyped-def]
    tools = by_name(lib.openai_tools(), key=lambda t: t["function"]["name"])
    assert set(tools) == set(lib.names())
    cancel = tools["cancel_order"]
    assert cancel["type"] == "function"
    assert cancel["function"]["parameters"] == lib.manifest("cancel_order")["parameters"]
    props = cancel["function"]["parameters"]["properties"]
    assert props["reason"]["enum"] == ["no longer needed", "ordered by mistake"]
    assert "strict" not in cancel["function"]


def test_openai_responses_shape_is_flat(lib) -> None:  # type: ignore[no-untyped-def]
    tools = by_name(lib.openai_tools(shape="responses", strict=True))
    summary = tools["order_summary"]
    assert summary["type"] == "function" and summary["strict"] is True
    assert "function" not in summary
    assert summary["parameters"]["additionalProperties"] is False


def test_strict_mode_requires_everything_and_makes_optional_nullable(lib) -> None:  # type: ignore[no-untyped-def]
    tools = by_name(lib.openai_tools(strict=True), key=lambda t: t["function"]["name"])
    params = tools["order_summary"]["function"]["parameters"]
    assert tools["order_summary"]["function"]["strict"] is True
    assert params["required"] == ["order_id", "include_items"]
    assert params["additionalProperties"] is False
    include = params["properties"]["include_items"]
    assert {"type": "null"} in include["anyOf"] and "default" not in include
    Draft202012Validator.check_schema(params)
    validator = Draft202012Validator(params)
    assert validator.is_valid({"order_id": "#W1", "include_items": None})
    assert not validator.is_valid({"order_id": "#W1"})
    assert not validator.is_valid({"order_id": "#W1", "include_items": None, "x": 1})


def test_strict_schema_wraps_a_plain_optional_type_and_nested_objects() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "description": "A."},
            "b": {"type": "object", "properties": {"c": {"type": "integer"}}},
        },
        "required": [],
    }
    strict = strict_schema(schema)
    assert strict["required"] == ["a", "b"]
    assert strict["properties"]["a"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": "A.",
    }
    nested = strict["properties"]["b"]["anyOf"][0]
    assert nested["required"] == ["c"] and nested["additionalProperties"] is False
    assert schema["required"] == []  # the input is not modified


def test_anthropic_tools(lib) -> None:  # type: ignore[no-untyped-def]
    tools = by_name(lib.anthropic_tools())
    assert set(tools["cancel_order"]) == {"name", "description", "input_schema"}
    assert tools["cancel_order"]["input_schema"]["required"] == ["order_id", "reason"]
    import anthropic.types as at

    # The SDK's request type accepts exactly these keys.
    assert {"name", "description", "input_schema"} <= set(at.ToolParam.__annotations__)


def test_mcp_tool_has_annotations_and_object_output_schema(lib) -> None:  # type: ignore[no-untyped-def]
    cancel = mcp_tool(lib.manifest("cancel_order"))
    assert cancel["annotations"]["destructiveHint"] is True
    assert cancel["annotations"]["readOnlyHint"] is False
    assert cancel["outputSchema"] == {
        "type": "object",
        "properties": {"result": {"type": "string"}},
        "required": ["result"],
    }
    status = mcp_tool(lib.manifest("order_status"))
    assert status["annotations"]["readOnlyHint"] is True
    assert status["annotations"]["destructiveHint"] is False
    assert structured_result(lib.manifest("order_status"), "pending") == {"result": "pending"}
    import mcp_types

    mcp_types.Tool.model_validate(cancel)  # the SDK accepts it as is


def test_output_schema_unknown_for_any() -> None:
    assert output_schema({"returns": {"annotation": "Any", "schema": {}}}) is None


def test_langchain_definition_round_trips_through_structured_tool(lib) -> None:  # type: ignore[no-untyped-def]
    from langchain_core.tools import StructuredTool

    definition = langchain_tool(lib.manifest("cancel_order"))
    tool = StructuredTool(func=lambda **kw: kw, **definition)
    assert tool.name == "cancel_order"
    assert set(tool.args) == {"order_id", "reason"}
    json.dumps(definition)
