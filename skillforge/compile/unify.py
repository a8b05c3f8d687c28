"""Anti-unification: several per-trajectory programs of one task into one program.

Two runs of the same procedure should compile to the same steps with the same shape of
arguments; what differs between them must be explained by parameters or references.  We
merge programs step by step:

* same tool, same argument keys, same expression kinds → merged;
* a constant equal in every run stays a constant;
* a constant that differs between runs cannot be explained — we say which argument and
  which values, so the user can add the input that drives it;
* list positions in references that differ only between "first" and "last" in a
  one-element list are reconciled to the form that generalises ("last").
"""

from __future__ import annotations

from ..errors import CompileError
from .ir import CallStep, Const, DictOf, Expr, ListOf, Param, ParamSpec, Program, Ref
from .types import widen


def unify(programs: list[Program], sources: list[str]) -> Program:
    """One program that every input program is an instance of."""
    merged = programs[0]
    for program, source in zip(programs[1:], sources[1:], strict=True):
        merged = _merge(merged, program, sources[0], source)
    return merged


def _merge(a: Program, b: Program, src_a: str, src_b: str) -> Program:
    sig_a = [s.tool for s in a.steps]
    sig_b = [s.tool for s in b.steps]
    if sig_a != sig_b:
        raise CompileError(
            f"the trajectories take different paths: {src_a} calls {sig_a}, {src_b} calls {sig_b}",
            hint="promote them as separate skills, or give each run the same procedure",
        )
    steps = []
    for step_a, step_b in zip(a.steps, b.steps, strict=True):
        where = f"argument of {step_a.tool}"
        if set(step_a.arguments) != set(step_b.arguments):
            raise CompileError(
                f"{step_a.tool} is called with arguments {sorted(step_a.arguments)} in {src_a} "
                f"but {sorted(step_b.arguments)} in {src_b}",
                hint="the runs do not follow one procedure; promote them separately",
            )
        args = {
            key: _merge_expr(
                step_a.arguments[key], step_b.arguments[key], f"{key!r} {where}", src_a, src_b
            )
            for key in step_a.arguments
        }
        steps.append(
            CallStep(
                step_a.tool,
                args,
                step_a.var if step_a.var == step_b.var else step_a.var or step_b.var,
                step_a.read_only and step_b.read_only,
                step_a.parsed or step_b.parsed,
            )
        )
    returns = a.returns
    if a.returns is not None and b.returns is not None:
        returns = _merge_expr(a.returns, b.returns, "the return value", src_a, src_b)
    return Program(
        name=a.name,
        description=a.description,
        params=_merge_params(a.params, b.params),
        steps=steps,
        returns=returns,
        return_annotation=widen(a.return_annotation, b.return_annotation),
    )


def _merge_expr(x: Expr, y: Expr, where: str, src_a: str, src_b: str) -> Expr:
    if x == y:
        return x
    if isinstance(x, Ref) and isinstance(y, Ref) and x.var == y.var:
        path = _merge_path(x, y)
        if path is not None:
            return Ref(x.var, path)
    if isinstance(x, ListOf) and isinstance(y, ListOf) and len(x.items) == len(y.items):
        return ListOf(
            tuple(
                _merge_expr(i, j, where, src_a, src_b)
                for i, j in zip(x.items, y.items, strict=True)
            )
        )
    if (
        isinstance(x, DictOf)
        and isinstance(y, DictOf)
        and [k for k, _ in x.items] == [k for k, _ in y.items]
    ):
        return DictOf(
            tuple(
                (k, _merge_expr(i, j, where, src_a, src_b))
                for (k, i), (_, j) in zip(x.items, y.items, strict=True)
            )
        )
    raise CompileError(
        f"{where} cannot be explained the same way in every run: {_show(x)} in {src_a}, "
        f"{_show(y)} in {src_b}",
        hint="add the value that decides it to the inputs, or promote the runs separately",
    )


def _merge_path(x: Ref, y: Ref) -> tuple[str | int, ...] | None:
    if len(x.path) != len(y.path):
        return None
    merged: list[str | int] = []
    for p, q in zip(x.path, y.path, strict=True):
        if p == q:
            merged.append(p)
        elif {p, q} == {0, -1}:
            merged.append(-1)
        else:
            return None
    return tuple(merged)


def _merge_params(a: list[ParamSpec], b: list[ParamSpec]) -> list[ParamSpec]:
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
