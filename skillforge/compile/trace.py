"""The trace compiler: one trajectory to a :class:`~skillforge.compile.ir.Program`.

No model, no network, deterministic.  For each successful tool call, in order, every
argument value is explained by the cheapest true story:

1. it is one of the task's ``inputs``             → a typed keyword-only parameter;
2. it came out of an earlier result               → a reference into that result
   (the whole string, or a JSON path into a JSON-string result);
3. otherwise it is a constant (kept if every trajectory agrees; see ``unify``).

Failed calls are dropped (they are detours), and read-only calls whose results nothing
uses are pruned; calls that change state are always kept, in order.  The skill returns the
result of its last call or, for a read-only task whose final answer quotes one field of
that result, that field.
"""

from __future__ import annotations

import keyword
from typing import Any

from ..errors import CompileError
from ..trajectory.model import Trajectory
from .ir import (
    CallStep,
    Const,
    DictOf,
    Expr,
    ListOf,
    Param,
    ParamSpec,
    Path,
    Program,
    Ref,
    params_in,
)
from .naming import param_name, var_name_for
from .observe import Observation, answer_path, at_path, kept_calls, known_values
from .types import annotation_for, enum_annotation


def distinctive(value: Any) -> bool:
    """Whether a value is specific enough that equality means provenance, not chance."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        return len(value) >= 3
    if isinstance(value, int):
        return abs(value) >= 10
    if isinstance(value, float):
        return not value.is_integer() or abs(value) >= 10
    return isinstance(value, list | dict) and bool(value)


def find_path(haystack: Any, needle: Any, limit: int = 6) -> Path | None:
    """The shortest JSON path at which ``needle`` occurs in ``haystack`` (breadth first)."""
    frontier: list[tuple[Path, Any]] = [((), haystack)]
    for _ in range(limit + 1):
        next_frontier: list[tuple[Path, Any]] = []
        for path, node in frontier:
            if path and node == needle and type(node) is type(needle):
                return path
            if isinstance(node, dict):
                next_frontier.extend((path + (k,), v) for k, v in node.items())
            elif isinstance(node, list):
                last = len(node) - 1
                for i, v in enumerate(node):
                    # "the last element" generalises better than a position in the middle
                    index = -1 if i == last and last > 0 else i
                    next_frontier.append((path + (index,), v))
        frontier = next_frontier
    return None


class TraceCompiler:
    """Compiles one trajectory; :func:`compile_one` is the entry point."""

    def __init__(self, traj: Trajectory, name: str) -> None:
        self.traj = traj
        self.name = name
        self.params: dict[str, ParamSpec] = {}
        self.input_names = {key: param_name(key) for key in traj.inputs}
        self.observations: list[Observation] = []
        self.steps: list[CallStep] = []
        self.taken_vars: set[str] = {"tools", "json", *self.input_names.values()}

    # -- values ------------------------------------------------------------------
    def resolve(self, value: Any, arg: str, tool: str) -> Expr:
        param = self._as_param(value, arg, tool)
        if param is not None:
            return param
        ref = self._as_ref(value)
        if ref is not None:
            return ref
        if isinstance(value, list):
            return ListOf(tuple(self.resolve(v, arg, tool) for v in value))
        if isinstance(value, dict):
            return DictOf(tuple((k, self.resolve(v, k, tool)) for k, v in value.items()))
        return Const(value)

    def _as_param(self, value: Any, arg: str, tool: str) -> Param | None:
        matches = [
            key
            for key, given in self.traj.inputs.items()
            if given == value and type(given) is type(value)
        ]
        if not matches:
            return None
        key = arg if arg in matches else matches[0]
        name = self.input_names[key]
        if name not in self.params:
            self.params[name] = self._param_spec(name, value, arg, tool)
        return Param(name)

    def _param_spec(self, name: str, value: Any, arg: str, tool: str) -> ParamSpec:
        schema = _arg_schema(self.traj, tool, arg)
        annotation = enum_annotation(schema) or annotation_for(value)
        return ParamSpec(
            name=name,
            annotation=annotation,
            description=str(schema.get("description", "")) if schema else "",
            examples=[value],
        )

    def _as_ref(self, value: Any) -> Ref | None:
        if not distinctive(value):
            return None
        for obs in reversed(self.observations):
            if obs.raw == value and type(obs.raw) is type(value):
                return Ref(obs.var)
            if obs.is_json:
                path = find_path(obs.parsed, value)
                if path is not None:
                    return Ref(obs.var, path)
        return None

    # -- calls -------------------------------------------------------------------
    def compile(self) -> Program:
        calls = kept_calls(self.traj)
        if not calls:
            raise CompileError(
                "the trajectory has no successful tool call to compile",
                hint="a skill is made of tool calls; pass a run that called at least one tool",
            )
        for call in calls:
            _require_identifier(call.name)
            args = {key: self.resolve(val, key, call.name) for key, val in call.arguments.items()}
            var = var_name_for(call.name, self.taken_vars)
            self.taken_vars.add(var)
            step = CallStep(call.name, args, var, self.traj.is_read_only(call.name))
            self.steps.append(step)
            self.observations.append(Observation(var, call))
        returns, annotation = self._returns()
        program = Program(
            name=self.name,
            description=describe(self.traj, self.input_names),
            params=self._ordered_params(),
            steps=self.steps,
            returns=returns,
            return_annotation=annotation,
        )
        prune(program)
        return program

    def _returns(self) -> tuple[Expr, str]:
        last = self.observations[-1]
        if last.call.name and self.traj.is_read_only(last.call.name) and last.is_json:
            path = answer_path(last.parsed, self.traj.final_answer, known_values(self.traj))
            if path is not None:
                value = at_path(last.parsed, path)
                return Ref(last.var, path), annotation_for(value)
        return Ref(last.var), annotation_for(last.raw)

    def _ordered_params(self) -> list[ParamSpec]:
        """Parameters in the order the procedure first uses them (how a person reads it)."""
        order: list[str] = []
        for step in self.steps:
            for expr in step.arguments.values():
                order += [p for p in _params_in_order(expr) if p not in order]
        return sorted(self.params.values(), key=lambda p: order.index(p.name))


def _params_in_order(expr: Expr) -> list[str]:
    if isinstance(expr, Param):
        return [expr.name]
    if isinstance(expr, ListOf):
        return [p for item in expr.items for p in _params_in_order(item)]
    if isinstance(expr, DictOf):
        return [p for _, item in expr.items for p in _params_in_order(item)]
    return []


def prune(program: Program) -> None:
    """Drop read-only calls whose results nothing uses (iterated: pruning frees others)."""
    while True:
        used = program.used_vars()
        dead = [s for s in program.steps if s.read_only and s.var not in used]
        if not dead:
            break
        program.steps = [s for s in program.steps if s not in dead]
    used = program.used_vars()
    for step in program.steps:
        if step.var not in used:
            step.var = None
    parsed = set()
    for step in program.steps:
        for expr in step.arguments.values():
            parsed |= _parsed_vars(expr)
    if program.returns is not None:
        parsed |= _parsed_vars(program.returns)
    for step in program.steps:
        step.parsed = step.var in parsed
    live_params = set()
    for step in program.steps:
        for expr in step.arguments.values():
            live_params |= params_in(expr)
    program.params = [p for p in program.params if p.name in live_params]


def _parsed_vars(expr: Expr) -> set[str]:
    if isinstance(expr, Ref):
        return {expr.var} if expr.path else set()
    if isinstance(expr, ListOf):
        return set().union(set(), *(_parsed_vars(e) for e in expr.items))
    if isinstance(expr, DictOf):
        return set().union(set(), *(_parsed_vars(e) for _, e in expr.items))
    return set()


def _arg_schema(traj: Trajectory, tool: str, arg: str) -> dict[str, Any]:
    spec = traj.tool_spec(tool)
    if spec is None:
        return {}
    props = spec.parameters.get("properties", {})
    schema = props.get(arg) if isinstance(props, dict) else None
    return schema if isinstance(schema, dict) else {}


def describe(traj: Trajectory, input_names: dict[str, str]) -> str:
    """The task text with each input value replaced by its parameter name in backticks."""
    text = " ".join((traj.task or "").split())
    for key, value in sorted(traj.inputs.items(), key=lambda kv: -len(str(kv[1]))):
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value):
            text = text.replace(str(value), f"`{input_names[key]}`")
    return (
        text or f"Run the {traj.tool_calls[0].name if traj.tool_calls else 'recorded'} procedure."
    )


def _require_identifier(tool: str) -> None:
    if not tool.isidentifier() or keyword.iskeyword(tool):
        raise CompileError(
            f"tool name {tool!r} is not a Python identifier, so a skill cannot call it",
            field="tool_calls.name",
            hint="rename the tool (letters, digits, _) in the trajectory and its tool spec",
        )


def compile_one(traj: Trajectory, name: str) -> Program:
    return TraceCompiler(traj, name).compile()
