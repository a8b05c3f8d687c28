"""Read trajectory files: read bytes (bounded), decode, split into runs, unwrap, detect, redact.

A file holds one run, a JSON list of runs, or JSONL (one run per line; a JSONL file whose
lines are messages or span batches is one payload).  A run is either a known format on
its own or the envelope of DESIGN.md::

    {"task": ..., "inputs": {...}, "tools": [...], "format": "<optional reader name>",
     "messages" | "steps" | "events" | "items" | "spans" | "input": <any supported format>,
     "outcome": "success"}

Other keys are ignored, so a logged API request body (``model``, ``system`` or
``instructions``, ``messages`` or ``input``, ``tools``) reads as an envelope too; its system
prompt becomes the first message.

An OpenTelemetry payload may hold several traces: each trace is a run.  Every trajectory is
redacted (``redact.py``) unless the caller opts out.  Every problem becomes a
:class:`~skillforge.errors.TrajectoryError` naming the file (``file:line`` for JSONL) and
the JSON path, with a hint; nothing here lets a traceback escape.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import TrajectoryError, UnknownFormatError
from . import detect as detection
from . import native
from .base import Parsed, ReadContext, one_line, text_of, tool_specs
from .decode import decode_bytes, decode_text, max_bytes, read_bounded
from .model import Message, Trajectory
from .redact import Redactor, default_redactor

#: Keys of the envelope that hold the run; ``input`` also makes a logged Responses API
#: request body (``{"model", "instructions", "input", "tools"}``) an envelope.
BODY_KEYS = ("messages", "steps", "events", "items", "spans", "input")
Redact = bool | Redactor


@dataclass(frozen=True)
class Loaded:
    """One trajectory and where it came from (``file``, ``file[2]``, ``file:7``, + trace)."""

    trajectory: Trajectory
    where: str


def load(path: str | os.PathLike[str], *, redact: Redact = True,
         limit: int | None = None) -> list[Trajectory]:
    """All trajectories in one file (``-`` reads standard input)."""
    return [item.trajectory for item in load_located(path, redact=redact, limit=limit)]


def load_located(path: str | os.PathLike[str], *, redact: Redact = True,
                 limit: int | None = None) -> list[Loaded]:
    name = str(path)
    if name == "-":
        raw = read_bounded(sys.stdin.buffer, "<stdin>", limit or max_bytes())
        return loads_located(decode_bytes(raw, "<stdin>"), "<stdin>", redact=redact)
    p = Path(path)
    if not p.exists():
        raise TrajectoryError("file not found", path=name, hint="check the path")
    if p.is_dir():
        raise TrajectoryError("is a directory", path=name, hint="pass trajectory files")
    try:
        with p.open("rb") as handle:
            raw = read_bounded(handle, name, limit or max_bytes())
    except OSError as exc:
        raise TrajectoryError(f"cannot read: {exc.strerror or exc}", path=name,
                              hint="check the file's permissions") from None
    return loads_located(decode_bytes(raw, name), name, redact=redact)


def loads(text: str | bytes, path: str = "<string>", *, redact: Redact = True) -> list[Trajectory]:
    """All trajectories in a JSON or JSONL text."""
    return [item.trajectory for item in loads_located(text, path, redact=redact)]


def loads_located(text: str | bytes, path: str = "<string>", *,
                  redact: Redact = True) -> list[Loaded]:
    if isinstance(text, bytes):
        text = decode_bytes(text, path)
    redactor = _redactor(redact)
    out: list[Loaded] = []
    for payload, ctx, where, fmt in _runs(text, path):
        out.extend(_guarded(payload, ctx, where, redactor, fmt=fmt))
    return out


def load_many(paths: list[str] | list[Path], *, redact: Redact = True) -> list[Trajectory]:
    out: list[Trajectory] = []
    for path in paths:
        out.extend(load(path, redact=redact))
    return out


def parse(payload: Any, ctx: ReadContext | None = None, *, fmt: str | None = None,
          redact: Redact = True) -> Trajectory:
    """One run (envelope or bare payload) to a Trajectory."""
    ctx = ctx or ReadContext("<payload>")
    found = _guarded(payload, ctx, ctx.path, _redactor(redact), fmt=fmt)
    if len(found) != 1:
        ctx.fail(f"holds {len(found)} runs", hint="use loads() to read them all")
    return found[0].trajectory


def parse_all(payload: Any, ctx: ReadContext | None = None, *, fmt: str | None = None,
              redact: Redact = True) -> list[Trajectory]:
    """Every run in one payload (an OpenTelemetry export may hold several traces)."""
    ctx = ctx or ReadContext("<payload>")
    return [item.trajectory for item in _guarded(payload, ctx, ctx.path, _redactor(redact),
                                                 fmt=fmt)]


def _redactor(redact: Redact) -> Redactor | None:
    if isinstance(redact, Redactor):
        return redact
    return default_redactor() if redact else None


# ----------------------------------------------------------------------- splitting
Run = tuple[Any, ReadContext, str, str | None]  # payload, context, location, known format


def _runs(text: str, path: str) -> list[Run]:
    """Each run's payload, context, location label and (when already detected) format."""
    value, lines = decode_text(text, path)
    if lines is not None:  # JSONL
        values = [v for _, v in lines]
        formats = _run_formats(values)
        if formats is None:
            return [(values, ReadContext(path), path, None)]
        return [(v, ReadContext(f"{path}:{n}"), f"{path}:{n}", f)
                for (n, v), f in zip(lines, formats, strict=True)]
    if isinstance(value, list) and value:
        formats = _run_formats(value)
        if formats is not None:
            return [(v, ReadContext(path, f"$[{i}]"), f"{path}[{i}]", f)
                    for i, (v, f) in enumerate(zip(value, formats, strict=True))]
    return [(value, ReadContext(path), path, None)]


