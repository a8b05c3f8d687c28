"""The trace compiler: one trajectory to a :class:`~skillforge.compile.ir.Program`.

No model, no network, deterministic.  For each successful tool call, in order, every
argument value is explained by the cheapest true story:

1. it is one of the task's inputs (or, for a run that declares none, quoted in the task
   text), or an element of a list input        → a typed keyword-only parameter;
2. it came out of an earlier result             → a reference into that result: the whole
   string, or a JSON path where every list position / id key that the data can explain
   becomes a pick ("the item whose name equals ``item_name``", see ``selection``);
3. otherwise it is a constant (kept if every trajectory agrees; see ``unify``).

Then unrolled work over a list input folds into loops (``loops``), observed ownership
checks become guards (``guards``), failed calls are dropped (they are detours) and
read-only calls whose results nothing uses are pruned; calls that change state are always
kept, in order.  The skill returns the result of its last call or, for a read-only task
whose final answer quotes one field of that result, that field.
"""

from __future__ import annotations

import copy
import keyword
import re
from typing import Any

from ..errors import CompileError
from ..trajectory.analysis import MIN_SUBSTRING
from ..trajectory.model import Trajectory
from .guards import GuardKey, guard_candidates, insert_guards
from .ir import (
    CallStep,
    Const,
    DictOf,
    Elem,
    Expr,
    Format,
    ListOf,
    Param,
    ParamSpec,
    Path,
    Pick,
    Program,
    Ref,
    params_in,
    walk,
)
from .loops import fold_expr, fold_steps, transform
from .naming import param_name, var_name_for
from .observe import (
    SECRET,
    Observation,
    answer_path,
    at_path,
    effective_inputs,
    kept_calls,
    known_values,
    secret_params,
)
from .selection import Selector
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
    """Compiles one trajectory; :func:`compile_one` is the entry point.

    ``allowed_guards`` limits the observed equalities compiled into guards to those every
    run agrees on (``None``: all candidates, used to collect them).
    """

    def __init__(
        self, traj: Trajectory, name: str, allowed_guards: set[GuardKey] | None = None
    ) -> None:
        self.traj = traj
        self.name = name
        self.allowed_guards = allowed_guards
        self.guard_keys: set[GuardKey] = set()
        self.params: dict[str, ParamSpec] = {}
        self.inputs = effective_inputs(traj)
        self.input_names = {key: param_name(key) for key in self.inputs}
        self.observations: list[Observation] = []
        self.steps: list[CallStep] = []
        self.secrets = secret_params(traj)
        self.taken_vars: set[str] = {
            "tools",
            "json",
            *self.input_names.values(),
            *self.secrets.values(),
        }
        dict_inputs = {
            self.input_names[k]: v for k, v in self.inputs.items() if isinstance(v, dict)
        }
        self.selector = Selector(self._match, dict_inputs)
        self._where: tuple[str, str] = ("", "")
        self._picking = False  # matching a field of a result, not the argument itself

    # -- values ------------------------------------------------------------------
    def resolve(self, value: Any, arg: str, tool: str, position: int | None = None) -> Expr:
        self._where = (arg, tool)
        param = self._as_param(value, position)
        if param is not None:
            return param
        ref = self._as_ref(value, position)
        if ref is not None:
            return ref
        if isinstance(value, str):
            text = self._as_text(value)
            if text is not None:
                return text
        if isinstance(value, list):
            return ListOf(tuple(self.resolve(v, arg, tool, i) for i, v in enumerate(value)))
        if isinstance(value, dict):
            return DictOf(tuple((k, self.resolve(v, k, tool, position)) for k, v in value.items()))
        return Const(value)

    def _match(self, value: Any, position: int | None) -> Expr | None:
        """A parameter that a field of a result equals (what a pick selects by)."""
        self._picking = True
        try:
            return self._as_param(value, position)
        finally:
            self._picking = False

    def _as_param(self, value: Any, position: int | None) -> Param | Elem | None:
        """An input equal to ``value``, or an element of a list input (``Elem``): the one at
        ``position`` when that fits (the k-th element of a list argument or call run)."""
        arg, tool = self._where
        matches = [k for k, given in self.inputs.items() if _same(given, value)]
        if matches:
            key = arg if arg in matches else matches[0]
            self._register(key, arg, tool)
            return Param(self.input_names[key])
        for key, given in self.inputs.items():
            if not isinstance(given, list) or isinstance(value, list):
                continue
            hits = [i for i, item in enumerate(given) if _same(item, value)]
            if hits:
                self._register(key, arg, tool)
                index = position if position in hits else hits[0]
                return Elem(self.input_names[key], index)
        return None

    def _as_text(self, value: str) -> Param | Format | None:
        """A redacted secret that is no input (a parameter the caller supplies), or a string
        with inputs or such secrets inside it: ``f"Bearer {api_token}"``."""
        if value in self.secrets:
            return self._secret(value)
        pieces: dict[str, Param] = {}
        for key, given in self.inputs.items():
            inside = isinstance(given, str) and len(given) >= MIN_SUBSTRING and given in value
            if inside and given not in pieces:
                self._register(key, *self._where, inside=True)
                pieces[given] = Param(self.input_names[key])
        for placeholder in SECRET.findall(value):
            if placeholder in self.secrets:
                pieces[placeholder] = self._secret(placeholder)
        if not pieces:
            return None
        pattern = "|".join(re.escape(p) for p in sorted(pieces, key=len, reverse=True))
        parts: list[str | Expr] = []
        for n, chunk in enumerate(re.split(f"({pattern})", value)):
            if n % 2:
                parts.append(pieces[chunk])
            elif chunk:
                parts.append(chunk)
        return Format(tuple(parts), value)

    def _secret(self, placeholder: str) -> Param:
        name = self.secrets[placeholder]
        if name not in self.params:
            kind = placeholder[len("<REDACTED:") : -1]
            what = "A secret" if kind == "secret" else f"A secret ({kind})"
            self.params[name] = ParamSpec(
                name=name,
                annotation="str",
                description=f"{what} the caller must supply; the recorded runs had it redacted.",
            )
        return Param(name)

    def _register(self, key: str, arg: str, tool: str, inside: bool = False) -> None:
        name = self.input_names[key]
        if name not in self.params:
            whole = not (inside or self._picking)  # the parameter is the argument itself
            self.params[name] = self._param_spec(name, self.inputs[key], arg, tool, whole)

    def _param_spec(
        self, name: str, value: Any, arg: str, tool: str, whole: bool = True
    ) -> ParamSpec:
        """A parameter's type, and the argument's description when the parameter is that
        whole argument: not text inside it, nor a field of a result that selects what the
        argument is taken from (``item_name`` picks the item whose id is the argument)."""
        schema = _arg_schema(self.traj, tool, arg) if whole else {}
        annotation = enum_annotation(schema) or annotation_for(value)
        if isinstance(value, list) and schema.get("type") != "array":
            schema = {}
        description = str(schema.get("description", "")) if schema else ""
        if isinstance(value, str) and SECRET.fullmatch(value):  # an input that is a secret
            return ParamSpec(
                name=name,
                annotation=annotation,
                description=description or "A secret the caller must supply.",
            )
        return ParamSpec(
            name=name, annotation=annotation, description=description, examples=[value]
        )

    def _as_ref(self, value: Any, position: int | None) -> Expr | None:
        """The earliest observation holding ``value`` (where the agent learned it), unless
        only a later one explains it in a way that generalises (a pick, not an id key)."""
        if not distinctive(value):
            return None
        fallback: tuple[Expr, Any] | None = None
        for obs in self.observations:
            if obs.raw == value and type(obs.raw) is type(value):
                return Ref(obs.var)
            if not obs.is_json:
                continue
            path = find_path(obs.parsed, value)
            if path is None:
                continue
            before = self.selector.snapshot()
            expr = self.selector.explain(Ref(obs.var), obs.parsed, path, position)
            if not self.selector.fragile:
                return expr
            if fallback is None:
                fallback = (expr, self.selector.snapshot())
            self.selector.restore(before)
        if fallback is not None:
            self.selector.restore(fallback[1])
            return fallback[0]
        return None

    # -- calls -------------------------------------------------------------------
    def compile(self) -> Program:
        calls = kept_calls(self.traj)
        if not calls:
            raise CompileError(
                "the trajectory has no successful tool call to compile",
                hint="a skill is made of tool calls; pass a run that called at least one tool",
            )
        run = 0
        for n, call in enumerate(calls):
            _require_identifier(call.name)
            run = run + 1 if n and calls[n - 1].name == call.name else 0
            args = {
                key: self.resolve(val, key, call.name, run) for key, val in call.arguments.items()
            }
            var = var_name_for(call.name, self.taken_vars)
            self.taken_vars.add(var)
            step = CallStep(call.name, args, var, self.traj.is_read_only(call.name))
            self.steps.append(step)
            self.observations.append(Observation(var, call))
        returns, annotation = self._returns()
        lengths = {
            self.input_names[k]: len(v) for k, v in self.inputs.items() if isinstance(v, list)
        }
        for step in self.steps:
            step.arguments = {k: fold_expr(e, lengths) for k, e in step.arguments.items()}
        program = Program(
            name=self.name,
            description=describe(self.traj, self.inputs, self.input_names),
            params=self._ordered_params(),
            steps=list(self.steps),
            returns=returns,
            return_annotation=annotation,
        )
        self._add_guards(program)
        prune(program)  # before folding: an unused read between two calls breaks a run
        program.steps, renames = fold_steps(program.steps, lengths, program.used_vars())
        if renames and program.returns is not None:
            program.returns = transform(
                program.returns,
                lambda e: (
                    Ref(renames[e.var], e.path) if isinstance(e, Ref) and e.var in renames else None
                ),
            )
        prune(program)
        return program

    def _add_guards(self, program: Program) -> None:
        trial = copy.deepcopy(program)
        prune(trial)
        kept = {s.var for s in trial.calls()} | trial.used_vars()
        unused = {s.var for s in self.steps if s.var and s.var not in kept}
        found = guard_candidates(self.steps, self.observations, unused)
        self.guard_keys = {key for key, _, _ in found}
        allowed = self.guard_keys if self.allowed_guards is None else self.allowed_guards
        if not found:
            return
        program.steps = insert_guards(list(program.steps), found, allowed)
        program.params = self._ordered_params(program)

    def _returns(self) -> tuple[Expr, str]:
        last = self.observations[-1]
        if last.call.name and self.traj.is_read_only(last.call.name) and last.is_json:
            path = answer_path(last.parsed, self.traj.final_answer, known_values(self.traj))
            if path is not None:
                value = at_path(last.parsed, path)
                expr = self.selector.explain(Ref(last.var), last.parsed, path, None)
                return expr, annotation_for(value)
        return Ref(last.var), annotation_for(last.raw)

    def _ordered_params(self, program: Program | None = None) -> list[ParamSpec]:
        """Parameters in the order the procedure first uses them (how a person reads it)."""
        exprs = program.exprs() if program else [e for s in self.steps for e in s.exprs()]
        order: list[str] = []
        for expr in exprs:
            order += [p for p in _params_in_order(expr) if p not in order]
        keys = {name: key for key, name in self.input_names.items()}
        for name in order:
            if name not in self.params:  # e.g. the dict a selection merges in
                self._register(keys[name], "", "")
        known = [p for p in self.params.values() if p.name in order]
        return sorted(known, key=lambda p: order.index(p.name))


