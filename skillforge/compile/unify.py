"""Anti-unification: several per-trajectory programs of one task into one program.

Two runs of the same procedure should compile to the same steps with the same shape of
arguments; what differs between them must be explained by parameters or references.  We
merge programs step by step:

* same tool, same argument keys, same expression kinds → merged;
* a constant equal in every run stays a constant;
* a constant that differs between runs cannot be explained — we say which argument and
  which values, so the user can add the input that drives it;
* list positions in references that differ only between "first" and "last" in a
  one-element list are reconciled to the form that generalises ("last");
* picks, loops and guards merge when they pick by the same fields / loop over the same
  list parameter / check the same thing.

Runs whose steps differ are grouped by procedure; the groups then merge into one program
with a branch on which inputs are present, when their differences are only read-only
lookups before the same changes (``branches``); otherwise the error says which rule failed.
"""

from __future__ import annotations

from typing import Any

from ..errors import CompileError
from .ir import (
    CallStep,
    Const,
    DictOf,
    Expr,
    ForEach,
    Format,
    Get,
    Guard,
    ListOf,
    MapList,
    Merge,
    Param,
    ParamSpec,
    Path,
    Pick,
    Program,
    Ref,
    Step,
)
from .observe import SECRET
from .types import widen


def unify(programs: list[Program], sources: list[str]) -> Program:
    """One program that every input program is an instance of.

    Runs that follow the same steps merge directly; runs that reach the same changes by
    different lookups become one program with a branch on which inputs are given.
    """
    groups: list[tuple[Program, str]] = []
    for program, source in zip(programs, sources, strict=True):
        for n, (merged, first) in enumerate(groups):
            if shape(merged.steps) == shape(program.steps):
                groups[n] = (_merge(merged, program, first, source), first)
                break
        else:
            groups.append((program, source))
    if len(groups) == 1:
        return groups[0][0]
    from .branches import merge_branches

    return merge_branches([g for g, _ in groups], [s for _, s in groups])


def shape(steps: list[Step]) -> list[Any]:
    """What must be equal for two runs to be the same procedure: the calls, in order."""
    out: list[Any] = []
    for step in steps:
        if isinstance(step, CallStep):
            out.append(step.tool)
        elif isinstance(step, ForEach):
            out.append(("for each", step.param, step.body.tool))
        elif isinstance(step, Guard):
            out.append(("guard", step.source))
        else:
            out.append(("branch", len(step.cases)))
    return out


def _merge(a: Program, b: Program, src_a: str, src_b: str) -> Program:
    if shape(a.steps) != shape(b.steps):
        raise CompileError(
            f"the trajectories take different paths: {src_a} calls {a.tools()}, "
            f"{src_b} calls {b.tools()}",
            hint="promote them as separate skills, or give each run the same procedure",
        )
    steps = [merge_step(x, y, src_a, src_b) for x, y in zip(a.steps, b.steps, strict=True)]
    returns = a.returns
    if a.returns is not None and b.returns is not None:
        returns = merge_expr(a.returns, b.returns, "the return value", src_a, src_b)
    return Program(
        name=a.name,
        description=a.description,
        params=merge_params(a.params, b.params),
        steps=steps,
        returns=returns,
        return_annotation=widen(a.return_annotation, b.return_annotation),
    )


def merge_step(x: Step, y: Step, src_a: str, src_b: str) -> Step:
    if isinstance(x, CallStep) and isinstance(y, CallStep):
        return _merge_call(x, y, src_a, src_b)
    if isinstance(x, ForEach) and isinstance(y, ForEach) and x.param == y.param:
        return ForEach(x.param, _merge_call(x.body, y.body, src_a, src_b))
    if isinstance(x, Guard) and isinstance(y, Guard):
        where = f"the check after {x.subject}"
        return Guard(
            merge_expr(x.left, y.left, where, src_a, src_b),
            merge_expr(x.right, y.right, where, src_a, src_b),
            x.subject,
            x.key if x.key == y.key else None,
            x.source,
        )
    if x == y:
        return x
    raise CompileError(
        f"the runs {src_a} and {src_b} do not follow one procedure ({type(x).__name__} "
        f"vs {type(y).__name__})",
        hint="promote them as separate skills",
    )


def _merge_call(step_a: CallStep, step_b: CallStep, src_a: str, src_b: str) -> CallStep:
    where = f"argument of {step_a.tool}"
    if set(step_a.arguments) != set(step_b.arguments):
        raise CompileError(
            f"{step_a.tool} is called with arguments {sorted(step_a.arguments)} in {src_a} "
            f"but {sorted(step_b.arguments)} in {src_b}",
            hint="the runs do not follow one procedure; promote them separately",
        )
    args = {
        key: merge_expr(
            step_a.arguments[key], step_b.arguments[key], f"{key!r} {where}", src_a, src_b
        )
        for key in step_a.arguments
    }
    return CallStep(
        step_a.tool,
        args,
        step_a.var if step_a.var == step_b.var else step_a.var or step_b.var,
        step_a.read_only and step_b.read_only,
        step_a.parsed or step_b.parsed,
    )


