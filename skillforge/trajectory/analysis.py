"""What a reader of a trajectory wants to know at a glance: retries and liftable values.

``inspect`` shows these so a user can predict what the compiler will do before promoting:

* a **retry** is a call of the same tool after a failed call of it, with no successful call
  of that tool in between (the failed attempt is kept in the model, marked ``is_error``);
* a **lifted value** is an input value found in call arguments (exactly, or inside a
  longer string), or failing that a literal argument that also appears in the task text:
  the compiler turns those into parameters instead of hard-coding them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import ToolCall, Trajectory

#: An input counts as found inside a longer string from this length on (inspect and the
#: trace compiler's f-strings use the same rule).
MIN_SUBSTRING = 3


@dataclass
class Use:
    """One place a lifted value appears: the call and the argument path inside it."""

    step: int
    call_id: str
    tool: str
    argument: str
    exact: bool


@dataclass
class Lift:
    """A value the compiler would make a parameter, and where it is used."""

    name: str
    value: Any
    source: str  # "input" or "task"
    uses: list[Use] = field(default_factory=list)


def retries(traj: Trajectory) -> dict[str, str]:
    """Call id -> id of the failed call it retries."""
    out: dict[str, str] = {}
    failed: dict[str, ToolCall] = {}
    for call in traj.tool_calls:
        previous = failed.pop(call.name, None)
        if previous is not None:
            out[call.id] = previous.id
        if call.is_error:
            failed[call.name] = call
    return out


def lifted(traj: Trajectory) -> list[Lift]:
    """Inputs used in arguments, then task-text literals used in arguments."""
    lifts: list[Lift] = []
    taken: set[str] = set()
    for name, value in traj.inputs.items():
        lift = Lift(name, value, "input", _uses(traj, value))
        lifts.append(lift)
        if isinstance(value, str):
            taken.add(value)
    if not traj.task:
        return lifts
    # literals of successful calls (failed ones are pruned by compilers) found in the task,
    # longest first so "#W1" wins over the "W1" it contains
    candidates: dict[str, str] = {}
    for _, call in _calls(traj):
        if call.is_error:
            continue
        for path, leaf in _leaves(call.arguments):
            if (isinstance(leaf, str) and len(leaf) >= MIN_SUBSTRING and leaf in traj.task
                    and not leaf.startswith("<REDACTED:")):
                candidates.setdefault(leaf, path.split(".")[-1].split("[")[0] or "value")
    names = {lift.name for lift in lifts}
    for leaf in sorted(candidates, key=len, reverse=True):
        if any(leaf in other for other in taken):
            continue
        taken.add(leaf)
        name, n = candidates[leaf], 2
        while name in names:
            name, n = f"{candidates[leaf]}_{n}", n + 1
        names.add(name)
        lifts.append(Lift(name, leaf, "task", _uses(traj, leaf)))
    return lifts


def _calls(traj: Trajectory) -> list[tuple[int, ToolCall]]:
    return [(i, s) for i, s in enumerate(traj.steps, 1) if isinstance(s, ToolCall)]


def _uses(traj: Trajectory, value: Any) -> list[Use]:
    uses = []
    for index, call in _calls(traj):
        for path, leaf in _leaves(call.arguments):
            if _same(leaf, value):
                uses.append(Use(index, call.id, call.name, path, True))
            elif (isinstance(value, str) and isinstance(leaf, str)
                  and len(value) >= MIN_SUBSTRING and value in leaf):
                uses.append(Use(index, call.id, call.name, path, False))
    return uses


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b and not isinstance(a, dict | list)


def _leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """(path, scalar) pairs of a JSON value: ``order_id``, ``items[0].id``."""
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            out.extend(_leaves(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list):
        out = []
        for n, item in enumerate(value):
            out.extend(_leaves(item, f"{path}[{n}]"))
        return out
    return [(path, value)]


def summary(traj: Trajectory, *, result_chars: int | None = 200) -> dict[str, Any]:
    """A JSON-ready view of one trajectory: the model plus retries and lifts."""
    retried = retries(traj)
    step_of = {s.id: i for i, s in enumerate(traj.steps, 1) if isinstance(s, ToolCall)}
    steps: list[dict[str, Any]] = []
    for index, step in enumerate(traj.steps, 1):
        if isinstance(step, ToolCall):
            steps.append({
                "step": index, "type": "tool_call", "id": step.id, "name": step.name,
                "arguments": step.arguments, "result": _clip(step.result, result_chars),
                "is_error": step.is_error, "retry_of": retried.get(step.id),
                "retry_of_step": step_of.get(retried.get(step.id, "")),
                "read_only": traj.is_read_only(step.name),
            })
        else:
            steps.append({"step": index, "type": "message", "role": step.role,
                          "content": _clip(step.content, result_chars)})
    return {
        "source_format": traj.source_format,
        "task": traj.task,
        "inputs": traj.inputs,
        "tools": [t.name for t in traj.tools],
        "outcome": traj.outcome,
        "final_answer": traj.final_answer,
        "steps": steps,
        "calls": len(traj.tool_calls),
        "errors": sum(1 for c in traj.tool_calls if c.is_error),
        "state_changing": sum(1 for c in traj.tool_calls if not traj.is_read_only(c.name)),
        "retries": len(retried),
        "parameters": [
            {"name": lift.name, "value": lift.value, "source": lift.source,
             "uses": [u.__dict__ for u in lift.uses]}
            for lift in lifted(traj)
        ],
        "sha256": traj.sha256(),
    }


def _clip(value: Any, limit: int | None) -> Any:
    if limit is None or not isinstance(value, str) or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"
