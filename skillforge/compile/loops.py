"""Loops: per-element structure over a list parameter, folded from one unrolled run.

A run with ``item_names=["Mug", "Lamp"]`` shows two concrete selections in a list argument,
or two concrete calls in a row; the skill must do "the same for every element".  We fold
when element *k* of the unrolled form mentions exactly ``Elem(param, k)`` and every
element is the same template once that becomes the loop variable, and when the count
equals the list's length (a run that stopped early is not a loop over the whole list).
"""

from __future__ import annotations

from collections.abc import Callable

from .ir import (
    CallStep,
    DictOf,
    Elem,
    Expr,
    ForEach,
    Format,
    Get,
    ListOf,
    LoopVar,
    MapList,
    Merge,
    Pick,
    Step,
    refs_in,
    walk,
)
from .naming import var_name_for


def transform(expr: Expr, fn: Callable[[Expr], Expr | None]) -> Expr:
    """Rebuild ``expr`` bottom-up, replacing each node for which ``fn`` returns a value."""
    rebuilt: Expr
    if isinstance(expr, ListOf):
        rebuilt = ListOf(tuple(transform(e, fn) for e in expr.items))
    elif isinstance(expr, DictOf):
        rebuilt = DictOf(tuple((k, transform(e, fn)) for k, e in expr.items))
    elif isinstance(expr, Pick):
        where = tuple((f, transform(e, fn)) for f, e in expr.where)
        rebuilt = Pick(transform(expr.source, fn), where, expr.noun, expr.values)
    elif isinstance(expr, Get):
        rebuilt = Get(transform(expr.base, fn), expr.path)
    elif isinstance(expr, Merge):
        rebuilt = Merge(transform(expr.base, fn), transform(expr.update, fn))
    elif isinstance(expr, MapList):
        rebuilt = MapList(expr.param, transform(expr.template, fn))
    elif isinstance(expr, Format):
        parts = tuple(p if isinstance(p, str) else transform(p, fn) for p in expr.parts)
        rebuilt = Format(parts, expr.value)
    else:
        rebuilt = expr
    replaced = fn(rebuilt)
    return rebuilt if replaced is None else replaced


def _elems(expr: Expr) -> set[Elem]:
    return {e for e in walk(expr) if isinstance(e, Elem)}


def _template(exprs: list[Expr], lengths: dict[str, int]) -> tuple[str, list[Expr]] | None:
    """The list parameter and per-position templates, if ``exprs`` unroll a loop over it."""
    if not exprs:
        return None
    params = {e.param for expr in exprs for e in _elems(expr)}
    if len(params) != 1:
        return None
    (param,) = params
    if lengths.get(param) != len(exprs):
        return None
    templates = []
    for k, expr in enumerate(exprs):
        if _elems(expr) != {Elem(param, k)}:
            return None
        templates.append(transform(expr, lambda e: LoopVar(param) if isinstance(e, Elem) else None))
    return param, templates


def fold_expr(expr: Expr, lengths: dict[str, int]) -> Expr:
    """Turn unrolled lists (``[pick(names[0])..., pick(names[1])...]``) into ``MapList``."""

    def fold(node: Expr) -> Expr | None:
        if not isinstance(node, ListOf):
            return None
        found = _template(list(node.items), lengths)
        if found is None or any(t != found[1][0] for t in found[1]):
            return None
        return MapList(found[0], found[1][0])

    return transform(expr, fold)


def fold_steps(
    steps: list[Step], lengths: dict[str, int], keep: set[str]
) -> tuple[list[Step], dict[str, str]]:
    """Turn runs of the same call, one per element of a list parameter, into ``ForEach``.

    ``keep`` are variables used outside the run: only the last call's result may be
    (it is what the loop leaves behind, under the loop's variable name: the returned
    renames map the last call's variable to it).
    """
    renames: dict[str, str] = {}
    out: list[Step] = []
    i = 0
    while i < len(steps):
        step = steps[i]
        if not isinstance(step, CallStep):
            out.append(step)
            i += 1
            continue
        j = i
        while (
            j + 1 < len(steps)
            and isinstance(steps[j + 1], CallStep)
            and steps[j + 1].tool == step.tool  # type: ignore[union-attr]
        ):
            j += 1
        run = [s for s in steps[i : j + 1] if isinstance(s, CallStep)]
        folded = _fold_run(run, lengths, keep)
        if folded is None:
            out.append(step)
            i += 1
        else:
            out.append(folded)
            last = steps[j]
            if isinstance(last, CallStep) and last.var and folded.body.var:
                renames[last.var] = folded.body.var
            i = j + 1
    return out, renames


def _fold_run(run: list[CallStep], lengths: dict[str, int], keep: set[str]) -> ForEach | None:
    if any(s.var in keep for s in run[:-1]) or any(
        set(s.arguments) != set(run[0].arguments) for s in run
    ):
        return None
    keys = list(run[0].arguments)
    packed = [ListOf(tuple(s.arguments[k] for k in keys)) for s in run]
    found = _template(list(packed), lengths)
    if found is None:
        return None
    param, templates = found
    if any(t != templates[0] for t in templates):
        return None
    first = templates[0]
    assert isinstance(first, ListOf)
    if any(refs_in(e) & {s.var for s in run if s.var} for e in first.items):
        return None
    head, last = run[0], run[-1]
    var = var_name_for(head.tool, set()) if last.var else None  # the same in every run
    body = CallStep(head.tool, dict(zip(keys, first.items, strict=True)), var, head.read_only)
    return ForEach(param, body)
