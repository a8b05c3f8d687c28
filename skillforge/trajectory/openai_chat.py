"""OpenAI Chat Completions messages (the ``messages`` list of a request, plus the reply).

Assistant messages carry ``tool_calls`` (``function.arguments`` is a JSON *string*), several
at once for parallel calls; results come back as ``role: "tool"`` messages matched by
``tool_call_id``.  The legacy API has one ``function_call`` per assistant message and
``role: "function"`` results matched by name, in order.  Results are kept exactly as sent:
JSON strings stay strings; a list of text parts becomes its text.
"""

from __future__ import annotations

from typing import Any

from .base import CallBook, Format, Parsed, ReadContext, finish, parse_arguments, tag, text_of
from .model import Message, Step, ToolCall

_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}


def detect(payload: Any) -> bool:
    """A list of ``role`` messages; the fallback for role lists no other format claims."""
    if not isinstance(payload, list) or not payload:
        return False
    return all(isinstance(m, dict) and tag(m.get("role")) in _ROLES for m in payload)


def read(payload: Any, ctx: ReadContext) -> Parsed:
    ctx.expect(payload, list)
    steps: list[Step] = []
    book = CallBook(ctx)
    for i, msg in enumerate(payload):
        ctx.expect(msg, dict, i)
        role = msg.get("role")
        if not isinstance(role, str) or not role:
            ctx.fail("message has no role", i, "role",
                     hint='give each message a "role": system, user, assistant or tool')
        if role == "tool":
            book.resolve(msg.get("tool_call_id"), _content(msg.get("content")), i)
            continue
        if role == "function":
            call = _legacy_pending(book, msg.get("name"), ctx, i)
            book.resolve_call(call, _content(msg.get("content")))
            continue
        text = text_of(msg.get("content"))
        if text:
            steps.append(Message(role=role, content=text))
        tool_calls = msg.get("tool_calls")
        if tool_calls is not None:
            ctx.expect(tool_calls, list, i, "tool_calls")
            for j, tc in enumerate(tool_calls):
                ctx.expect(tc, dict, i, "tool_calls", j)
                fn = ctx.expect(tc.get("function"), dict, i, "tool_calls", j, "function")
                args = parse_arguments(
                    fn.get("arguments"), ctx, i, "tool_calls", j, "function", "arguments"
                )
                call_id = tc.get("id")
                if not isinstance(call_id, str) or not call_id:
                    ctx.fail("tool call has no id", i, "tool_calls", j, "id",
                             hint="results are matched to calls by id")
                steps.append(book.add(call_id, fn.get("name"), args, i, "tool_calls", j,
                                      name_key="function.name"))
        legacy = msg.get("function_call")
        if legacy is not None:
            ctx.expect(legacy, dict, i, "function_call")
            args = parse_arguments(legacy.get("arguments"), ctx, i, "function_call", "arguments")
            call_id = f"call_{len(book.calls) + 1}"
            steps.append(book.add(call_id, legacy.get("name"), args, i, "function_call"))
    book.finish()
    return finish(steps)


def _legacy_pending(book: CallBook, name: Any, ctx: ReadContext, i: int) -> ToolCall:
    """The oldest call waiting for a ``role: "function"`` result (of that name, if given)."""
    pending = book.pending()
    if isinstance(name, str):
        pending = [c for c in pending if c.name == name] or pending
    if not pending:
        ctx.fail("function result with no function_call waiting for it", i,
                 hint="each role:'function' message answers an earlier function_call")
    return pending[0]


def _content(content: Any) -> Any:
    return text_of(content) if isinstance(content, list) else content


FORMAT = Format("openai-chat", detect, read, "OpenAI Chat Completions messages")