def _run_formats(values: list[Any]) -> list[str | None] | None:
    """The format of each element if a list holds whole runs; ``None`` if it is one payload
    (messages, spans).  Formats are remembered so each run is detected once."""
    fmt = detection.detect(values)
    if fmt is not None and fmt.name == "otel":
        return None  # span batches of possibly several traces: split by trace later
    formats: list[str | None] = []
    for value in values:
        is_run, name = _as_run(value)
        if not is_run:
            return None
        formats.append(name)
    return formats


def _as_run(payload: Any) -> tuple[bool, str | None]:
    """Whether one element of a top-level list is a whole run (not a message), and the
    format to read it with when that is already known (``None``: envelope or native)."""
    if isinstance(payload, list):
        fmt = detection.detect(payload)
        return fmt is not None, fmt.name if fmt else None
    if not isinstance(payload, dict):
        return False, None
    fmt = detection.detect(payload)
    if fmt is None:
        return _is_envelope(payload, detected=False), None
    if "role" in payload or "type" in payload:
        return False, None
    return True, None if fmt.name == "native" else fmt.name


def _is_envelope(payload: Any, *, detected: bool | None = None) -> bool:
    return (
        isinstance(payload, dict)
        and payload.get("format") != native.NATIVE_FORMAT
        and any(key in payload for key in BODY_KEYS)
        and not (detection.detect(payload) is not None if detected is None else detected)
    )


# ------------------------------------------------------------------------- parsing
def _guarded(payload: Any, ctx: ReadContext, where: str, redactor: Redactor | None, *,
             fmt: str | None = None) -> list[Loaded]:
    """Parse, turning anything unexpected into a :class:`TrajectoryError` (never a traceback)."""
    try:
        return _parse(payload, ctx, where, redactor, fmt)
    except TrajectoryError:
        raise
    except RecursionError:
        ctx.fail("nested too deeply", hint="the file is not a trajectory (or is corrupted)")
    except Exception as exc:  # a reader bug must still give the user a clean message
        ctx.fail(f"could not read this trajectory (internal error: {type(exc).__name__}: "
                 f"{str(exc)[:120]})", hint="please report this with the file")


