"""dispatch(): a provider's tool call in, that provider's tool-result message out."""

from __future__ import annotations

import json

from skillkit import PENDING_ORDER, shop_tools


def test_openai_chat_tool_call_dict(lib) -> None:  # type: ignore[no-untyped-def]
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "order_status", "arguments": json.dumps({"order_id": PENDING_ORDER})},
    }
    assert lib.dispatch(call, tools=shop_tools()) == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "pending",
    }


def test_openai_sdk_objects(lib) -> None:  # type: ignore[no-untyped-def]
    from openai.types.chat import ChatCompletionMessageToolCall
    from openai.types.responses import ResponseFunctionToolCall

    chat = ChatCompletionMessageToolCall.model_validate(
        {
            "id": "call_2",
            "type": "function",
            "function": {
                "name": "order_summary",
                # strict mode sends null for the optional argument
                "arguments": json.dumps({"order_id": PENDING_ORDER, "include_items": None}),
            },
        }
    )
    message = lib.dispatch(chat, tools=shop_tools())
    assert message["tool_call_id"] == "call_2"
    assert json.loads(message["content"]) == {"status": "pending"}

    item = ResponseFunctionToolCall(
        type="function_call",
        call_id="fc_1",
        name="order_status",
        arguments=json.dumps({"order_id": PENDING_ORDER}),
    )
    assert lib.dispatch(item, tools=shop_tools()) == {
        "type": "function_call_output",
        "call_id": "fc_1",
        "output": "pending",
    }


def test_anthropic_tool_use_block(lib) -> None:  # type: ignore[no-untyped-def]
    from anthropic.types import ToolUseBlock

    block = ToolUseBlock(
        type="tool_use", id="toolu_1", name="order_status", input={"order_id": PENDING_ORDER}
    )
    assert lib.dispatch(block, tools=shop_tools()) == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "pending"}],
    }


def test_errors_become_error_results_not_exceptions(lib) -> None:  # type: ignore[no-untyped-def]
    tools = shop_tools()
    failing = {"type": "tool_use", "id": "t1", "name": "always_fails", "input": {"order_id": "x"}}
    block = lib.dispatch(failing, tools=tools)["content"][0]
    assert block["is_error"] is True and "always fails" in block["content"]

    unknown = {"id": "c", "function": {"name": "nope", "arguments": "{}"}}
    assert "no skill named 'nope'" in lib.dispatch(unknown, tools=tools)["content"]

    bad_json = {"id": "c", "function": {"name": "order_status", "arguments": "{oops"}}
    assert "not valid JSON" in lib.dispatch(bad_json, tools=tools)["content"]

    missing = {"id": "c", "function": {"name": "order_status", "arguments": "{}"}}
    assert "needs 'order_id'" in lib.dispatch(missing, tools=tools)["content"]


def test_unrecognised_tool_call_is_bad_input(lib) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from skillforge.errors import InputError

    with pytest.raises(InputError, match="unrecognised tool call"):
        lib.dispatch({"what": "ever"}, tools={})


def test_a_list_of_calls(lib) -> None:  # type: ignore[no-untyped-def]
    tools = shop_tools()
    blocks = [
        {
            "type": "tool_use",
            "id": "a",
            "name": "order_status",
            "input": {"order_id": PENDING_ORDER},
        },
        {"type": "tool_use", "id": "b", "name": "always_fails", "input": {"order_id": "x"}},
    ]
    (message,) = lib.dispatch(blocks, tools=tools)
    assert message["role"] == "user"
    assert [b["tool_use_id"] for b in message["content"]] == ["a", "b"]
    assert message["content"][1]["is_error"] is True

    calls = [
        {
            "id": f"c{i}",
            "function": {
                "name": "order_status",
                "arguments": json.dumps({"order_id": PENDING_ORDER}),
            },
        }
        for i in range(2)
    ]
    messages = lib.dispatch(calls, tools=tools)
    assert [m["tool_call_id"] for m in messages] == ["c0", "c1"]
