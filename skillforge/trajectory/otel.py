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
* tool spans of OpenInference (``openinference.span.kind: TOOL``) and of instrumentations
  that set ``gen_ai.tool.*`` without an operation name are read too;
* ``gen_ai.tool.definitions`` gives the tool specs; a failed ``invoke_agent`` root span makes
  the outcome ``failure``.

Spans are ordered by start time (then by their order in the file), so parallel calls keep
the order they were issued in.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
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


@dataclass
class Span:
    """One span, whatever its JSON shape, with the JSON path it came from."""

    trace: str
    span_id: str
    parent: str | None
    name: str
    start: int
    order: int
    attrs: dict[str, Any]
    error: bool
    status_message: str
    at: tuple[str | int, ...] = field(default_factory=tuple)


def _is_span(item: Any) -> bool:
    return isinstance(item, dict) and (
        ("traceId" in item and "spanId" in item)
        or ("context" in item and "name" in item and ("attributes" in item or "start_time" in item)
            )
        or ("trace_id" in item and "span_id" in item and "name" in item)
    )


def detect(payload: Any) -> bool:
    if isinstance(payload, dict):
        return isinstance(payload.get("resourceSpans"), list)
    return (
        isinstance(payload, list)
        and bool(payload)
        and all(_is_span(s) or (isinstance(s, dict) and "resourceSpans" in s) for s in payload)
    )


def runs(payload: Any, ctx: ReadContext) -> list[Parsed]:
    """One :class:`Parsed` per trace, in the order the traces first appear."""
    spans = _collect(payload, ctx)
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


# -------------------------------------------------------------------------- collecting
def _collect(payload: Any, ctx: ReadContext) -> list[Span]:
    out: list[Span] = []
    if isinstance(payload, dict):
        _otlp(payload, ctx, (), out)
        return out
    ctx.expect(payload, list)
    for i, item in enumerate(payload):
        ctx.expect(item, dict, i)
        if "resourceSpans" in item:
            _otlp(item, ctx, (i,), out)
        elif "traceId" in item or "spanId" in item:
            out.append(_from_otlp(item, ctx, (i,), len(out)))
        else:
            out.append(_from_sdk(item, ctx, (i,), len(out)))
    return out


def _otlp(batch: dict[str, Any], ctx: ReadContext, at: tuple[str | int, ...],
          out: list[Span]) -> None:
    resource_spans = ctx.expect(batch.get("resourceSpans"), list, *at, "resourceSpans")
    for r, rs in enumerate(resource_spans):
        ctx.expect(rs, dict, *at, "resourceSpans", r)
        key = "scopeSpans" if "scopeSpans" in rs else "instrumentationLibrarySpans"
        scopes = ctx.expect(rs.get(key, []), list, *at, "resourceSpans", r, key)
        for s, scope in enumerate(scopes):
            ctx.expect(scope, dict, *at, "resourceSpans", r, key, s)
            where_spans = (*at, "resourceSpans", r, key, s, "spans")
            spans = ctx.expect(scope.get("spans", []), list, *where_spans)
            for n, span in enumerate(spans):
                where = (*at, "resourceSpans", r, key, s, "spans", n)
                ctx.expect(span, dict, *where)
                out.append(_from_otlp(span, ctx, where, len(out)))


def _from_otlp(span: dict[str, Any], ctx: ReadContext, at: tuple[str | int, ...],
               order: int) -> Span:
    raw_attrs = span.get("attributes") or []
    ctx.expect(raw_attrs, list, *at, "attributes")
    attrs: dict[str, Any] = {}
    for k, kv in enumerate(raw_attrs):
        ctx.expect(kv, dict, *at, "attributes", k)
        key = ctx.string(kv.get("key"), "attribute key", *at, "attributes", k, "key")
        attrs[key] = _any_value(kv.get("value"), ctx, (*at, "attributes", k, "value"))
    status: dict[str, Any] = span["status"] if isinstance(span.get("status"), dict) else {}
    code = status.get("code")
    return Span(
        trace=_hex_id(span.get("traceId")),
        span_id=_hex_id(span.get("spanId")),
        parent=_hex_id(span.get("parentSpanId")) or None,
        name=str(span.get("name") or ""),
        start=_int(span.get("startTimeUnixNano"), ctx, (*at, "startTimeUnixNano")),
        order=order,
        attrs=attrs,
        error=code in (2, "2", "STATUS_CODE_ERROR", "ERROR"),
        status_message=str(status.get("message") or ""),
        at=at,
    )


def _any_value(value: Any, ctx: ReadContext, at: tuple[str | int, ...]) -> Any:
    """OTLP ``AnyValue`` to plain JSON."""
    if not isinstance(value, dict) or not value:
        return None
    kind, inner = next(iter(value.items()))
    if kind == "intValue":
        return _int(inner, ctx, (*at, kind))
    if kind == "arrayValue":
        items = inner.get("values", []) if isinstance(inner, dict) else []
        return [_any_value(v, ctx, (*at, kind, "values", n)) for n, v in enumerate(items)]
    if kind == "kvlistValue":
        items = inner.get("values", []) if isinstance(inner, dict) else []
        return {
            str(kv.get("key")): _any_value(kv.get("value"), ctx, (*at, kind, "values", n))
            for n, kv in enumerate(items)
            if isinstance(kv, dict)
        }
    return inner


def _from_sdk(span: dict[str, Any], ctx: ReadContext, at: tuple[str | int, ...],
              order: int) -> Span:
    context: dict[str, Any] = span["context"] if isinstance(span.get("context"), dict) else span
    attrs = span.get("attributes") or {}
    ctx.expect(attrs, dict, *at, "attributes")
    status: dict[str, Any] = span["status"] if isinstance(span.get("status"), dict) else {}
    start = span.get("start_time")
    return Span(
        trace=_hex_id(context.get("trace_id")),
        span_id=_hex_id(context.get("span_id")),
        parent=_hex_id(span.get("parent_id")) or None,
        name=str(span.get("name") or ""),
        start=_iso_ns(start) if isinstance(start, str) else _int(start, ctx, (*at, "start_time")),
        order=order,
        attrs=attrs,
        error=str(status.get("status_code", "")).upper().endswith("ERROR"),
        status_message=str(status.get("description") or ""),
        at=at,
    )


def _hex_id(value: Any) -> str:
    """Ids as lowercase hex: OTLP/JSON uses hex, protobuf's JSON base64, the SDK ``0x…``."""
    if not isinstance(value, str) or not value:
        return ""
    text = value[2:] if value.startswith("0x") else value
    if all(c in "0123456789abcdefABCDEF" for c in text):
        return text.lower()
    try:
        return base64.b64decode(text, validate=True).hex()
    except ValueError:
        return text


def _int(value: Any, ctx: ReadContext, at: tuple[str | int, ...]) -> int:
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    ctx.fail(f"expected an integer, found {value!r}"[:120], *at)


def _iso_ns(text: str) -> int:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return 0
    return int(moment.timestamp() * 1_000_000) * 1000


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
        elif "gen_ai.input.messages" in span.attrs or "gen_ai.output.messages" in span.attrs:
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
            ctx.fail("attribute is not valid JSON", *span.at, "attributes", key)
    return value


def _messages(span: Span, key: str, ctx: ReadContext) -> list[dict[str, Any]]:
    value = _json_attr(span, key, ctx)
    if value is None:
        return []
    ctx.expect(value, list, *span.at, "attributes", key)
    return [m for m in value if isinstance(m, dict)]


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
