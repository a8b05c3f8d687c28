"""What every format reader shares: the reader protocol, JSON-path errors, result helpers.

A reader turns one payload (the decoded JSON of one run in its own format) into a
:class:`Parsed`: the steps, plus whatever the format itself says about the task, tools and
final answer.  The loader (``load.py``) fills in what the envelope adds.  Readers raise
:class:`~skillforge.errors.TrajectoryError` through :meth:`ReadContext.fail`, which names
the file and the JSON path of the offending field, never a bare traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from ..errors import TrajectoryError
from .model import Message, Step, ToolCall, ToolSpec


@dataclass
class Parsed:
    """What a reader found in one payload."""

    steps: list[Step]
    task: str | None = None
    final_answer: str | None = None
    tools: list[ToolSpec] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)


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

    def fail(self, message: str, *parts: str | int, hint: str | None = None) -> NoReturn:
        raise TrajectoryError(message, path=self.path, field=self.at(*parts), hint=hint)

    def expect(self, value: Any, kind: type | tuple[type, ...], *parts: str | int) -> Any:
        if not isinstance(value, kind):
            names = (
                " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__
            )
            self.fail(f"expected {names}, found {type(value).__name__}", *parts)
        return value


@dataclass(frozen=True)
class Format:
    """A trajectory format: a name, a cheap structural test and a reader."""

    name: str
    detect: Callable[[Any], bool]
    read: Callable[[Any, ReadContext], Parsed]


def parse_arguments(raw: Any, ctx: ReadContext, *parts: str | int) -> dict[str, Any]:
    """Tool-call arguments: a dict, or a JSON string of one (OpenAI sends strings)."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            ctx.fail(f"arguments are not valid JSON ({exc.msg} at char {exc.pos})", *parts)
    if not isinstance(raw, dict):
        ctx.fail(f"arguments must be a JSON object, found {type(raw).__name__}", *parts)
    return raw


_ERROR_PREFIXES = ("error:", "error ", "exception:", "traceback (most recent call last)")


def looks_like_error(result: Any) -> bool:
    """Whether a tool result reports a failure (``Error: ...`` or ``{"error": ...}``).

    Many frameworks return tool errors as ordinary results; compilers must know the call
    failed, so we mark it.
    """
    if isinstance(result, str):
        text = result.strip()
        if text.lower().startswith(_ERROR_PREFIXES):
            return True
        if text.startswith("{"):
            try:
                result = json.loads(text)
            except json.JSONDecodeError:
                return False
    return isinstance(result, dict) and set(result) <= {"error", "message", "code", "detail"} and (
        "error" in result
    )


def text_of(content: Any) -> str:
    """Text of a message content: a string, or a list of text parts (OpenAI/Anthropic)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(parts)
    return json.dumps(content)


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
