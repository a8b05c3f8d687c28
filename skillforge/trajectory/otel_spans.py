"""OpenTelemetry spans in either JSON shape, as one :class:`Span` list with JSON paths.

OTLP/JSON (``resourceSpans[].scopeSpans[].spans[]``, attributes as typed ``AnyValue``
lists, ids in hex or protobuf's base64, times as nanosecond strings) and the SDK's
``ReadableSpan.to_json()`` (``context``, ``0x`` ids, ISO times, attribute objects) differ in
every detail; ``otel.py`` reads the GenAI meaning from the common :class:`Span`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .base import ReadContext


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


def is_span(item: Any) -> bool:
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
        and all(is_span(s) or (isinstance(s, dict) and "resourceSpans" in s) for s in payload)
    )


def collect(payload: Any, ctx: ReadContext) -> list[Span]:
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
    ctx.fail(f"expected an integer, found {value!r}"[:120], *at,
             hint="timestamps are integers of nanoseconds since the epoch (or strings of digits)")


def _iso_ns(text: str) -> int:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return 0
    return int(moment.timestamp() * 1_000_000) * 1000
