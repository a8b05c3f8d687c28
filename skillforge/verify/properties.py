"""Property verification (hypothesis): the skill behaves on inputs and observations it has
never seen, not only on the recorded ones.

Inputs are drawn from the parameter annotations (mixing recorded values in, so lookups
sometimes succeed and the code past them runs); every tool answers from a queue of results
drawn from the *shape* of what it returned in the recordings: same keys and types, values
swapped for other recorded values or fresh ones, lists resized, and now and then an
``"Error: ..."`` result.  For each example the skill runs twice in the sandbox and must

* finish within the sandbox limits (no timeout, memory or crash);
* call only the tools it declares;
* behave deterministically: same value or error, same calls, on equal inputs and answers;
* fail, if it fails, only with a ``SkillError`` that says something (not a ``KeyError``).

Bounded on purpose (a handful of examples, no shrinking, derandomized) so promotion stays
fast and its verdict reproducible.
"""

from __future__ import annotations

import ast
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..compile.observe import Observation, effective_inputs, kept_calls, secret_params
from ..trajectory.model import Trajectory

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from sandbox import Sandbox

EXAMPLES = 5
ANSWERS_PER_TOOL = 4
BAD_EXITS = {"Timeout", "MemoryLimit", "OutputLimit", "CrashedWorker"}


@dataclass
class PropertyReport:
    ok: bool
    examples: int
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "examples": self.examples, "problems": self.problems}