def _parse(payload: Any, ctx: ReadContext, where: str, redactor: Redactor | None,
           fmt: str | None) -> list[Loaded]:
    envelope: dict[str, Any] = {}
    body, body_ctx = payload, ctx
    if fmt is None and isinstance(payload, dict) and payload.get("format") == native.NATIVE_FORMAT:
        traj = native.read_native(payload, ctx)
        return [Loaded(redactor.redact_in_place(traj) if redactor else traj, where)]
    if _is_envelope(payload):
        envelope = payload
        key = next(k for k in BODY_KEYS if k in payload)
        body, body_ctx = payload[key], ctx.child(key)
        fmt = fmt or envelope.get("format")
        if fmt is not None and not isinstance(fmt, str):
            ctx.fail("format must be a string", "format",
                     hint=f"use one of {', '.join(detection.names())}, or leave it out")
    reader = detection.by_name(fmt) if fmt else detection.detect(body)
    if reader is None:
        if fmt:
            ctx.fail(f"unknown format {fmt!r}", "format",
                     hint=f"use one of {', '.join(detection.names())}")
        raise UnknownFormatError(
            f"not a trajectory in any format skillforge reads ({one_line(_shape(body))})",
            path=ctx.path,
            field=body_ctx.base,
            hint=f"formats: {', '.join(detection.names())}; or wrap it in the envelope",
        )
    parsed = reader.runs(body, body_ctx) if reader.runs else [reader.read(body, body_ctx)]
    out = []
    for n, item in enumerate(parsed):
        traj = _trajectory(item, envelope, ctx, reader.name)
        label = f"{where} trace {n + 1}/{len(parsed)}" if len(parsed) > 1 else where
        out.append(Loaded(redactor.redact_in_place(traj) if redactor else traj, label))
    return out


def _trajectory(parsed: Parsed, envelope: dict[str, Any], ctx: ReadContext,
                source: str) -> Trajectory:
    inputs = envelope.get("inputs", parsed.inputs)
    if not isinstance(inputs, dict):
        ctx.fail("inputs must be a JSON object", "inputs",
                 hint='give inputs as an object of names to values, e.g. {"order_id": "#W1"}')
    task = envelope.get("task", parsed.task) or ""
    if not isinstance(task, str):
        ctx.fail("task must be a string", "task", hint="give the task as text, or leave it out")
    tools = tool_specs(envelope["tools"], ctx, "tools") if "tools" in envelope else parsed.tools
    final = envelope.get("final_answer", parsed.final_answer)
    if final is not None and not isinstance(final, str):
        ctx.fail("final_answer must be a string", "final_answer",
                 hint="give the final answer as text, or leave it out")
    outcome = envelope.get("outcome", parsed.outcome or "success")
    if not isinstance(outcome, str):
        ctx.fail("outcome must be a string", "outcome",
                 hint='give the outcome as text such as "success" or "failure"')
    steps = parsed.steps
    system = envelope.get("system", envelope.get("instructions"))
    if system is not None and not (steps and isinstance(steps[0], Message)
                                   and steps[0].role in ("system", "developer")):
        text = text_of(system)  # a logged request body keeps its system prompt apart
        steps = [Message(role="system", content=text), *steps] if text else steps
    try:
        return Trajectory(task=task, inputs=inputs, tools=tools, steps=steps,
                          outcome=outcome, final_answer=final, source_format=source)
    except ValidationError as exc:
        first = exc.errors()[0]
        ctx.fail(first["msg"], *[p for p in first["loc"] if isinstance(p, str | int)],
                 hint="fix this field: it does not fit the trajectory model (DESIGN.md)")


def _shape(value: Any) -> str:
    """A short description of what we found, to help the user see why nothing matched."""
    if isinstance(value, dict):
        keys = ", ".join(sorted(str(k) for k in value)[:6])
        return f"an object with keys {keys}" if keys else "an empty object"
    if isinstance(value, list):
        if not value:
            return "an empty list"
        first = value[0]
        if isinstance(first, dict):
            keys = ", ".join(sorted(str(k) for k in first)[:6])
            return f"a list whose first item has keys {keys}"
        return f"a list of {type(first).__name__}"
    return f"a JSON {type(value).__name__}"
