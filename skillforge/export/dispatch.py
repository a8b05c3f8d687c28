"""Answer a provider's tool call with the provider's own tool-result message.

Agent loops differ only in the envelope: OpenAI Chat Completions sends
``{"id", "function": {"name", "arguments": "<json>"}}`` and wants a ``role: tool``
message; the Responses API sends a ``function_call`` item and wants a
``function_call_output`` item; Anthropic sends a ``tool_use`` block and wants a user
message holding a ``tool_result`` block.  SDK objects (pydantic models) and plain dicts
are both accepted.  A failing skill becomes an error *result* the model can read, never an
exception that ends the agent's loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError, SkillforgeError

if TYPE_CHECKING:
    from ..library import SkillLibrary


@dataclass
class ToolCall:
    """A provider-neutral tool call: which API it came from, its id, name and arguments."""

    provider: str  # "chat" | "responses" | "anthropic"
    id: str
    name: str
    arguments: Any


def as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "model_dump"):
        dumped: dict[str, Any] = obj.model_dump()
        return dumped
    if hasattr(obj, "__dict__"):
        return dict(vars(obj))
    raise InputError(
        f"cannot read a tool call from {type(obj).__name__}",
        field="tool_call",
        hint="pass an OpenAI tool call, a Responses function_call item or an Anthropic tool_use",
    )


def parse_tool_call(obj: Any) -> ToolCall:
    """Recognise the provider of a tool call by its shape."""
    data = as_dict(obj)
    kind = data.get("type")
    if data.get("function") is not None:
        function = as_dict(data["function"])
        return ToolCall(
            "chat", str(data.get("id", "")), function["name"], function.get("arguments")
        )
    if kind == "function_call":
        call_id = data.get("call_id") or data.get("id") or ""
        return ToolCall("responses", str(call_id), data["name"], data.get("arguments"))
    if kind == "tool_use":
        return ToolCall("anthropic", str(data["id"]), data["name"], data.get("input"))
    raise InputError(
        f"unrecognised tool call with keys {sorted(data)}",
        field="tool_call",
        hint="pass an OpenAI tool call, a Responses function_call item or an Anthropic tool_use",
    )


def result_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def run_tool_call(
    lib: SkillLibrary, call: ToolCall, tools: Mapping[str, Callable[..., Any]]
) -> tuple[str, bool]:
    """Run the skill a call names: (result text, is_error)."""
    try:
        args = call.arguments
        if isinstance(args, str):
            try:
                args = json.loads(args or "{}")
            except json.JSONDecodeError as exc:
                raise InputError(f"arguments are not valid JSON: {exc.msg}") from None
        if args is None:
            args = {}
        if not isinstance(args, Mapping):
            raise InputError("arguments must be a JSON object")
        if call.name not in lib.names():
            raise InputError(f"no skill named {call.name!r}", hint="call one of the listed tools")
        required = set(lib.manifest(call.name)["parameters"].get("required", []))
        # Strict-mode clients send null for an optional argument they leave out.
        inputs = {k: v for k, v in args.items() if v is not None or k in required}
        return result_text(lib.call(call.name, inputs, tools)), False
    except SkillforgeError as exc:
        return f"Error: {exc.one_line()}", True


def result_message(call: ToolCall, text: str, is_error: bool) -> dict[str, Any]:
    """The provider's tool-result message for a call."""
    if call.provider == "chat":
        return {"role": "tool", "tool_call_id": call.id, "content": text}
    if call.provider == "responses":
        return {"type": "function_call_output", "call_id": call.id, "output": text}
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call.id, "content": text}
    if is_error:
        block["is_error"] = True
    return {"role": "user", "content": [block]}


def dispatch(lib: SkillLibrary, tool_call: Any, tools: Mapping[str, Callable[..., Any]]) -> Any:
    """Run the skill a provider's tool call names and return the provider's result message.

    Given a list of calls, returns a list of messages; Anthropic's ``tool_result`` blocks
    for one turn are gathered in a single user message, as the Messages API expects.
    """
    if isinstance(tool_call, list | tuple):
        messages = [dispatch(lib, c, tools) for c in tool_call]
        blocks = [
            block
            for m in messages
            if m.get("role") == "user" and isinstance(m.get("content"), list)
            for block in m["content"]
        ]
        if blocks and len(blocks) == len(messages):
            return [{"role": "user", "content": blocks}]
        return messages
    call = parse_tool_call(tool_call)
    text, is_error = run_tool_call(lib, call, tools)
    return result_message(call, text, is_error)
