"""Branches: runs that identify things in different ways, merged into one function.

One run looks the customer up by email, another by name and zip; after that both do the
same thing.  We align the runs on their common tail of steps (which must hold every call
that changes state), check that the differing heads are read-only and hand the tail the
same variables, and emit::

    if email is not None:
        user_id = tools.find_user_id_by_email(email=email)
    elif first_name is not None and last_name is not None and zip is not None:
        user_id = tools.find_user_id_by_name_zip(...)
    else:
        raise SkillError("give email, or first_name, last_name and zip")

The parameters only some heads use become optional; a head must use at least one input
no other head uses, or nothing could say which way to go.  Where the runs cannot be
reconciled, the error says which rule failed.
"""

from __future__ import annotations

from ..errors import CompileError
from .ir import Branch, CallStep, Guard, Program, Step, call_steps, params_in, refs_in
from .unify import merge_expr, merge_params, merge_step, shape


def merge_branches(programs: list[Program], sources: list[str]) -> Program:
    shapes = [shape(p.steps) for p in programs]
    tail = 0
    while all(len(s) > tail for s in shapes) and len({repr(s[-1 - tail]) for s in shapes}) == 1:
        tail += 1
    heads = [p.steps[: len(p.steps) - tail] for p in programs]
    tails = [p.steps[len(p.steps) - tail :] for p in programs]
    _check_heads(programs, heads, sources)
    merged_tail = list(tails[0])
    for other, source in zip(tails[1:], sources[1:], strict=True):
        merged_tail = [
            merge_step(x, y, sources[0], source) for x, y in zip(merged_tail, other, strict=True)
        ]
    returns = programs[0].returns
    for program, source in zip(programs[1:], sources[1:], strict=True):
        if returns is not None and program.returns is not None:
            returns = merge_expr(returns, program.returns, "the return value", sources[0], source)
    tail_params: set[str] = set()
    for step in merged_tail:
        for expr in step.exprs():
            tail_params |= params_in(expr)
    head_params = [_params(head) - tail_params for head in heads]
    cases: list[tuple[list[str], list[Step]]] = []
    for n, (head, needed) in enumerate(zip(heads, head_params, strict=True)):
        others = set().union(*(h for i, h in enumerate(head_params) if i != n))
        own = needed - others
        if not own:
            raise CompileError(
                f"the trajectories take different paths and {sources[n]} uses no input the "
                "others lack, so nothing could decide which way to go",
                hint="give each way of identifying things its own inputs, or promote separately",
            )
        order = [p.name for p in programs[n].params if p.name in needed]
        cases.append((order, head))
    params = programs[0].params
    for program in programs[1:]:
        params = merge_params(params, program.params)
    optional = set().union(*head_params)
    for spec in params:
        if spec.name in optional:
            spec.required = False
    params.sort(key=lambda p: p.name in optional)  # required first, as Python requires
    first = programs[0]
    return Program(
        name=first.name,
        description=first.description,
        params=params,
        steps=[Branch(cases), *merged_tail],
        returns=returns,
        return_annotation=first.return_annotation,
    )


def _check_heads(programs: list[Program], heads: list[list[Step]], sources: list[str]) -> None:
    paths = "; ".join(f"{s} calls {p.tools()}" for p, s in zip(programs, sources, strict=True))
    for head, source in zip(heads, sources, strict=True):
        changing = [s.tool for s in call_steps(head) if not s.read_only]
        bad = [s for s in head if not isinstance(s, CallStep | Guard)]
        if changing or bad or not head:
            raise CompileError(
                f"the trajectories take different paths: {paths}",
                hint=(
                    f"{source} differs in calls that change state ({', '.join(changing)})"
                    if changing
                    else "only differing read-only lookups before the same changes can be "
                    "merged into a branch; promote the runs as separate skills"
                ),
            )
    provided = [{s.var for s in call_steps(head) if s.var} for head in heads]
    needed = [
        set().union(*(refs_in(e) for s in p.steps[len(h) :] for e in s.exprs()))
        | (refs_in(p.returns) if p.returns is not None else set())
        for p, h in zip(programs, heads, strict=True)
    ]
    handed = [got & want for got, want in zip(provided, needed, strict=True)]
    if any(h != handed[0] for h in handed):
        raise CompileError(
            f"the trajectories take different paths: {paths}; their lookups hand different "
            f"results to the common steps ({', '.join(sorted(handed[-1])) or 'none'} vs "
            f"{', '.join(sorted(handed[0])) or 'none'})",
            hint="promote the runs as separate skills",
        )


def _params(steps: list[Step]) -> set[str]:
    out: set[str] = set()
    for step in steps:
        for expr in step.exprs():
            out |= params_in(expr)
    return out
