"""LangChain messages, in the three shapes LangChain writes them.

* ``messages_to_dict``: ``[{"type": "ai", "data": {...}}, ...]``;
* ``BaseMessage.model_dump()``: the message fields with ``type`` inline;
* ``dumpd`` (LangGraph checkpoints, LangSmith): ``{"lc": 1, "type": "constructor",
  "id": [..., "AIMessage"], "kwargs": {...}}``.

An ``AIMessage`` holds ``tool_calls`` (``name``, ``args`` as an object, ``id``); older
messages keep OpenAI-shaped calls in ``additional_kwargs.tool_calls``.  A ``ToolMessage``
answers by ``tool_call_id`` and says ``status: "error"`` when the tool raised.  Calls the
model produced but LangChain could not parse (``invalid_tool_calls``) are kept, marked as
errors, so compilers see the retry that usually follows.
"""

from __future__ import annotations

from typing import Any

from ..errors import TrajectoryError
from .base import CallBook, Format, Parsed, ReadContext, finish, parse_arguments, tag, text_of
from .model import Message, Step, ToolCall

_ROLE = {"human": "user", "ai": "assistant", "system": "system", "developer": "developer"}
_TYPES = {*_ROLE, "tool", "function", "chat"}
_CLASSES = {
    "HumanMessage": "human", "AIMessage": "ai", "SystemMessage": "system",
    "ToolMessage": "tool", "FunctionMessage": "function", "ChatMessage": "chat",
}


def _kind(item: Any) -> str | None:
    """The message type of one serialised message, or ``None`` if it is not one."""
    if not isinstance(item, dict):
        return None
    kind = tag(item.get("type"))
    if isinstance(kind, str) and kind.endswith("MessageChunk"):
        kind = _CLASSES.get(kind[: -len("Chunk")])
    if kind == "constructor" and item.get("lc") == 1 and isinstance(item.get("id"), list):
        name = item["id"][-1] if item["id"] else None
        name = name[: -len("Chunk")] if isinstance(name, str) and name.endswith("Chunk") else name
        return _CLASSES.get(name) if isinstance(name, str) else None
    if kind in _TYPES and "role" not in item and ("data" in item or "content" in item):
        return kind
    return None


def detect(payload: Any) -> bool:
    return isinstance(payload, list) and bool(payload) and all(_kind(m) for m in payload)


def _fields(item: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The message's own fields and the key they sit under (for error paths)."""
    for key in ("data", "kwargs"):
        if isinstance(item.get(key), dict):
            return item[key], key
    return item, ""


def read(payload: Any, ctx: ReadContext) -> Parsed:
    ctx.expect(payload, list)
    steps: list[Step] = []
    book = CallBook(ctx)
    invalid: list[tuple[ToolCall, str]] = []
    for i, item in enumerate(payload):
        ctx.expect(item, dict, i)
        kind = _kind(item)
        if kind is None:
            ctx.fail("not a LangChain message", i, "type",
                     hint="expected messages_to_dict() or message.model_dump() output")
        data, key = _fields(item)
        at: tuple[str | int, ...] = (i, key) if key else (i,)
        content = data.get("content")
        if kind == "tool":
            result = text_of(content) if isinstance(content, list) else content
            book.resolve(data.get("tool_call_id"), result, *at,
                         is_error=data.get("status") == "error")
            continue
        if kind == "function":
            name = data.get("name")
            waiting = [c for c in book.pending() if c.name == name] or book.pending()
            if not waiting:
                ctx.fail("function message with no call waiting for it", *at,
                         hint="each function message answers an earlier function call")
            result = text_of(content) if isinstance(content, list) else content
            book.resolve_call(waiting[0], result)
            continue
        role = _ROLE.get(kind) or str(data.get("role") or "user")
        text = text_of(content)
        if text:
            steps.append(Message(role=role, content=text))
        if kind == "ai":
            steps.extend(_calls(data, book, ctx, at, invalid))
    for call, error in invalid:
        if call in book.pending():
            book.resolve_call(call, error, is_error=True)
    book.finish()
    return finish(steps)


def _calls(data: dict[str, Any], book: CallBook, ctx: ReadContext, at: tuple[str | int, ...],
           invalid: list[tuple[ToolCall, str]]) -> list[ToolCall]:
    calls: list[ToolCall] = []
    tool_calls = data.get("tool_calls") or []
    ctx.expect(tool_calls, list, *at, "tool_calls")
    for j, tc in enumerate(tool_calls):
        ctx.expect(tc, dict, *at, "tool_calls", j)
        args = tc.get("args")
        args = {} if args is None else ctx.expect(args, dict, *at, "tool_calls", j, "args")
        calls.append(book.add(tc.get("id"), tc.get("name"), args, *at, "tool_calls", j))
    bad = data.get("invalid_tool_calls") or []
    ctx.expect(bad, list, *at, "invalid_tool_calls")
    for j, tc in enumerate(bad):
        ctx.expect(tc, dict, *at, "invalid_tool_calls", j)
        try:
            args = parse_arguments(tc.get("args"), ctx, *at, "invalid_tool_calls", j, "args")
        except TrajectoryError:  # unparseable arguments are why the call is invalid
            args = {}
        call = book.add(tc.get("id"), tc.get("name") or "<invalid>", args,
                        *at, "invalid_tool_calls", j)
        call.is_error = True
        invalid.append((call, str(tc.get("error") or "invalid tool call")))
        calls.append(call)
    extra = data.get("additional_kwargs")
    if not tool_calls and isinstance(extra, dict) and isinstance(extra.get("tool_calls"), list):
        for j, tc in enumerate(extra["tool_calls"]):  # OpenAI-shaped, pre-0.2 LangChain
            ctx.expect(tc, dict, *at, "additional_kwargs", "tool_calls", j)
            fn = ctx.expect(tc.get("function"), dict, *at, "additional_kwargs", "tool_calls", j,
                            "function")
            args = parse_arguments(fn.get("arguments"), ctx, *at, "additional_kwargs",
                                   "tool_calls", j, "function", "arguments")
            calls.append(book.add(tc.get("id"), fn.get("name"), args, *at, "additional_kwargs",
                                  "tool_calls", j, name_key="function.name"))
    return calls


FORMAT = Format("langchain", detect, read, "LangChain messages (messages_to_dict, model_dump)")
