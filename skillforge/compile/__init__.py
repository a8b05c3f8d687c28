"""Compilers: trajectories → :class:`SkillDraft`.

``trace`` (the default) needs no model; ``llm`` (optional extra) is tried by ``auto`` only
when the trace compiler cannot explain the runs and a model is configured.
"""

from __future__ import annotations

from ..trajectory.model import Trajectory
from .draft import SkillDraft
from .naming import param_name, validate_skill_name


def compile_trace(trajectories: list[Trajectory], name: str, sources: list[str]) -> SkillDraft:
    """Compile with the trace compiler: one program per run, unified, rendered."""
    from .codegen import render
    from .trace import compile_one
    from .unify import unify

    validate_skill_name(name)
    programs = []
    for traj, source in zip(trajectories, sources, strict=True):
        try:
            programs.append(compile_one(traj, name))
        except Exception as exc:
            from ..errors import CompileError

            if isinstance(exc, CompileError) and not exc.path:
                exc.path = source
                exc.args = (exc.one_line(),)
            raise
    program = unify(programs, sources)
    used = {p.name for p in program.params}
    ignored = sorted(
        {key for traj in trajectories for key in traj.inputs if param_name(key) not in used}
    )
    read_only = {step.tool: step.read_only for step in program.steps}
    return SkillDraft(
        name=name,
        source=render(program, compiled_from=len(trajectories)),
        description=program.description,
        compiler="trace",
        program=program,
        ignored_inputs=ignored,
        read_only_tools=read_only,
    )


__all__ = ["SkillDraft", "compile_trace"]
