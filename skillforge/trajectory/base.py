"""What every format reader shares: the reader protocol, JSON-path errors, result helpers.

A reader turns one payload (the decoded JSON of one run in its own format) into a
:class:`Parsed`: the steps, plus whatever the format itself says about the task, tools and
final answer.  The loader (``load.py``) fills in what the envelope adds.  Readers raise
:class:`~skillforge.errors.TrajectoryError` through :meth:`ReadContext.fail`, which names
the file and the JSON path of the offending field, never a bare traceback.

:class:`CallBook` is the one place that pairs results with calls, so every format treats
unknown ids, duplicate ids and second results the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import orjson

from ..errors import TrajectoryError
from . import jsonexact
from .model import Message, Step, ToolCall, ToolSpec


@dataclass
class Parsed:
    """What a reader found in one payload."""

    steps: list[Step]
    task: str | None = None
    final_answer: str | None = None
    tools: list[ToolSpec] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    outcome: str | None = None


@dataclass(frozen=True)
class ReadContext:
    """Where we are: the file and the JSON path of the payload inside it."""

    path: str
    base: str = "$"

    def at(self, *parts: str | int) -> str:
        text = self.base
        for part in parts:
            text += f"[{part}]" if isinstance(part, int) else f".{part}"
        return text

    def child(self, *parts: str | int) -> ReadContext:
        """A context for a nested payload (an envelope body, one span list...)."""
        return ReadContext(self.path, self.at(*parts))

    def fail(self, message: str, *parts: str | int, hint: str) -> NoReturn:
        """Raise the error for the field at ``parts``; ``hint`` says what to do about it."""
        raise TrajectoryError(one_line(message), path=self.path, field=one_line(self.at(*parts)),
                              hint=hint)

    def expect(self, value: Any, kind: type | tuple[type, ...], *parts: str | int) -> Any:
        if not isinstance(value, kind):
            names = (
                " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__
            )
            expected = _json_name(names)
            self.fail(f"expected {expected}, found {_type_name(value)}", *parts,
                      hint=f"make this field a JSON {expected}")
        return value

    def string(self, value: Any, what: str, *parts: str | int) -> str:
        """A required non-empty string field."""
        if not isinstance(value, str) or not value:
            found = "nothing" if value is None else _type_name(value)
            self.fail(f"{what} must be a non-empty string, found {found}", *parts,
                      hint=f"give the {what} as a non-empty string")
        return value


def tag(value: Any) -> str | None:
    """A ``type``/``role`` marker as a string, or ``None`` (payloads may put anything there)."""
    return value if isinstance(value, str) else None


def one_line(text: str, limit: int = 300) -> str:
    """Text from the payload made safe for a one-line error (no newlines, bounded length)."""
    if text.isprintable() and len(text) <= limit:
        return text
    flat = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _json_name(names: str) -> str:
    return names.replace("dict", "object").replace("list", "array").replace("str", "string")


def _type_name(value: Any) -> str:
    """A JSON type name for error messages (users think in JSON, not Python)."""
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
            dict: "object"}.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class Format:
    """A trajectory format: a name, a cheap structural test and a reader.

    ``detect`` must be cheap and must never raise: it runs on arbitrary JSON.  ``runs``, when
    set, reads a payload that may hold several runs (an OpenTelemetry export with several
    traces); the loader prefers it to ``read``.
    """

    name: str
    detect: Callable[[Any], bool]
    read: Callable[[Any, ReadContext], Parsed]
    description: str = ""
    runs: Callable[[Any, ReadContext], list[Parsed]] | None = None


class CallBook:
    """Tool calls of one run by id, so results find their call.

    Ids may be reused once their call has its result (some providers number calls per
    turn); a reused id gets a ``#2`` suffix so ids stay unique in the model.  A second id
    while the first is still waiting, a result for an unknown id, or a second result is an
    error: guessing would pair the wrong result with a call.
    """

    def __init__(self, ctx: ReadContext) -> None:
        self.ctx = ctx
        self.calls: list[ToolCall] = []
        self._open: dict[str, ToolCall] = {}
        self._key: dict[int, str] = {}  # id(call) -> its key in _open
        self._seen: dict[str, int] = {}
        self._answered: set[int] = set()

    def add(self, call_id: Any, name: Any, arguments: dict[str, Any], *parts: str | int,
            id_key: str = "id", name_key: str = "name") -> ToolCall:
        if call_id is None or call_id == "":
            call_id = f"call_{len(self.calls) + 1}"
        if not isinstance(call_id, str):
            self.ctx.fail(f"tool call id must be a string, found {_type_name(call_id)}",
                          *parts, id_key, hint="give each tool call a string id, or none")
        name = self.ctx.string(name, "tool name", *parts, name_key)
        if call_id in self._open:
            self.ctx.fail(f"duplicate tool call id {call_id!r} (the first has no result yet)",
                          *parts, id_key, hint="each call needs its own id")
        unique = call_id
        count = self._seen.get(call_id, 0)
        if count:
            unique = f"{call_id}#{count + 1}"
        self._seen[call_id] = count + 1
        call = ToolCall(id=unique, name=name, arguments=arguments)
        self.calls.append(call)
        self._open[call_id] = call
        self._key[id(call)] = call_id
        return call

    def pending(self) -> list[ToolCall]:
        """Calls still waiting for a result, oldest first."""
        return list(self._open.values())

    def resolve(self, call_id: Any, result: Any, *parts: str | int, is_error: bool = False,
                id_key: str = "tool_call_id") -> ToolCall:
        """Attach a result to the open call with this id."""
        if not isinstance(call_id, str) or not call_id:
            found = "nothing" if call_id is None else _type_name(call_id)
            self.ctx.fail(f"tool result needs the id of its call, found {found}", *parts, id_key,
                          hint="set it to the id of the tool call this result answers")
        call = self._open.pop(call_id, None)
        if call is None:
            what = "second result" if call_id in self._seen else "result for unknown call id"
            self.ctx.fail(f"tool {what} {call_id!r}", *parts, id_key,
                          hint="every result must answer exactly one earlier tool call")
        return self._answer(call, result, is_error)

    def resolve_call(self, call: ToolCall, result: Any, *, is_error: bool = False) -> ToolCall:
        """Attach a result to a call found by other means (legacy order, span nesting)."""
        key = self._key.get(id(call))
        if key is not None and self._open.get(key) is call:
            del self._open[key]
        return self._answer(call, result, is_error)

    def _answer(self, call: ToolCall, result: Any, is_error: bool) -> ToolCall:
        call.result = result
        call.is_error = call.is_error or is_error
        self._answered.add(id(call))
        return call

    def finish(self, *, require_results: bool = True) -> list[ToolCall]:
        """Every call, error-marked; a call that never got a result is an error."""
        if require_results:
            for call in self.calls:
                if id(call) not in self._answered:
                    self.ctx.fail(
                        f"tool call {call.id!r} ({call.name}) has no result",
                        hint="the trajectory looks truncated; add the result of that call",
                    )
        mark_errors(self.calls)
        return self.calls


_ARGS_HINT = ('tool arguments are a JSON object of names to values, or a string holding '
              'one such as "{\\"city\\": \\"Paris\\"}"; fix the field or re-export the run')


def parse_arguments(raw: Any, ctx: ReadContext, *parts: str | int) -> dict[str, Any]:
    """Tool-call arguments: a dict, or a JSON string of one (OpenAI sends strings)."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = loads_json(raw)
        except (ValueError, RecursionError) as exc:
            ctx.fail(f"arguments are not valid JSON ({_short(exc)})", *parts, hint=_ARGS_HINT)
    if not isinstance(raw, dict):
        ctx.fail(f"arguments must be a JSON object, found {_type_name(raw)}", *parts,
                 hint=_ARGS_HINT)
    return raw


