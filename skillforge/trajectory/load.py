"""Read trajectory files: decode, split, unwrap the envelope, detect, normalise.

A file holds one run, a JSON list of runs, or JSONL (one run per line).  A run is either a
known format on its own or the envelope of DESIGN.md::

    {"task": ..., "inputs": {...}, "tools": [...],
     "messages" | "steps" | "events" | "items": <any supported format>, "outcome": "success"}

Every problem becomes a :class:`~skillforge.errors.TrajectoryError` naming the file and the
JSON path, with a hint; nothing here lets a traceback escape.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import TrajectoryError, UnknownFormatError
from . import detect as detection
from .base import ReadContext
from .model import ToolSpec, Trajectory

MAX_BYTES = int(os.environ.get("SKILLFORGE_MAX_TRAJECTORY_BYTES", 64 * 1024 * 1024))
_ENVELOPE_BODIES = ("messages", "steps", "events", "items", "spans")
_ENVELOPE_KEYS = {"task", "inputs", "tools", "outcome", "final_answer", "format", "metadata"}


def load(path: str | os.PathLike[str]) -> list[Trajectory]:
    """All trajectories in one file."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise TrajectoryError("file not found", path=name, hint="check the path")
    if p.is_dir():
        raise TrajectoryError("is a directory", path=name, hint="pass trajectory files")
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise TrajectoryError(
            f"file is {size} bytes, over the {MAX_BYTES}-byte limit",
            path=name,
            hint="split it, or raise SKILLFORGE_MAX_TRAJECTORY_BYTES",
        )
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TrajectoryError(
            f"not UTF-8 text (bad byte at offset {exc.start})",
            path=name,
            hint="trajectories are JSON files in UTF-8",
        ) from None
    return loads(text, name)


def loads(text: str, path: str = "<string>") -> list[Trajectory]:
    """All trajectories in a JSON or JSONL text."""
    payloads = _decode(text, path)
    if isinstance(payloads, list) and payloads and all(_is_run(p) for p in payloads):
        return [parse(p, ReadContext(path, f"$[{i}]")) for i, p in enumerate(payloads)]
    return [parse(payloads, ReadContext(path))]


def load_many(paths: list[str]) -> list[Trajectory]:
    out: list[Trajectory] = []
    for path in paths:
        out.extend(load(path))
    return out


def _decode(text: str, path: str) -> Any:
    if not text.strip():
        raise TrajectoryError("file is empty", path=path, hint="pass a JSON trajectory")
    try:
        return json.loads(text)
    except json.JSONDecodeError as first:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1:
            runs = []
            for n, line in enumerate(lines, 1):
                try:
                    runs.append(json.loads(line))
                except json.JSONDecodeError:
                    break
            else:
                return runs
        raise TrajectoryError(
            f"not valid JSON: {first.msg} (line {first.lineno}, column {first.colno})",
            path=path,
            hint="the file looks truncated or is not JSON",
        ) from None


def _is_run(payload: Any) -> bool:
    """Whether one element of a top-level list is a whole run (and not a message)."""
    if isinstance(payload, list):
        return detection.detect(payload) is not None
    if not isinstance(payload, dict):
        return False
    return _is_envelope(payload) or (
        detection.detect(payload) is not None and "role" not in payload and "type" not in payload
    )


def _is_envelope(payload: Any) -> bool:
    return (
        isinstance(payload, dict)
        and payload.get("format") != "skillforge/v1"
        and any(key in payload for key in _ENVELOPE_BODIES)
        and set(payload) - set(_ENVELOPE_BODIES) <= _ENVELOPE_KEYS | {"id", "name"}
    )


def parse(payload: Any, ctx: ReadContext, *, fmt: str | None = None) -> Trajectory:
    """One run (envelope or bare payload) to a Trajectory."""
    envelope: dict[str, Any] = {}
    body, body_ctx = payload, ctx
    if _is_envelope(payload):
        envelope = payload
        key = next(k for k in _ENVELOPE_BODIES if k in payload)
        body, body_ctx = payload[key], ReadContext(ctx.path, ctx.at(key))
        fmt = fmt or envelope.get("format")
    reader = detection.by_name(fmt) if fmt else detection.detect(body)
    if reader is None:
        if fmt:
            ctx.fail(f"unknown format {fmt!r}", "format", hint=f"use one of {detection.names()}")
        raise UnknownFormatError(
            "not a trajectory in any format skillforge reads",
            path=ctx.path,
            field=body_ctx.base,
            hint=f"formats: {', '.join(detection.names())}; or wrap it in the envelope",
        )
    parsed = reader.read(body, body_ctx)
    inputs = envelope.get("inputs", parsed.inputs)
    if not isinstance(inputs, dict):
        ctx.fail("inputs must be a JSON object", "inputs")
    task = envelope.get("task", parsed.task) or ""
    if not isinstance(task, str):
        ctx.fail("task must be a string", "task")
    tools = parsed.tools
    if "tools" in envelope:
        tools = _tool_specs(envelope["tools"], ctx)
    try:
        return Trajectory(
            task=task,
            inputs=inputs,
            tools=tools,
            steps=parsed.steps,
            outcome=str(envelope.get("outcome", "success")),
            final_answer=envelope.get("final_answer", parsed.final_answer),
            source_format=reader.name,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        ctx.fail(first["msg"], *[p for p in first["loc"] if isinstance(p, str | int)])


def _tool_specs(raw: Any, ctx: ReadContext) -> list[ToolSpec]:
    """Tool specs in our shape, OpenAI's (``{"type": "function", "function": {...}}``),
    Anthropic's (``input_schema``) or MCP's (``inputSchema``, ``annotations.readOnlyHint``)."""
    ctx.expect(raw, list, "tools")
    specs = []
    for i, item in enumerate(raw):
        ctx.expect(item, dict, "tools", i)
        spec = item.get("function") if isinstance(item.get("function"), dict) else item
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            ctx.fail("tool spec has no name", "tools", i, "name")
        params = spec.get("parameters") or spec.get("input_schema") or spec.get("inputSchema") or {}
        read_only = spec.get("read_only")
        annotations = spec.get("annotations")
        if read_only is None and isinstance(annotations, dict):
            read_only = annotations.get("readOnlyHint")
        specs.append(
            ToolSpec(
                name=name,
                description=str(spec.get("description") or ""),
                parameters=params if isinstance(params, dict) else {},
                read_only=read_only if isinstance(read_only, bool) else None,
            )
        )
    return specs
