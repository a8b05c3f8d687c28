"""Selections: "the element of this collection whose fields equal what we were asked for".

A JSON path into a result such as ``order["items"][1]["item_id"]`` is true for the run it
was read from and wrong for the next one, where the wanted item sits elsewhere.  What the
agent really did was pick *the item whose name equals the requested name*.  This module
turns each list position (or id key of an id-keyed map) on a path into such a pick when the
chosen element has fields equal to the skill's inputs:

* a field equal to a parameter, or to element *k* of a list parameter (``Elem``; such
  picks consume their element, so the same name given twice picks two elements);
* a nested dict equal to a dict parameter (``variant["options"] == options``);
* a nested dict equal to an earlier picked element's dict updated with a dict parameter
  (``variant["options"] == {**item["options"], **changes}``).

A pick is only accepted when evaluating it on the recorded data selects exactly the element
the agent used; otherwise the path keeps its position and unification judges it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .ir import Elem, Expr, Get, Merge, Param, Path, Pick, Ref, walk

Matcher = Callable[[Any, int | None], Expr | None]


def singular(word: str) -> str:
    """``items`` → ``item``, ``payment_methods`` → ``payment_method``, ``boxes`` → ``box``."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def attach(expr: Expr, path: Path) -> Expr:
    """``expr`` followed by ``path``: extends a result reference, or gets a picked field."""
    if not path:
        return expr
    if isinstance(expr, Ref):
        return Ref(expr.var, expr.path + tuple(path))
    if isinstance(expr, Get):
        return Get(expr.base, expr.path + tuple(path))
    return Get(expr, tuple(path))


def keyed_collection(node: Any) -> bool:
    """A dict used as a collection: its values are records, keyed by data (ids)."""
    if not isinstance(node, dict) or len(node) < 1:
        return False
    values = list(node.values())
    if not all(isinstance(v, dict) for v in values):
        return False
    if all(key in value.values() for key, value in node.items()):
        return True
    return len(values) >= 2 and all(v.keys() == values[0].keys() for v in values)


class Selector:
    """Explains paths into observations as picks; remembers what it picked (for ``Merge``
    bases and for consuming loop elements)."""

    def __init__(self, match: Matcher, dict_params: dict[str, dict[str, Any]]) -> None:
        self.match = match
        self.dict_params = dict_params
        self.picked: list[tuple[Pick, Any]] = []
        self.consumed: dict[Expr, set[int]] = {}
        self.fragile = False

    def snapshot(self) -> tuple[list[tuple[Pick, Any]], dict[Expr, set[int]]]:
        return list(self.picked), {k: set(v) for k, v in self.consumed.items()}

    def restore(self, state: tuple[list[tuple[Pick, Any]], dict[Expr, set[int]]]) -> None:
        self.picked, self.consumed = state

    def explain(self, root: Expr, node: Any, path: Path, position: int | None) -> Expr:
        """``root[path]`` with picks where the data says why; sets ``fragile`` when a
        position in the middle of a list or an id key had to stay (it will not generalise)."""
        self.fragile = False
        expr: Expr = root
        pending: list[str | int] = []
        for part in path:
            elements = _elements(node, part)
            if elements is not None:
                pick = self._pick(attach(expr, tuple(pending)), node, part, elements, position)
                if pick is not None:
                    expr, pending = pick, []
                    node = node[part]
                    continue
            if elements is not None and (isinstance(part, str) or part not in (0, -1)):
                self.fragile = True
            pending.append(part)
            node = node[part]
        return attach(expr, tuple(pending))

    def _pick(
        self,
        source: Expr,
        node: Any,
        part: str | int,
        elements: list[Any],
        position: int | None,
    ) -> Pick | None:
        chosen = node[part]
        index = list(node).index(part) if isinstance(node, dict) else part % len(node)
        where = self._conditions(chosen, position)
        if not where:
            return None
        fields = [f for f, _ in where]
        consumes = any(isinstance(e, Elem) for _, c in where for e in walk(c))
        taken = self.consumed.get(source, set()) if consumes else set()
        first = next(
            (
                i
                for i, element in enumerate(elements)
                if i not in taken
                and isinstance(element, dict)
                and all(_get(element, f) == _get(chosen, f) for f in fields)
            ),
            None,
        )
        if first != index:
            return None
        if consumes:
            self.consumed.setdefault(source, set()).add(index)
        noun = _noun(source)
        pick = Pick(source, tuple(where), noun, values=isinstance(node, dict))
        self.picked.append((pick, chosen))
        return pick

    def _conditions(self, element: Any, position: int | None) -> list[tuple[Path, Expr]]:
        if not isinstance(element, dict):
            return []
        where: list[tuple[Path, Expr]] = []
        for key, value in element.items():
            if isinstance(value, bool) or value is None or value in ("", [], {}):
                continue
            found = self.match(value, position)
            if found is None and isinstance(value, dict):
                found = self._updated(key, value)
            if found is not None:
                where.append(((key,), found))
        return where

    def _updated(self, key: str, value: dict[str, Any]) -> Expr | None:
        """``{**earlier[key], **param}`` when that is exactly ``value``."""
        for pick, element in reversed(self.picked):
            base = element.get(key) if isinstance(element, dict) else None
            if not isinstance(base, dict) or base == value:
                continue
            for name, update in self.dict_params.items():
                if update and {**base, **update} == value:
                    return Merge(Get(pick, (key,)), Param(name))
        return None


def _elements(node: Any, part: str | int) -> list[Any] | None:
    if isinstance(node, list) and isinstance(part, int) and node:
        return node
    if isinstance(part, str) and keyed_collection(node):
        return list(node.values())
    return None


def _get(element: dict[str, Any], path: Path) -> Any:
    node: Any = element
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _noun(source: Expr) -> str:
    path = source.path if isinstance(source, Ref | Get) else ()
    keys = [p for p in path if isinstance(p, str)]
    if keys:
        return singular(keys[-1])
    if isinstance(source, Ref):
        return singular(source.var)
    return "element"
