"""OpenAI Responses API items (the ``input`` list of a request plus the ``output`` items).

Calls are ``function_call`` items (JSON-string ``arguments``) answered by
``function_call_output`` items with the same ``call_id``; ``custom_tool_call`` (free-text
``input``) works the same way, and an ``mcp_call`` carries its own ``output``/``error``.
Messages are ``message`` items or bare ``{"role", "content"}`` inputs.  ``reasoning``
items and hosted tools the agent did not run itself (web search, file search...) are not
tool calls of the agent's own tools, so they are skipped.
"""

from __future__ import annotations

from typing import Any

from .base import CallBook, Format, Parsed, ReadContext, finish, parse_arguments, tag, text_of
from .model import Message, Step

_CALLS = {"function_call", "custom_tool_call", "mcp_call"}
_OUTPUTS = {"function_call_output", "custom_tool_call_output"}
_SIGNATURE = _CALLS | _OUTPUTS | {"reasoning"}
_KNOWN = _SIGNATURE | {
    "message", "item_reference", "web_search_call", "file_search_call", "computer_call",
    "computer_call_output", "code_interpreter_call", "image_generation_call",
    "local_shell_call", "local_shell_call_output", "mcp_list_tools", "mcp_approval_request",
    "mcp_approval_response", "compaction",
}


def detect(payload: Any) -> bool:
    if not isinstance(payload, list) or not payload:
        return False
    signature = False
    for item in payload:
        if not isinstance(item, dict) or "tool_calls" in item:
            return False
        kind = tag(item.get("type"))
        if kind is None:
            if tag(item.get("role")) not in ("user", "assistant", "system", "developer"):
                return False
        elif kind not in _KNOWN:
            return False
        elif kind in _SIGNATURE or (kind == "message" and "role" in item):
            signature = True
    return signature


def read(payload: Any, ctx: ReadContext) -> Parsed:
    ctx.expect(payload, list)
    steps: list[Step] = []
    book = CallBook(ctx)
    for i, item in enumerate(payload):
        ctx.expect(item, dict, i)
        kind = tag(item.get("type", "message" if "role" in item else None))
        if kind == "message":
            role = ctx.string(item.get("role"), "message role", i, "role")
            text = text_of(item.get("content"))
            if text:
                steps.append(Message(role=role, content=text))
        elif kind == "function_call":
            args = parse_arguments(item.get("arguments"), ctx, i, "arguments")
            steps.append(book.add(_call_id(item, ctx, i), item.get("name"), args, i,
                                  id_key="call_id"))
        elif kind == "custom_tool_call":
            raw = item.get("input")
            args = {"input": raw} if raw is not None else {}
            steps.append(book.add(_call_id(item, ctx, i), item.get("name"), args, i,
                                  id_key="call_id"))
        elif kind == "mcp_call":
            args = parse_arguments(item.get("arguments"), ctx, i, "arguments")
            call = book.add(item.get("id"), item.get("name"), args, i)
            error = item.get("error")
            book.resolve_call(call, error if error else item.get("output"), is_error=bool(error))
            steps.append(call)
        elif kind in _OUTPUTS:
            output = item.get("output")
            result = text_of(output) if isinstance(output, list) else output
            book.resolve(item.get("call_id"), result, i, id_key="call_id")
        elif kind is None:
            ctx.fail("item has neither a type nor a role", i,
                     hint="Responses items look like {'type': 'function_call', ...}")
    book.finish()
    return finish(steps)


def _call_id(item: dict[str, Any], ctx: ReadContext, i: int) -> str:
    """``call_id`` links a call to its output (``id`` is the item's own id)."""
    return ctx.string(item.get("call_id"), "call_id", i, "call_id")


FORMAT = Format("openai-responses", detect, read, "OpenAI Responses API items")