def merge_expr(x: Expr, y: Expr, where: str, src_a: str, src_b: str) -> Expr:
    if x == y:
        return x
    merged = _merge_same_kind(x, y, where, src_a, src_b)
    if merged is not None:
        return merged
    constant = _same_text(x, y)
    if constant is not None:
        return constant
    raise CompileError(
        f"{where} cannot be explained the same way in every run: {_show(x)} in {src_a}, "
        f"{_show(y)} in {src_b}",
        hint="add the value that decides it to the inputs, or promote the runs separately",
    )


def _merge_same_kind(x: Expr, y: Expr, where: str, src_a: str, src_b: str) -> Expr | None:
    def sub(i: Expr, j: Expr) -> Expr:
        return merge_expr(i, j, where, src_a, src_b)

    if isinstance(x, Ref) and isinstance(y, Ref) and x.var == y.var:
        path = _merge_path(x.path, y.path)
        return Ref(x.var, path) if path is not None else None
    if isinstance(x, Get) and isinstance(y, Get):
        path = _merge_path(x.path, y.path)
        return Get(sub(x.base, y.base), path) if path is not None else None
    if isinstance(x, ListOf) and isinstance(y, ListOf) and len(x.items) == len(y.items):
        return ListOf(tuple(sub(i, j) for i, j in zip(x.items, y.items, strict=True)))
    if (
        isinstance(x, DictOf)
        and isinstance(y, DictOf)
        and [k for k, _ in x.items] == [k for k, _ in y.items]
    ):
        return DictOf(
            tuple((k, sub(i, j)) for (k, i), (_, j) in zip(x.items, y.items, strict=True))
        )
    if (
        isinstance(x, Pick)
        and isinstance(y, Pick)
        and (x.noun, x.values) == (y.noun, y.values)
        and [f for f, _ in x.where] == [f for f, _ in y.where]
    ):
        where_ = tuple((f, sub(i, j)) for (f, i), (_, j) in zip(x.where, y.where, strict=True))
        return Pick(sub(x.source, y.source), where_, x.noun, x.values)
    if isinstance(x, Merge) and isinstance(y, Merge):
        return Merge(sub(x.base, y.base), sub(x.update, y.update))
    if isinstance(x, MapList) and isinstance(y, MapList) and x.param == y.param:
        return MapList(x.param, sub(x.template, y.template))
    if (
        isinstance(x, Format)
        and isinstance(y, Format)
        and len(x.parts) == len(y.parts)
        and all(
            (p == q) if isinstance(p, str) or isinstance(q, str) else True
            for p, q in zip(x.parts, y.parts, strict=True)
        )
    ):
        parts = tuple(
            p if isinstance(p, str) or isinstance(q, str) else sub(p, q)
            for p, q in zip(x.parts, y.parts, strict=True)
        )
        return Format(parts, x.value)
    return None


def _same_text(x: Expr, y: Expr) -> Const | None:
    """The constant string two runs both sent, where one or both saw an input inside it by
    coincidence (the input is not what made it: the other run sent the same text)."""
    texts = [e.value if isinstance(e, Const | Format) else None for e in (x, y)]
    text = texts[0]
    if not isinstance(text, str) or texts[1] != text or SECRET.search(text):
        return None
    return Const(text)


def _merge_path(x: Path, y: Path) -> Path | None:
    if len(x) != len(y):
        return None
    merged: list[str | int] = []
    for p, q in zip(x, y, strict=True):
        if p == q:
            merged.append(p)
        elif {p, q} == {0, -1}:
            merged.append(-1)
        else:
            return None
    return tuple(merged)


def merge_params(a: list[ParamSpec], b: list[ParamSpec]) -> list[ParamSpec]:
    by_name = {p.name: p for p in a}
    for p in b:
        if p.name in by_name:
            q = by_name[p.name]
            q.annotation = widen(q.annotation, p.annotation)
            q.description = q.description or p.description
            q.examples = q.examples + [e for e in p.examples if e not in q.examples]
        else:
            by_name[p.name] = p
    return list(by_name.values())


def _show(expr: Expr) -> str:
    if isinstance(expr, Const):
        return f"the constant {expr.value!r}"
    if isinstance(expr, Param):
        return f"the input {expr.name!r}"
    if isinstance(expr, Ref):
        return f"{expr.var}{''.join(f'[{p!r}]' for p in expr.path)}"
    return type(expr).__name__
