"""Verification: a draft becomes a skill only if it passes static checks, replay and the
bounded property checks; with 3 or more runs, a leave-one-out generalization score is
recorded too (``extra["generalization"]``, in the manifest's ``verification``).

The verifier recomputes every fact it reports from the source itself (which tools are
called, the parameters, the return annotation), so a compiler, including a model, cannot
claim more than the code does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..trajectory.model import Trajectory
from .static import SkillFacts, check

if TYPE_CHECKING:
    from sandbox import Sandbox


@dataclass
class VerificationReport:
    ok: bool
    static: list[str]
    replays: list[dict[str, Any]]
    facts: SkillFacts
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        passed = sum(1 for r in self.replays if r["ok"])
        if self.static:
            return f"static checks failed ({len(self.static)} problems)"
        if not self.ok and not self.extra.get("properties", {}).get("ok", True):
            return f"replay {passed}/{len(self.replays)}, properties failed"
        return f"replay {passed}/{len(self.replays)}"

    def problems(self) -> list[str]:
        out = list(self.static)
        for r in self.replays:
            out += [f"{r['source']}: {p}" for p in r["problems"]]
        properties = self.extra.get("properties", {})
        if properties.get("gating"):
            out += [f"property: {p}" for p in properties.get("problems", [])]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "static": self.static or "passed",
            "replay": self.replays,
            "summary": self.summary(),
            **self.extra,
        }


def declared_tools(trajectories: list[Trajectory]) -> set[str]:
    return {c.name for t in trajectories for c in t.tool_calls} | {
        s.name for t in trajectories for s in t.tools
    }


def verify(
    box: Sandbox,
    source: str,
    name: str,
    trajectories: list[Trajectory],
    labels: list[str],
) -> VerificationReport:
    from .replay import replay

    static = check(source, name, declared_tools(trajectories))
    if not static.ok:
        return VerificationReport(False, static.problems, [], static.facts)
    params = [p[0] for p in static.facts.params]
    outcomes = [
        replay(box, source, name, params, traj, label).as_dict()
        for traj, label in zip(trajectories, labels, strict=True)
    ]
    ok = all(o["ok"] for o in outcomes)
    extra: dict[str, Any] = {}
    if ok:
        from .properties import check_properties
        from .replay import is_trace_source, leave_one_out

        facts = static.facts
        properties = check_properties(box, source, name, facts.params, facts.tools, trajectories)
        # Properties gate the trace compiler's skills; for other sources (LLM-written) they
        # are recorded but advisory until the repair loop learns to act on them.
        trace = is_trace_source(source, name, trajectories, labels)
        extra["properties"] = {**properties.as_dict(), "gating": trace}
        ok = properties.ok or not trace
        if trace and len(trajectories) >= 3:
            extra["generalization"] = leave_one_out(box, name, trajectories, labels)
    return VerificationReport(ok, [], outcomes, static.facts, extra)


__all__ = ["VerificationReport", "check", "declared_tools", "verify"]