def check_properties(
    box: Sandbox,
    source: str,
    name: str,
    params: list[tuple[str, str, bool]],
    tools: list[str],
    trajectories: list[Trajectory],
    examples: int = EXAMPLES,
) -> PropertyReport:
    """Run the bounded property checks; the report lists the first problem found."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    recorded = _recorded_inputs(trajectories)
    inputs = st.fixed_dictionaries(
        {p: _for_annotation(ann, recorded.get(p, [])) for p, ann, req in params if req},
        optional={
            p: _for_annotation(ann, recorded.get(p, [])) for p, ann, req in params if not req
        },
    )
    results = _recorded_results(trajectories)
    answers = st.fixed_dictionaries(
        {
            tool: st.lists(_answer(results.get(tool, [])), min_size=1, max_size=ANSWERS_PER_TOOL)
            for tool in tools
        }
    )
    problems: list[str] = []
    ran = 0

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(kwargs=inputs, queues=answers)
    def prop(kwargs: dict[str, Any], queues: dict[str, list[Any]]) -> None:
        nonlocal ran
        ran += 1
        first = box.run(source, entry=name, kwargs=kwargs, tools=_answering(queues))
        second = box.run(source, entry=name, kwargs=kwargs, tools=_answering(queues))
        problem = _judge(first, second, set(tools))
        if problem:
            problems.append(f"{problem} (inputs {_short(kwargs)})")
            raise AssertionError(problem)

    with contextlib.suppress(AssertionError):  # the problem is recorded in ``problems``
        prop()
    return PropertyReport(not problems, ran, problems[:1])


def _judge(first: Any, second: Any, declared: set[str]) -> str | None:
    if first.error in BAD_EXITS:
        return f"did not finish within the limits: {first.error}: {first.message}"
    undeclared = sorted({c["name"] for c in first.tool_calls} - declared)
    if undeclared:
        return f"called undeclared tools {undeclared}"
    once = (first.ok, first.value, first.error, first.message, _calls(first))
    again = (second.ok, second.value, second.error, second.message, _calls(second))
    if once != again:
        return "not deterministic: two runs on the same inputs and answers differ"
    if not first.ok and (first.error != "SkillError" or not first.message.strip()):
        return f"failed with {first.error}: {first.message} instead of a clear SkillError"
    return None


def _calls(result: Any) -> str:
    return json.dumps([(c["name"], c.get("arguments")) for c in result.tool_calls], default=str)


def _answering(queues: dict[str, list[Any]]) -> dict[str, Callable[..., Any]]:
    """Host tools that answer from their queue in turn (cycling), whatever the arguments."""

    def make(answers: list[Any]) -> Callable[..., Any]:
        position = [0]

        def tool(**_: Any) -> Any:
            answer = answers[position[0] % len(answers)]
            position[0] += 1
            return answer

        return tool

    return {tool: make(answers) for tool, answers in queues.items()}


# -- strategies ------------------------------------------------------------------------


def _recorded_inputs(trajectories: list[Trajectory]) -> dict[str, list[Any]]:
    from ..compile.naming import param_name

    out: dict[str, list[Any]] = {}
    for traj in trajectories:
        for key, value in effective_inputs(traj).items():
            out.setdefault(param_name(key), []).append(value)
        for placeholder, name in secret_params(traj).items():
            out.setdefault(name, []).append(placeholder)
    return out


def _recorded_results(trajectories: list[Trajectory]) -> dict[str, list[Observation]]:
    out: dict[str, list[Observation]] = {}
    for traj in trajectories:
        for call in kept_calls(traj):
            out.setdefault(call.name, []).append(Observation(call.name, call))
    return out


def _for_annotation(annotation: str, seen: list[Any]) -> SearchStrategy[Any]:
    """Values for a parameter: recorded ones half the time, else drawn from its type."""
    from hypothesis import strategies as st

    drawn = _from_type(ast.parse(annotation, mode="eval").body)
    if not seen:
        return drawn
    return st.one_of(st.sampled_from(seen), drawn)


def _from_type(node: ast.expr) -> SearchStrategy[Any]:
    from hypothesis import strategies as st

    text = st.text(alphabet="abcdefghij-_#@. 0123456789", max_size=12)
    if isinstance(node, ast.BinOp):  # X | None
        return st.one_of(_from_type(node.left), _from_type(node.right))
    if isinstance(node, ast.Constant):
        return st.none() if node.value is None else st.just(node.value)
    if isinstance(node, ast.Name):
        simple: dict[str, SearchStrategy[Any]] = {
            "str": text,
            "int": st.integers(-5, 10_000),
            "float": st.floats(-1e6, 1e6, allow_nan=False),
            "bool": st.booleans(),
            "None": st.none(),
        }
        return simple.get(node.id, st.one_of(text, st.integers(0, 100)))
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        kind, inner = node.value.id, node.slice
        if kind == "Literal":
            values = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return st.sampled_from([ast.literal_eval(v) for v in values])
        if kind == "list":
            return st.lists(_from_type(inner), max_size=4)
        if kind == "dict" and isinstance(inner, ast.Tuple) and len(inner.elts) == 2:
            return st.dictionaries(text, _from_type(inner.elts[1]), max_size=3)
    return st.one_of(text, st.integers(0, 100))


def _answer(recorded: list[Observation]) -> SearchStrategy[Any]:
    """A result shaped like the recorded ones, a recorded one, or an error report."""
    from hypothesis import strategies as st

    errors = st.sampled_from(["Error: not found", "Error: invalid request"])
    if not recorded:
        return st.one_of(st.just("ok"), errors)
    pool = _value_pool([o.parsed if o.is_json else o.raw for o in recorded])
    choices = [st.sampled_from([o.raw for o in recorded]), errors]
    for obs in recorded:
        if obs.is_json:
            shaped = _shaped(obs.parsed, pool)
            if isinstance(obs.raw, str):
                shaped = shaped.map(lambda v: json.dumps(v, sort_keys=True))
            choices.append(shaped)
        elif isinstance(obs.raw, str):
            choices.append(st.sampled_from(sorted(pool.get("str", {obs.raw}))))
    return st.one_of(*choices)


def _value_pool(values: list[Any]) -> dict[str, set[Any]]:
    """Every scalar seen in the recorded results, by type: values a mutated answer reuses."""
    pool: dict[str, set[Any]] = {}

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)
        elif node is not None:
            pool.setdefault(type(node).__name__, set()).add(node)

    for value in values:
        visit(value)
    return pool


def _shaped(value: Any, pool: dict[str, set[Any]]) -> SearchStrategy[Any]:
    """Same keys and types as ``value``; lists keep 1..n+1 elements shaped like theirs."""
    from hypothesis import strategies as st

    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _shaped(v, pool) for k, v in value.items()})
    if isinstance(value, list):
        if not value:
            return st.just([])
        element = st.one_of(*[_shaped(v, pool) for v in value[:3]])
        return st.lists(element, min_size=1, max_size=len(value) + 1)
    if isinstance(value, bool) or value is None:
        return st.just(value)
    same = sorted(pool.get(type(value).__name__, {value}), key=repr)
    return st.sampled_from(same)


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_stored_properties(skill_dir: Path) -> None:
    """The property checks for a skill folder (its generated pytest file calls this)."""
    import pytest

    from ..library import shared_sandbox
    from ..trajectory import load
    from .static import check

    manifest = json.loads((skill_dir / "skill.json").read_text())
    recorded = manifest.get("verification", {}).get("properties", {})
    if not recorded.get("gating", True) and not recorded.get("ok", True):
        pytest.skip("the properties were advisory for this skill and did not hold at promotion")
    source = (skill_dir / "skill.py").read_text()
    trajs = [t for p in sorted((skill_dir / "trajectories").glob("*.json")) for t in load(p)]
    facts = check(source, manifest["name"], set(manifest["tools"])).facts
    report = check_properties(
        shared_sandbox(), source, manifest["name"], facts.params, facts.tools, trajs
    )
    assert report.ok, "; ".join(report.problems)