def _same(given: Any, value: Any) -> bool:
    return bool(given == value and type(given) is type(value))


def _params_in_order(expr: Expr) -> list[str]:
    out: list[str] = []
    for e in walk(expr):
        name = e.name if isinstance(e, Param) else getattr(e, "param", None)
        if isinstance(name, str) and name not in out:
            out.append(name)
    return out


def prune(program: Program) -> None:
    """Drop read-only calls whose results nothing uses (iterated: pruning frees others)."""
    while True:
        used = program.used_vars()
        dead = [
            s
            for s in program.steps
            if isinstance(s, CallStep) and s.read_only and s.var not in used
        ]
        if not dead:
            break
        program.steps = [s for s in program.steps if s not in dead]
    used = program.used_vars()
    calls = program.calls()
    for step in calls:
        if step.var not in used:
            step.var = None
    parsed: set[str] = set()
    for expr in program.exprs():
        nodes = walk(expr)
        parsed |= {e.var for e in nodes if isinstance(e, Ref) and e.path}
        parsed |= {e.source.var for e in nodes if isinstance(e, Pick) and isinstance(e.source, Ref)}
    for step in calls:
        step.parsed = step.var in parsed
    live_params: set[str] = set()
    for expr in program.exprs():
        live_params |= params_in(expr)
    program.params = [p for p in program.params if p.name in live_params]


def _arg_schema(traj: Trajectory, tool: str, arg: str) -> dict[str, Any]:
    spec = traj.tool_spec(tool)
    if spec is None:
        return {}
    props = spec.parameters.get("properties", {})
    schema = props.get(arg) if isinstance(props, dict) else None
    return schema if isinstance(schema, dict) else {}


def describe(traj: Trajectory, inputs: dict[str, Any], input_names: dict[str, str]) -> str:
    """The task text with each input value replaced by its parameter name in backticks."""
    text = " ".join((traj.task or "").split())
    for key, value in sorted(inputs.items(), key=lambda kv: -len(str(kv[1]))):
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


def compile_one(
    traj: Trajectory, name: str, allowed_guards: set[GuardKey] | None = None
) -> Program:
    return TraceCompiler(traj, name, allowed_guards).compile()


def guard_keys(traj: Trajectory, name: str) -> set[GuardKey]:
    """The observed equalities this run could compile into guards (see ``guards``)."""
    compiler = TraceCompiler(traj, name)
    compiler.compile()
    return compiler.guard_keys
