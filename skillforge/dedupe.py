"""Is a trajectory already covered by an existing skill?

Promoting the same task twice under two names would leave two skills that do one thing,
and agents would have to choose between them.  Before compiling, we replay each new
trajectory against the skills that could possibly cover it (those whose tools the run
called, including every state-changing one); if one replays all of them correctly, the
promotion does nothing and says which skill covers them (``--force`` overrides).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .library import SkillLibrary
    from .trajectory.model import Trajectory


def covering_skill(
    lib: SkillLibrary, trajs: list[Trajectory], exclude: str | None = None
) -> tuple[str, int] | None:
    """(name, version) of an existing skill that replays every one of ``trajs``, or None.

    ``exclude`` is the skill being promoted: new runs of the same skill are new evidence
    (its next version is verified against them too), not a duplicate.  Candidates are
    filtered on the cached ``list`` rows, so only plausible skills are loaded and replayed.
    """
    from .verify.replay import replay

    called = {c.name for t in trajs for c in t.tool_calls if not c.is_error}
    changing = {
        c.name for t in trajs for c in t.tool_calls if not c.is_error and not t.is_read_only(c.name)
    }
    if not called:
        return None
    for row in lib.list_skills():
        name, tools = row["name"], set(row["tools"])
        if name == exclude or not tools or not tools <= called or not changing <= tools:
            continue
        source = lib.source(name)
        if all(
            replay(lib.sandbox, source, name, row["parameters"], t, f"<run {t.sha256()[:8]}>").ok
            for t in trajs
        ):
            return name, int(row["version"])
    return None
