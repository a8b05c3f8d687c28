"""OpenTelemetry GenAI spans: OTLP JSON, or a list of span dicts (``ReadableSpan.to_json()``).

One trace is one run (a file with several traces gives several trajectories), read with the
GenAI semantic conventions:

* ``execute_tool`` spans are the tool calls: ``gen_ai.tool.name``, ``gen_ai.tool.call.id``,
  ``gen_ai.tool.call.arguments`` and ``gen_ai.tool.call.result``; a span with status ERROR
  or an ``error.type`` attribute is a failed call (its status message is the result when
  no result was recorded; recording results is opt-in in the conventions, so a call may
  have none).
* ``chat`` spans carry ``gen_ai.input.messages`` / ``gen_ai.output.messages`` (JSON, with
  ``parts``): the task is the first user text, the answer the last assistant text.  Traces
  without ``execute_tool`` spans get their calls from ``tool_call`` /
  ``tool_call_response`` parts instead.
* chat spans with flattened ``gen_ai.prompt.N.*`` / ``gen_ai.completion.N.*`` attributes
  (OpenLLMetry and older instrumentations) are read like ``gen_ai.*.messages``;
* tool spans of OpenInference (``openinference.span.kind: TOOL``) and of instrumentations
  that set ``gen_ai.tool.*`` without an operation name are read too;
* ``gen_ai.tool.definitions`` gives the tool specs; a failed ``invoke_agent`` root span makes
  the outcome ``failure``.

Spans are ordered by start time (then by their order in the file), so parallel calls keep
the order they were issued in.
"""

from __future__ import annotations

from typing import Any

from .base import (
    CallBook,
    Format,
    Parsed,
    ReadContext,
    finish,
    loads_json,
    parse_arguments,
    text_of,
    tool_specs,
)
from .model import Message, Step, ToolSpec
from .otel_spans import Span, collect, detect


def runs(payload: Any, ctx: ReadContext) -> list[Parsed]:
    """One :class:`Parsed` per trace, in the order the traces first appear."""
    spans = collect(payload, ctx)
    if not spans:
        ctx.fail("no spans found", hint="export the trace with its spans")
    traces: dict[str, list[Span]] = {}
    for span in spans:
        traces.setdefault(span.trace, []).append(span)
    return [_build(trace, group, ctx) for trace, group in traces.items()]


def read(payload: Any, ctx: ReadContext) -> Parsed:
    parsed = runs(payload, ctx)
    if len(parsed) > 1:
        ctx.fail(f"holds {len(parsed)} traces",
                 hint="load the file to get one trajectory per trace")
    return parsed[0]


# ---------------------------------------------------------------------------- building
def _build(trace: str, spans: list[Span], ctx: ReadContext) -> Parsed:
    spans = sorted(spans, key=lambda s: (s.start, s.order))
    steps: list[Step] = []
    book = CallBook(ctx)
    tools_spans = [s for s in spans if _operation(s) == "execute_tool"]
    seen_inputs = 0
    tools: list[ToolSpec] = []
    failed = False
    for span in spans:
        op = _operation(span)
        if "gen_ai.tool.definitions" in span.attrs and not tools:
            defs = _json_attr(span, "gen_ai.tool.definitions", ctx)
            if isinstance(defs, list):
                tools = tool_specs(defs, ctx.child(*span.at), "attributes",
                                   "gen_ai.tool.definitions")
        if op == "execute_tool":
            steps.append(_tool_call(span, book, ctx))
        elif _is_chat(span):
            inputs = _messages(span, "gen_ai.input.messages", ctx)
            if len(inputs) < seen_inputs:  # this instrumentation logs only the new messages
                seen_inputs = 0
            if seen_inputs == 0 and not steps:
                system = _json_attr(span, "gen_ai.system_instructions", ctx)
                if system:
                    steps.append(Message(role="system", content=_parts_text(system)))
            for msg in inputs[seen_inputs:]:
                _emit(msg, steps, book, ctx, span, calls_from_parts=not tools_spans)
            outputs = _messages(span, "gen_ai.output.messages", ctx)
            for msg in outputs:
                _emit(msg, steps, book, ctx, span, calls_from_parts=not tools_spans)
            seen_inputs = len(inputs) + len(outputs)
        elif op == "invoke_agent" and span.error:
            failed = True
    book.finish(require_results=False)
    return finish(steps, tools=tools, outcome="failure" if failed else None)


#: Where tool spans keep name / arguments / result: the GenAI conventions first, then
#: OpenInference (``tool.name``, ``input.value``, ``output.value``) and Pydantic AI's older
#: ``tool_arguments`` / ``tool_response``.
_NAME_KEYS = ("gen_ai.tool.name", "tool.name")
_ARG_KEYS = ("gen_ai.tool.call.arguments", "tool_arguments", "input.value")
_RESULT_KEYS = ("gen_ai.tool.call.result", "tool_response", "output.value")


