"""The native format: the Trajectory model's own JSON (``"format": "skillforge/v1"``)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .base import Format, Parsed, ReadContext
from .model import NATIVE_FORMAT, Trajectory


def detect(payload: Any) -> bool:
    return isinstance(payload, dict) and payload.get("format") == NATIVE_FORMAT


def read_native(payload: Any, ctx: ReadContext) -> Trajectory:
    """Validate a native payload, turning pydantic's report into one error with a JSON path."""
    try:
        return Trajectory.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        parts = [p for p in first["loc"] if isinstance(p, str | int)]
        # pydantic puts the union tag in the location ("tool_call"); drop it from the path
        parts = [p for p in parts if p not in ("message", "tool_call")]
        ctx.fail(first["msg"], *parts, hint="fix this field: a skillforge/v1 file is the "
                                             "Trajectory model's JSON (DESIGN.md)")


def read(payload: Any, ctx: ReadContext) -> Parsed:
    traj = read_native(payload, ctx)
    return Parsed(
        steps=list(traj.steps),
        task=traj.task,
        final_answer=traj.final_answer,
        tools=traj.tools,
        inputs=traj.inputs,
    )


FORMAT = Format("native", detect, read)
