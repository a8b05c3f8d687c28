"""OpenAI Chat Completions messages.

Assistant messages carry ``tool_calls`` (``function.arguments`` is a JSON *string*) or, in
the legacy shape, one ``function_call``; results come back as ``role: "tool"`` messages
matched by ``tool_call_id`` (legacy: ``role: "function"`` matched by name, in order).
Results are kept exactly as sent: JSON strings stay strings.
"""

from __future__ import annotations

from typing import Any

from .base import (
    Format,
    Parsed,
    ReadContext,
    first_user_text,
    last_assistant_text,
    mark_errors,
    parse_arguments,
    text_of,
)
from .model import Message, Step, ToolCall

_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}


def detect(payload: Any) -> bool:
    if not isinstance(payload, list) or not payload:
        return False
    if not all(isinstance(m, dict) and m.get("role") in _ROLES for m in payload):
        return False
    # Anthropic messages also have roles; they never have role "tool" nor tool_calls, and
    # their tool traffic lives in content blocks.
    return any(
        m.get("role") in ("tool", "function") or "tool_calls" in m or "function_call" in m
        for m in payload
    ) or all(isinstance(m.get("content"), str | type(None)) for m in payload)


def read(payload: Any, ctx: ReadContext) -> Parsed:
    ctx.expect(payload, list)
    steps: list[Step] = []
    by_id: dict[str, ToolCall] = {}
    legacy_pending: list[ToolCall] = []
    for i, msg in enumerate(payload):
        ctx.expect(msg, dict, i)
        role = msg.get("role")
        if not isinstance(role, str):
            ctx.fail("message has no role", i, "role")
        if role == "tool":
            call_id = msg.get("tool_call_id")
            if not isinstance(call_id, str):
                ctx.fail("tool message has no tool_call_id", i, "tool_call_id")
            call = by_id.get(call_id)
            if call is None:
                ctx.fail(f"tool result for unknown call id {call_id!r}", i, "tool_call_id")
            if call.result is not None:
                ctx.fail(f"second result for call id {call_id!r}", i, "tool_call_id")
            call.result = _content(msg.get("content"))
            continue
        if role == "function":
            if not legacy_pending:
                ctx.fail("function result with no pending function_call", i)
            call = legacy_pending.pop(0)
            call.result = _content(msg.get("content"))
            continue
        text = text_of(msg.get("content"))
        if text:
            steps.append(Message(role=role, content=text))
        for j, tc in enumerate(msg.get("tool_calls") or []):
            ctx.expect(tc, dict, i, "tool_calls", j)
            fn = ctx.expect(tc.get("function"), dict, i, "tool_calls", j, "function")
            name = fn.get("name")
            if not isinstance(name, str) or not name:
                ctx.fail("tool call has no function name", i, "tool_calls", j, "function", "name")
            call_id = tc.get("id")
            if not isinstance(call_id, str):
                ctx.fail("tool call has no id", i, "tool_calls", j, "id")
            if call_id in by_id:
                ctx.fail(f"duplicate tool call id {call_id!r}", i, "tool_calls", j, "id")
            args = parse_arguments(
                fn.get("arguments"), ctx, i, "tool_calls", j, "function", "arguments"
            )
            call = ToolCall(id=call_id, name=name, arguments=args)
            by_id[call_id] = call
            steps.append(call)
        legacy = msg.get("function_call")
        if isinstance(legacy, dict):
            name = legacy.get("name")
            if not isinstance(name, str):
                ctx.fail("function_call has no name", i, "function_call", "name")
            args = parse_arguments(legacy.get("arguments"), ctx, i, "function_call", "arguments")
            call = ToolCall(id=f"call_{len(by_id) + len(legacy_pending)}", name=name, arguments=args)
            legacy_pending.append(call)
            steps.append(call)
    calls = [s for s in steps if isinstance(s, ToolCall)]
    for call in calls:
        if call.result is None:
            ctx.fail(
                f"tool call {call.id!r} ({call.name}) has no result",
                hint="the trajectory looks truncated; add the role:'tool' message for it",
            )
    mark_errors(calls)
    return Parsed(steps=steps, task=first_user_text(steps), final_answer=last_assistant_text(steps))


def _content(content: Any) -> Any:
    return text_of(content) if isinstance(content, list) else content


FORMAT = Format("openai-chat", detect, read)
