"""Replay: run a skill in the sandbox against what really happened.

Each source trajectory becomes a set of recorded tools: a call with the same name and
arguments as a recorded successful call gets that call's recorded result; anything else is
an unrecorded call, which fails the replay with the call named.  The replay passes when
the calls that change state (name and arguments, in order) and the return value match the
trajectory.  Read-only calls may differ in order or be skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..compile.naming import param_name
from ..compile.observe import effective_inputs, expected_result, kept_calls, secret_params
from ..trajectory.model import Trajectory

if TYPE_CHECKING:
    from sandbox import Sandbox


def _key(name: str, arguments: dict[str, Any]) -> str:
    return name + json.dumps(arguments, sort_keys=True, default=str)


class UnrecordedCall(LookupError):
    """The skill asked for an observation the trajectory does not have."""


def recorded_tools(traj: Trajectory) -> dict[str, Callable[..., Any]]:
    """Host callables answering from the trajectory's observations, in recorded order."""
    answers: dict[str, list[Any]] = {}
    for call in kept_calls(traj):
        answers.setdefault(_key(call.name, call.arguments), []).append(call.result)
    names = {c.name for c in traj.tool_calls} | {spec.name for spec in traj.tools}

    def make(name: str) -> Callable[..., Any]:
        served: dict[str, int] = {}

        def tool(**arguments: Any) -> Any:
            key = _key(name, arguments)
            results = answers.get(key)
            if not results:
                raise UnrecordedCall(
                    f"{name}({json.dumps(arguments, sort_keys=True)}) was never observed"
                )
            index = min(served.get(key, 0), len(results) - 1)
            served[key] = index + 1
            return results[index]

        return tool

    return {name: make(name) for name in names}


@dataclass
class ReplayOutcome:
    source: str
    ok: bool
    problems: list[str] = field(default_factory=list)
    value: Any = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "ok": self.ok, "problems": self.problems}


def inputs_for(traj: Trajectory, params: list[str]) -> dict[str, Any]:
    """The trajectory's inputs as keyword arguments of the skill's parameters; a secret the
    caller supplies gets the placeholder the run recorded in its place."""
    by_param = {name: placeholder for placeholder, name in secret_params(traj).items()}
    by_param.update({param_name(key): value for key, value in effective_inputs(traj).items()})
    return {name: by_param[name] for name in params if name in by_param}


def replay(
    box: Sandbox, source: str, name: str, params: list[str], traj: Trajectory, label: str
) -> ReplayOutcome:
    result = box.run(
        source, entry=name, kwargs=inputs_for(traj, params), tools=recorded_tools(traj)
    )
    outcome = ReplayOutcome(label, False, value=result.value, tool_calls=list(result.tool_calls))
    if not result.ok:
        outcome.problems.append(f"the skill failed: {result.error}: {result.message}")
        return outcome
    expected = [(c.name, c.arguments) for c in kept_calls(traj) if not traj.is_read_only(c.name)]
    actual = [
        (c["name"], c["arguments"])
        for c in result.tool_calls
        if not traj.is_read_only(c["name"]) and not c.get("error")
    ]
    if actual != expected:
        outcome.problems.append(
            "state-changing calls differ: expected "
            f"{_show(expected)}, the skill made {_show(actual)}"
        )
    want = expected_result(traj)
    if result.value != want:
        outcome.problems.append(
            f"returned {_short(result.value)}, the trajectory's result was {_short(want)}"
        )
    outcome.ok = not outcome.problems
    return outcome


def _show(calls: list[tuple[str, dict[str, Any]]]) -> str:
    if not calls:
        return "none"
    return "; ".join(f"{n}({_short(a)})" for n, a in calls)


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_trace_source(
    source: str, name: str, trajectories: list[Trajectory], labels: list[str]
) -> bool:
    """Whether ``source`` is exactly what the trace compiler makes of these runs."""
    from ..compile import compile_trace
    from ..errors import SkillforgeError

    try:
        return compile_trace(trajectories, name, labels).source == source
    except SkillforgeError:
        return False


def leave_one_out(
    box: Sandbox, name: str, trajectories: list[Trajectory], labels: list[str]
) -> dict[str, Any]:
    """How well the trace compiler generalises here: compiled from all runs but one, does
    the skill replay the held-out run?  (Meaningful with 3 or more runs.)"""
    from ..compile import compile_trace
    from ..errors import SkillforgeError
    from .static import check

    held_out = []
    for index, (traj, label) in enumerate(zip(trajectories, labels, strict=True)):
        others = trajectories[:index] + trajectories[index + 1 :]
        other_labels = labels[:index] + labels[index + 1 :]
        try:
            draft = compile_trace(others, name, other_labels)
        except SkillforgeError as exc:
            held_out.append({"source": label, "ok": False, "problems": [exc.one_line()]})
            continue
        params = [p[0] for p in check(draft.source, name, set()).facts.params]
        held_out.append(replay(box, draft.source, name, params, traj, label).as_dict())
    passed = sum(1 for outcome in held_out if outcome["ok"])
    return {
        "score": round(passed / len(held_out), 3),
        "summary": f"leave-one-out {passed}/{len(held_out)}",
        "held_out": held_out,
    }
