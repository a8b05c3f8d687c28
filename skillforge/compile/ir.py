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


Expr = Param | Const | Ref | ListOf | DictOf


@dataclass
class CallStep:
    """``var = tools.tool(**arguments)``; ``var`` is ``None`` when nothing uses the result."""

    tool: str
    arguments: dict[str, Expr]
    var: str | None
    read_only: bool
    parsed: bool = False  # whether later steps index into the JSON result


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
    steps: list[CallStep]
    returns: Expr | None
    return_annotation: str = "Any"

    def used_vars(self) -> set[str]:
        used: set[str] = set()
        for step in self.steps:
            for expr in step.arguments.values():
                used |= refs_in(expr)
        if self.returns is not None:
            used |= refs_in(self.returns)
        return used

    def tools(self) -> list[str]:
        return sorted({step.tool for step in self.steps})

    def state_changing(self) -> list[str]:
        return sorted({step.tool for step in self.steps if not step.read_only})


def refs_in(expr: Expr) -> set[str]:
    if isinstance(expr, Ref):
        return {expr.var}
    if isinstance(expr, ListOf):
        return set().union(*(refs_in(e) for e in expr.items)) if expr.items else set()
    if isinstance(expr, DictOf):
        return set().union(*(refs_in(e) for _, e in expr.items)) if expr.items else set()
    return set()


def params_in(expr: Expr) -> set[str]:
    if isinstance(expr, Param):
        return {expr.name}
    if isinstance(expr, ListOf):
        return set().union(*(params_in(e) for e in expr.items)) if expr.items else set()
    if isinstance(expr, DictOf):
        return set().union(*(params_in(e) for _, e in expr.items)) if expr.items else set()
    return set()
