"""Guards: checks the agent made by looking, compiled into checks the skill makes.

An agent that looks up the customer by email and then reads the order has, implicitly,
verified that the order is that customer's (``order["user_id"]`` equals the lookup's
result) before cancelling it.  Pruning the lookup because no argument uses its result
would silently drop that check (and leave ``email`` an ignored input), so the skill could
cancel anybody's order.  We keep it as ``if order["user_id"] != user_id: raise ...``.

To avoid guards that record coincidences, a candidate must be

* a lookup whose arguments are all skill inputs and whose result is a distinctive scalar
  (an id) that nothing else uses;
* compared with a field of a later JSON result whose key names the same thing (``user_id``)
  and which was not fetched *by* that value (that equality would hold by construction);
* observed in every run (``compile_trace`` keeps only guards all runs agree on).
"""

from __future__ import annotations

from typing import Any

from .ir import CallStep, Guard, Param, Ref, Step
from .observe import Observation

GuardKey = tuple[str, str, tuple[str | int, ...]]


def guard_candidates(
    steps: list[CallStep], observations: list[Observation], unused: set[str]
) -> list[tuple[GuardKey, int, Guard]]:
    """(key, index of the step the guard follows, guard) for each candidate."""
    by_var = {obs.var: obs for obs in observations}
    found: list[tuple[GuardKey, int, Guard]] = []
    for i, lookup in enumerate(steps):
        obs = by_var.get(lookup.var or "")
        if (
            obs is None
            or lookup.var not in unused
            or not lookup.read_only
            or not isinstance(obs.raw, str)
            or len(obs.raw) < 3
            or obs.is_json
            or not all(isinstance(e, Param) for e in lookup.arguments.values())
        ):
            continue
        for j in range(i + 1, len(steps)):
            later = steps[j]
            seen = by_var.get(later.var or "")
            if (
                seen is None
                or not later.read_only
                or not seen.is_json
                or not isinstance(seen.parsed, dict)
            ):
                continue
            if obs.raw in _flat_values(seen.call.arguments):
                continue
            for key, value in seen.parsed.items():
                if value == obs.raw and (key == lookup.var or key in lookup.tool):
                    guard = Guard(
                        left=Ref(seen.var, (key,)),
                        right=Ref(obs.var),
                        subject=_subject(later),
                        key=next(iter(later.arguments.values()), None),
                        source=lookup.tool,
                    )
                    found.append(((obs.var, later.tool, (key,)), j, guard))
                    break
    return found


def insert_guards(
    steps: list[Step], guards: list[tuple[GuardKey, int, Guard]], allowed: set[GuardKey]
) -> list[Step]:
    """``steps`` with each allowed guard placed right after the result it checks."""
    after: dict[int, list[Guard]] = {}
    for key, index, guard in guards:
        if key in allowed:
            after.setdefault(index, []).append(guard)
    out: list[Step] = []
    for i, step in enumerate(steps):
        out.append(step)
        out.extend(after.get(i, []))
    return out


def _flat_values(arguments: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for value in arguments.values():
        out.extend(value if isinstance(value, list) else [value])
    return out


def _subject(step: CallStep) -> str:
    """``get_order_details`` → ``order``: what the checked result describes."""
    words = step.tool.split("_")
    words = [w for w in words[1:] if w not in ("details", "info", "by")] or words
    return " ".join(words[:2])
