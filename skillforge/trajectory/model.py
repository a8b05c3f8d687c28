"""The one Trajectory model every input format is read into.

A trajectory is what an agent did to solve one task: the task text, the inputs it was
given, the tools it could use, and the ordered steps (messages and tool calls with their
arguments and results).  Compilers only ever see this model, so every reader's job is to
produce it faithfully: keep failed calls (marked), keep results exactly as the tool
returned them (often JSON strings), and never invent data.

The native format is this model's own JSON (``Trajectory.model_dump(mode="json")``) with
``"format": "skillforge/v1"``; it round-trips exactly.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

NATIVE_FORMAT: Final = "skillforge/v1"

_READ_ONLY_PREFIXES = (
    "get",
    "find",
    "list",
    "search",
    "lookup",
    "look_up",
    "read",
    "fetch",
    "query",
    "check",
    "calculate",
    "compute",
    "count",
    "describe",
    "show",
    "view",
    "validate",
    "think",
)


class ToolSpec(BaseModel):
    """A tool the agent could call: name, description and JSON Schema of its arguments.

    ``read_only`` is ``None`` when the source did not say; :meth:`is_read_only` then infers
    it from the name (``get_*``, ``find_*``, ``list_*``... are reads; anything else may
    change state, which is the safe default for replay).
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)
    read_only: bool | None = None

    def is_read_only(self) -> bool:
        if self.read_only is not None:
            return self.read_only
        return infer_read_only(self.name)


def infer_read_only(name: str) -> bool:
    """Whether a tool only reads, judged from its name (first snake/camel word)."""
    lowered = name.lower()
    return any(
        lowered == prefix or lowered.startswith(prefix + "_") or _camel_starts(name, prefix)
        for prefix in _READ_ONLY_PREFIXES
    )


def _camel_starts(name: str, prefix: str) -> bool:
    return (
        name.startswith(prefix)
        and len(name) > len(prefix)
        and name[len(prefix)].isupper()
    )


class Message(BaseModel):
    """A text message in the conversation (user, assistant, system)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["message"] = "message"
    role: str
    content: str


class ToolCall(BaseModel):
    """One tool call with its arguments and what came back.

    ``result`` is exactly what the tool returned (a string, often JSON, or a JSON value);
    ``is_error`` marks a call that failed, either because the framework said so or because
    the result is an error report.  Failed calls are kept: compilers decide what to prune.
    """

    model_config = ConfigDict(extra="forbid")

    type: Literal["tool_call"] = "tool_call"
    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    result: Any = None
    is_error: bool = False


Step = Annotated[Message | ToolCall, Field(discriminator="type")]


class Trajectory(BaseModel):
    """One agent run of one task, normalised."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["skillforge/v1"] = NATIVE_FORMAT
    task: str = ""
    inputs: dict[str, Any] = Field(default_factory=dict)
    tools: list[ToolSpec] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    outcome: str = "success"
    final_answer: str | None = None
    source_format: str = "native"

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [step for step in self.steps if isinstance(step, ToolCall)]

    def tool_spec(self, name: str) -> ToolSpec | None:
        return next((spec for spec in self.tools if spec.name == name), None)

    def is_read_only(self, tool: str) -> bool:
        spec = self.tool_spec(tool)
        return spec.is_read_only() if spec else infer_read_only(tool)

    def to_json(self) -> str:
        """The native JSON form, stable (sorted keys) so its hash identifies the run."""
        data = self.model_dump(mode="json")
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)

    def sha256(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()


__all__ = [
    "NATIVE_FORMAT",
    "Message",
    "Step",
    "ToolCall",
    "ToolSpec",
    "Trajectory",
    "infer_read_only",
]