def loads_json(text: str) -> Any:
    """JSON embedded in a payload (arguments, attributes): orjson, else the standard library
    (integers beyond 64 bits, lone surrogates), never NaN/Infinity (not JSON)."""
    try:
        return jsonexact.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text, parse_constant=_not_json)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _short(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at char {exc.pos}"
    return str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__


#: The rule that marks a recorded call failed; generated skills check results with it too.
ERROR_PREFIXES = ("error:", "error ", "exception:", "traceback (most recent call last)")
ERROR_FIELDS = ("error", "message", "code", "detail", "type", "status")
_ERROR_FIELD_SET = frozenset(ERROR_FIELDS)  # (the tuple keeps emitted code in a fixed order)


def looks_like_error(result: Any) -> bool:
    """Whether a tool result reports a failure (``Error: ...`` or ``{"error": ...}``).

    Many frameworks return tool errors as ordinary results; compilers must know the call
    failed, so we mark it.
    """
    if isinstance(result, str):
        text = result.strip()
        if text.lower().startswith(ERROR_PREFIXES):
            return True
        if text.startswith("{") and '"error"' in text:
            try:
                result = loads_json(text)
            except (ValueError, RecursionError):
                return False
    return (
        isinstance(result, dict)
        and "error" in result
        and result.keys() <= _ERROR_FIELD_SET
        and result["error"] not in (None, False, "")
    )


def text_of(content: Any) -> str:
    """Text of a message content: a string, or a list of text parts (OpenAI/Anthropic/OTel)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                text = part.get("text", part.get("content"))
                if isinstance(text, str) and part.get("type") in (None, "text", "input_text",
                                                                 "output_text"):
                    parts.append(text)
        return "\n".join(parts)
    return json.dumps(content)


def tool_specs(raw: Any, ctx: ReadContext, *parts: str | int) -> list[ToolSpec]:
    """Tool specs in our shape, OpenAI's (``{"type": "function", "function": {...}}``),
    Anthropic's (``input_schema``) or MCP's (``inputSchema``, ``annotations.readOnlyHint``).

    Read-only hints count inside ``function`` and next to it (``{"type": "function",
    "function": {...}, "read_only": true}``); the inner one wins when both say something."""
    ctx.expect(raw, list, *parts)
    specs = []
    for i, item in enumerate(raw):
        ctx.expect(item, dict, *parts, i)
        spec = item.get("function") if isinstance(item.get("function"), dict) else item
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            ctx.fail("tool spec has no name", *parts, i, "name",
                     hint='give each tool a "name" (inside "function" for OpenAI tool specs)')
        params = spec.get("parameters") or spec.get("input_schema") or spec.get("inputSchema") or {}
        specs.append(
            ToolSpec(
                name=name,
                description=str(spec.get("description") or ""),
                parameters=params if isinstance(params, dict) else {},
                read_only=read_only_hint(spec) if spec is item else
                _first_hint(read_only_hint(spec), read_only_hint(item)),
            )
        )
    return specs


_READ_ONLY_KEYS = ("read_only", "readOnly", "readonly", "readOnlyHint")


def read_only_hint(spec: dict[str, Any]) -> bool | None:
    """What a tool spec says about changing state: ``read_only`` (or ``readOnly``,
    ``readOnlyHint``), else MCP ``annotations``: ``readOnlyHint``, or ``destructiveHint:
    true`` (a destructive tool is not read-only; ``false`` says nothing about writes)."""
    said = _first_hint(*(spec.get(key) for key in _READ_ONLY_KEYS))
    annotations = spec.get("annotations")
    if said is None and isinstance(annotations, dict):
        said = _first_hint(annotations.get("readOnlyHint"), annotations.get("read_only"))
        if said is None and annotations.get("destructiveHint") is True:
            said = False
    return said


def _first_hint(*values: Any) -> bool | None:
    """The first boolean: the most specific place that says something wins."""
    return next((v for v in values if isinstance(v, bool)), None)


def first_user_text(steps: list[Step]) -> str | None:
    return next((s.content for s in steps if isinstance(s, Message) and s.role == "user"), None)


def last_assistant_text(steps: list[Step]) -> str | None:
    for step in reversed(steps):
        if isinstance(step, Message) and step.role == "assistant" and step.content:
            return step.content
    return None


def mark_errors(calls: list[ToolCall]) -> None:
    for call in calls:
        if not call.is_error and looks_like_error(call.result):
            call.is_error = True


def finish(steps: list[Step], **extra: Any) -> Parsed:
    """A :class:`Parsed` whose task and answer come from the first user / last assistant text."""
    extra.setdefault("task", first_user_text(steps))
    extra.setdefault("final_answer", last_assistant_text(steps))
    return Parsed(steps=steps, **extra)