def _operation(span: Span) -> str:
    op = span.attrs.get("gen_ai.operation.name")
    if isinstance(op, str):
        return op
    if span.name.startswith("execute_tool") or span.attrs.get("openinference.span.kind") == "TOOL":
        return "execute_tool"
    if "gen_ai.tool.name" in span.attrs and "gen_ai.tool.call.id" in span.attrs:
        return "execute_tool"  # tool spans of instrumentations that set no operation name
    return ""


def _first(attrs: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, Any]:
    return next(((k, attrs[k]) for k in keys if attrs.get(k) is not None), (keys[0], None))


def _tool_call(span: Span, book: CallBook, ctx: ReadContext) -> Any:
    attrs = span.attrs
    name_key, name = _first(attrs, _NAME_KEYS)
    name = name or span.name.removeprefix("execute_tool").strip()
    at = (*span.at, "attributes")
    arg_key, raw_args = _first(attrs, _ARG_KEYS)
    args = parse_arguments(raw_args, ctx, *at, arg_key)
    call = book.add(attrs.get("gen_ai.tool.call.id") or span.span_id or None, name, args, *at,
                    id_key="gen_ai.tool.call.id", name_key=name_key)
    error = span.error or "error.type" in attrs
    result = _first(attrs, _RESULT_KEYS)[1]
    if result is None and error:
        result = span.status_message or str(attrs.get("error.type") or "error")
    if result is not None or error:
        book.resolve_call(call, result, is_error=error)
    return call


def _json_attr(span: Span, key: str, ctx: ReadContext) -> Any:
    value = span.attrs.get(key)
    if isinstance(value, str):
        try:
            return loads_json(value)
        except (ValueError, RecursionError):
            ctx.fail("attribute is not valid JSON", *span.at, "attributes", key,
                     hint="it may have been cut by the exporter's attribute length limit; "
                          "raise that limit (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT)")
    return value


def _is_chat(span: Span) -> bool:
    attrs = span.attrs
    return any(key in attrs for key in ("gen_ai.input.messages", "gen_ai.output.messages",
                                        "gen_ai.prompt.0.role", "gen_ai.completion.0.role",
                                        "gen_ai.prompt.0.content"))


def _messages(span: Span, key: str, ctx: ReadContext) -> list[dict[str, Any]]:
    value = _json_attr(span, key, ctx)
    if value is None:
        flat = "gen_ai.prompt" if key == "gen_ai.input.messages" else "gen_ai.completion"
        return _flat_messages(span.attrs, flat)
    ctx.expect(value, list, *span.at, "attributes", key)
    return [m for m in value if isinstance(m, dict)]


def _flat_messages(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """Messages from flattened attributes (``gen_ai.prompt.0.role``, ``.content``,
    ``gen_ai.completion.0.tool_calls.1.name``...), as OpenLLMetry and older
    instrumentations write them, in the shape of ``gen_ai.*.messages``."""
    out: list[dict[str, Any]] = []
    while f"{prefix}.{len(out)}.role" in attrs or f"{prefix}.{len(out)}.content" in attrs:
        at = f"{prefix}.{len(out)}."
        role = attrs.get(at + "role") or ("assistant" if prefix.endswith("completion") else "user")
        content = attrs.get(at + "content")
        parts: list[dict[str, Any]] = []
        if role == "tool":
            parts.append({"type": "tool_call_response", "id": attrs.get(at + "tool_call_id"),
                          "response": content})
        elif content:
            parts.append({"type": "text", "content": str(content)})
        n = 0
        while f"{at}tool_calls.{n}.name" in attrs:
            call = f"{at}tool_calls.{n}."
            parts.append({"type": "tool_call", "id": attrs.get(call + "id"),
                          "name": attrs[call + "name"], "arguments": attrs.get(call + "arguments")})
            n += 1
        out.append({"role": str(role), "parts": parts})
    return out


def _parts_text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("parts", value.get("content"))
    return text_of(value)


def _emit(msg: dict[str, Any], steps: list[Step], book: CallBook, ctx: ReadContext, span: Span,
          *, calls_from_parts: bool) -> None:
    role = str(msg.get("role") or "user")
    parts = msg.get("parts")
    if not isinstance(parts, list):
        parts = [{"type": "text", "content": msg.get("content")}] if "content" in msg else []
    text = _parts_text(parts)
    if text and role != "tool":
        steps.append(Message(role=role, content=text))
    if not calls_from_parts:
        return
    for part in parts:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "tool_call":
            args = part.get("arguments")
            args = parse_arguments(args, ctx, *span.at, "attributes") if args is not None else {}
            steps.append(book.add(part.get("id"), part.get("name"), args, *span.at, "attributes"))
        elif part.get("type") == "tool_call_response":
            waiting = {c.id: c for c in book.pending()}
            call = waiting.get(str(part.get("id")))
            if call is not None:
                book.resolve_call(call, part.get("response"))


FORMAT = Format("otel", detect, read, "OpenTelemetry GenAI spans (OTLP JSON or span list)", runs)
