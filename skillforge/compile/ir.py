"""The compiler's intermediate form: a skill as a short list of typed steps.

Compilers build a :class:`Program` (parameters, tool-call steps whose arguments are
expressions, a return expression); ``codegen`` renders it as Python.  Keeping the program
as data (not text) is what lets several trajectories be compared and unified, and lets the
verifier and diff reason about behaviour (which calls, which arguments) without parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Param:
    """A reference to a skill parameter."""

    name: str


@dataclass(frozen=True)
class Const:
    """A literal that was the same wherever it was seen."""

    value: Any


@dataclass(frozen=True)
class Ref:
    """A value taken from an earlier call's result: ``var[path...]``.

    ``path`` is empty for the whole result.  A non-empty path means the result is JSON
    text that the skill parses once (``json.loads``) before indexing.
    """

    var: str
    path: Path = ()


@dataclass(frozen=True)
class ListOf:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class DictOf:
    items: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True)
class Elem:
    """Element ``index`` of the list parameter ``param`` (before a loop folds it away)."""

    param: str
    index: int


@dataclass(frozen=True)
class LoopVar:
    """The current element of the list parameter ``param`` inside a loop over it."""

    param: str


@dataclass(frozen=True)
class Pick:
    """The first element of a collection whose fields equal given values.

    ``source`` evaluates to a list (or, with ``values``, a dict whose values are the
    elements, e.g. variants keyed by id); ``where`` pairs a field path of the element
    with the expression it must equal.  ``noun`` names the element in code and errors.
    """

    source: Expr
    where: tuple[tuple[Path, Expr], ...]
    noun: str
    values: bool = False


@dataclass(frozen=True)
class Get:
    """A field of a picked element: ``element[path...]`` (already data, never JSON text)."""

    base: Expr
    path: Path


@dataclass(frozen=True)
class Merge:
    """``{**base, **update}``: a dict with some of its entries replaced."""

    base: Expr
    update: Expr


@dataclass(frozen=True)
class MapList:
    """``[template for each element of the list parameter param]``, in order.

    Picks inside the template that depend on the loop variable consume their element, so
    the same name given twice selects two different elements.
    """

    param: str
    template: Expr


@dataclass(frozen=True)
class Format:
    """A string made of literal text and values: ``f"Bearer {api_token}"``.

    ``parts`` holds literal text (``str``) and expressions, in order.  ``value`` is the
    string a run observed (not compared): where another run has the same constant string,
    the parameter inside was a coincidence and the constant wins (see ``unify``).
    """

    parts: tuple[str | Expr, ...]
    value: str = field(default="", compare=False)


Expr = (
    Param | Const | Ref | ListOf | DictOf | Elem | LoopVar | Pick | Get | Merge | MapList | Format
)


def children(expr: Expr) -> list[Expr]:
    """The direct sub-expressions of ``expr``."""
    if isinstance(expr, ListOf):
        return list(expr.items)
    if isinstance(expr, DictOf):
        return [e for _, e in expr.items]
    if isinstance(expr, Pick):
        return [expr.source, *(e for _, e in expr.where)]
    if isinstance(expr, Get):
        return [expr.base]
    if isinstance(expr, Merge):
        return [expr.base, expr.update]
    if isinstance(expr, MapList):
        return [expr.template]
    if isinstance(expr, Format):
        return [p for p in expr.parts if not isinstance(p, str)]
    return []


def walk(expr: Expr) -> list[Expr]:
    """``expr`` and all its sub-expressions, depth first, parents before children."""
    out = [expr]
    for child in children(expr):
        out += walk(child)
    return out


@dataclass
class CallStep:
    """``var = tools.tool(**arguments)``; ``var`` is ``None`` when nothing uses the result."""

    tool: str
    arguments: dict[str, Expr]
    var: str | None
    read_only: bool
    parsed: bool = False  # whether later steps index into the JSON result

    def exprs(self) -> list[Expr]:
        return list(self.arguments.values())


@dataclass
class Guard:
    """``if left != right: raise SkillError(...)``: an equality every run observed.

    It keeps a lookup whose only purpose was a check (the order belongs to the customer
    identified by email) instead of silently dropping the check.
    """

    left: Expr
    right: Expr
    subject: str  # what ``left`` belongs to, e.g. "order"
    key: Expr | None  # how the subject was named, e.g. Param("order_id")
    source: str  # the tool whose result ``right`` is, e.g. "find_user_id_by_email"

    def exprs(self) -> list[Expr]:
        return [self.left, self.right] + ([self.key] if self.key is not None else [])


@dataclass
class ForEach:
    """One call per element of the list parameter ``param``, in order."""

    param: str
    body: CallStep

    def exprs(self) -> list[Expr]:
        return self.body.exprs()


@dataclass
class Branch:
    """Alternative ways to compute the same variables, chosen by which inputs are given.

    ``cases`` pairs the parameters that must all be present with the steps to run.
    """

    cases: list[tuple[list[str], list[Step]]]

    def exprs(self) -> list[Expr]:
        return [e for _, steps in self.cases for s in steps for e in s.exprs()]


Step = CallStep | Guard | ForEach | Branch


def call_steps(steps: list[Step]) -> list[CallStep]:
    """Every tool call in ``steps``, including those inside loops and branches."""
    out: list[CallStep] = []
    for step in steps:
        if isinstance(step, CallStep):
            out.append(step)
        elif isinstance(step, ForEach):
            out.append(step.body)
        elif isinstance(step, Branch):
            for _, inner in step.cases:
                out += call_steps(inner)
    return out


@dataclass
class ParamSpec:
    name: str
    annotation: str  # Python annotation text, e.g. "str", "list[str]", 'Literal["a", "b"]'
    description: str = ""
    default: Any = None
    required: bool = True
    examples: list[Any] = field(default_factory=list)


@dataclass
class Program:
    """A compiled skill before rendering."""

    name: str
    description: str
    params: list[ParamSpec]
    steps: list[Step]
    returns: Expr | None
    return_annotation: str = "Any"

    def exprs(self) -> list[Expr]:
        out = [e for step in self.steps for e in step.exprs()]
        return out + ([self.returns] if self.returns is not None else [])

    def used_vars(self) -> set[str]:
        used: set[str] = set()
        for expr in self.exprs():
            used |= refs_in(expr)
        return used

    def calls(self) -> list[CallStep]:
        return call_steps(self.steps)

    def tools(self) -> list[str]:
        return sorted({step.tool for step in self.calls()})

    def state_changing(self) -> list[str]:
        return sorted({step.tool for step in self.calls() if not step.read_only})


def refs_in(expr: Expr) -> set[str]:
    return {e.var for e in walk(expr) if isinstance(e, Ref)}


def params_in(expr: Expr) -> set[str]:
    out: set[str] = set()
    for e in walk(expr):
        if isinstance(e, Param):
            out.add(e.name)
        elif isinstance(e, Elem | LoopVar | MapList):
            out.add(e.param)
    return out
