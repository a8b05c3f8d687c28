"""Compilers: trajectories → :class:`SkillDraft`.

``trace`` (the default) needs no model; ``llm`` (optional extra) is tried by ``auto`` only
when the trace compiler cannot explain the runs and a model is configured.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import CompileError
from ..trajectory.model import Trajectory
from .draft import SkillDraft
from .ir import Program
from .naming import param_name, validate_skill_name

T = TypeVar("T")


def compile_trace(trajectories: list[Trajectory], name: str, sources: list[str]) -> SkillDraft:
    """Compile with the trace compiler: one program per run, unified, rendered."""
    from .codegen import render
    from .trace import compile_one, guard_keys
    from .unify import unify

    validate_skill_name(name)
    # a guard is only kept when every run observed the equality it checks
    keys = [
        _attributed(source, guard_keys, traj, name)
        for traj, source in zip(trajectories, sources, strict=True)
    ]
    allowed = set.intersection(*keys) if keys else set()
    programs: list[Program] = [
        _attributed(source, compile_one, traj, name, allowed)
        for traj, source in zip(trajectories, sources, strict=True)
    ]
    program = unify(programs, sources)
    used = {p.name for p in program.params}
    ignored = sorted(
        {key for traj in trajectories for key in traj.inputs if param_name(key) not in used}
    )
    read_only = {step.tool: step.read_only for step in program.calls()}
    return SkillDraft(
        name=name,
        source=render(program, compiled_from=len(trajectories)),
        description=program.description,
        compiler="trace",
        program=program,
        ignored_inputs=ignored,
        read_only_tools=read_only,
    )


def _attributed(source: str, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, with a compile error naming the trajectory file it is about."""
    try:
        return fn(*args)
    except CompileError as exc:
        if not exc.path:
            exc.path = source
            exc.args = (exc.one_line(),)
        raise


__all__ = ["SkillDraft", "compile_trace"]
