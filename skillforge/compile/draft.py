"""A compiled but not yet verified skill: its source and what we know about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .ir import Program


@dataclass
class SkillDraft:
    """What a compiler hands the verifier.

    ``program`` is set by the trace compiler (the LLM compiler produces only source); the
    manifest facts (parameters, tools, which tools change state) are recomputed from the
    source by the verifier in any case, so a draft cannot lie about them.
    """

    name: str
    source: str
    description: str
    compiler: str
    program: Program | None = None
    details: dict[str, Any] = field(default_factory=dict)
    ignored_inputs: list[str] = field(default_factory=list)
    read_only_tools: dict[str, bool] = field(default_factory=dict)
