"""The function body: steps, picks, loops, guards and branches as the lines a person writes.

Picks and list-building loops are expressions in the IR but statements in good code: each
is hoisted into a named variable right before the first step that needs it
(``item = next((item for item in ...), None)`` followed by a clear ``SkillError`` when
nothing matches), and reused afterwards instead of being searched for again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .ir import (
    Branch,
    CallStep,
    Const,
    DictOf,
    Elem,
    Expr,
    ForEach,
    Format,
    Get,
    Guard,
    ListOf,
    LoopVar,
    MapList,
    Merge,
    Param,
    Pick,
    Program,
    Ref,
    Step,
    children,
    walk,
)
from .selection import singular

LINE = 88


def literal(value: object) -> str:
    """Python source for a JSON value, double-quoted like the rest of the code base."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def fstring(parts: list[tuple[str, bool]]) -> str:
    """``f"Bearer {api_token}"`` from (text, is_code) pairs: literal text and the rendered
    expressions to interpolate (parameter names, so never a quote or backslash)."""
    out = []
    for text, is_code in parts:
        if is_code:
            out.append("{" + text + "}")
        else:
            escaped = text.replace("{", "{{").replace("}", "}}")
            out.append(json.dumps(escaped, ensure_ascii=False)[1:-1])
    return 'f"' + "".join(out) + '"'


def loop_name(param: str) -> str:
    name = singular(param)
    return name if name != param else f"{param}_item"


def subject_of(tool: str) -> str:
    """``get_order_details`` → ``order``: what a tool's result describes, for messages."""
    words = tool.split("_")
    words = [w for w in words[1:] if w not in ("details", "info", "by")] or words
    return " ".join(words[:2])


@dataclass
class Body:
    """Renders a program's steps; tracks hoisted names, so each is computed once."""

    program: Program
    taken: set[str]
    bound: dict[Expr, str] = field(default_factory=dict)
    loops: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    # -- expressions ---------------------------------------------------------------
    def text(self, expr: Expr) -> str:
        if expr in self.bound:
            return self.bound[expr]
        if isinstance(expr, Param):
            return expr.name
        if isinstance(expr, Const):
            return literal(expr.value)
        if isinstance(expr, Ref):
            return expr.var + "".join(f"[{literal(p)}]" for p in expr.path)
        if isinstance(expr, Get):
            return self.text(expr.base) + "".join(f"[{literal(p)}]" for p in expr.path)
        if isinstance(expr, ListOf):
            return "[" + ", ".join(self.text(e) for e in expr.items) + "]"
        if isinstance(expr, DictOf):
            return "{" + ", ".join(f"{literal(k)}: {self.text(e)}" for k, e in expr.items) + "}"
        if isinstance(expr, Elem):
            return f"{expr.param}[{expr.index}]"
        if isinstance(expr, LoopVar):
            return self.loops.get(expr.param, loop_name(expr.param))
        if isinstance(expr, Merge):
            return f"{{**{self.text(expr.base)}, **{self.text(expr.update)}}}"
        if isinstance(expr, MapList):
            var = loop_name(expr.param)
            return f"[{self.text(expr.template)} for {var} in {expr.param}]"
        if isinstance(expr, Format):
            return fstring(
                [(p, False) if isinstance(p, str) else (self.text(p), True) for p in expr.parts]
            )
        raise TypeError(f"cannot render {expr!r}")  # Pick: hoisted before use

    def fresh(self, base: str) -> str:
        name, n = base, 2
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name

    # -- hoisting ------------------------------------------------------------------
    def hoist(self, expr: Expr, indent: str, hint: str = "") -> None:
        """Emit statements for the picks and pick-driven loops ``expr`` needs."""
        if expr in self.bound:
            return
        if isinstance(expr, MapList) and any(isinstance(e, Pick) for e in walk(expr.template)):
            self._map_loop(expr, indent, hint)
            return
        if isinstance(expr, MapList | ListOf | DictOf | Get | Merge | Pick | Format):
            for child in children(expr):
                self.hoist(child, indent)
        if isinstance(expr, Pick):
            self._pick(expr, indent)

    def _pick(self, pick: Pick, indent: str, pool: str | None = None) -> str:
        for path, value in pick.where:
            if isinstance(value, Merge) and value not in self.bound:
                wanted = self.fresh(f"wanted_{path[-1]}")
                self.lines.append(f"{indent}{wanted} = {self.text(value)}")
                self.bound[value] = wanted
        var = self.fresh(pick.noun)
        source = pool or self.text(pick.source) + (".values()" if pick.values else "")
        conds = " and ".join(
            f"{var}{''.join(f'[{literal(p)}]' for p in path)} == {self.text(value)}"
            for path, value in pick.where
        )
        head = f"{indent}{var} = next(({var} for {var} in {source} if {conds}), None)"
        if len(head) > LINE:
            generator = f"({var} for {var} in {source} if {conds}),"
            if len(indent) + 4 + len(generator) > LINE:
                i2 = indent + "        "
                generator = (
                    f"(\n{i2}{var}\n{i2}for {var} in {source}\n{i2}if {conds}\n{indent}    ),"
                )
            head = f"{indent}{var} = next(\n{indent}    {generator}\n{indent}    None,\n{indent})"
        self.lines.append(head)
        self.lines.append(f"{indent}if {var} is None:")
        self.lines.append(self._raise(self._missing(pick), indent + "    "))
        self.bound[pick] = var
        return var

    def _missing(self, pick: Pick) -> str:
        """``f"no item named {item_name!r} in order {order_id}"``."""
        parts = []
        for path, value in pick.where:
            name = ".".join(str(p) for p in path)
            shown = self.text(value)
            simple = isinstance(value, Param | LoopVar | Elem) or value in self.bound
            if not simple:
                parts.append(f"the requested {name}")
            elif name == "name" and len(pick.where) == 1:
                parts.append(f"named {{{shown}!r}}")
            else:
                parts.append(f"with {name} {{{shown}!r}}")
        where = self._where(pick.source)
        return f"no {pick.noun} {' and '.join(parts)}{where}"

    def _where(self, source: Expr) -> str:
        if not isinstance(source, Ref):
            return ""
        step = next((s for s in self.program.calls() if s.var == source.var), None)
        if step is None:
            return ""
        key = next(iter(step.arguments.values()), None)
        if isinstance(key, Param | LoopVar | Get | Ref):
            shown = self.text(key).replace('"', "'")  # quotes inside an f-string (3.11)
            return f" in {subject_of(step.tool)} {{{shown}}}"
        return ""

    def _map_loop(self, expr: MapList, indent: str, hint: str) -> None:
        var = self.fresh(hint or f"{loop_name(expr.param)}_list")
        item = self.fresh(loop_name(expr.param))
        consuming = [
            e
            for e in walk(expr.template)
            if isinstance(e, Pick)
            and any(isinstance(x, LoopVar) for _, c in e.where for x in walk(c))
        ]
        pools: dict[Expr, str] = {}
        for pick in consuming:
            self.hoist(pick.source, indent)
            if pick.source not in pools:
                pool = self.fresh(f"remaining_{_plural(pick.noun)}")
                values = ".values()" if pick.values else ""
                self.lines.append(f"{indent}{pool} = list({self.text(pick.source)}{values})")
                pools[pick.source] = pool
        self.lines.append(f"{indent}{var} = []")
        self.lines.append(f"{indent}for {item} in {expr.param}:")
        inner = indent + "    "
        saved = dict(self.bound)
        self.loops[expr.param] = item
        for pick in consuming:
            if pick not in self.bound:
                for _, value in pick.where:
                    self.hoist(value, inner)
                picked = self._pick(pick, inner, pools[pick.source])
                self.lines.append(f"{inner}{pools[pick.source]}.remove({picked})")
        self.hoist(expr.template, inner)
        self.lines.append(f"{inner}{var}.append({self.text(expr.template)})")
        self.bound = saved
        self.loops.pop(expr.param)
        self.bound[expr] = var

    # -- statements ----------------------------------------------------------------
    def steps(self, steps: list[Step], indent: str, returns: Expr | None) -> bool:
        """Render ``steps``; True when a ``return`` was emitted as the last call."""
        for index, step in enumerate(steps):
            last = index == len(steps) - 1
            if isinstance(step, CallStep):
                for key, value in step.arguments.items():
                    self.hoist(value, indent, key)
                if (
                    last
                    and returns is not None
                    and returns == Ref(step.var or "")
                    and not step.parsed
                ):
                    self.lines.append(self.call(step, indent, "return "))
                    return True
                prefix = f"{step.var} = " if step.var else ""
                self.lines.append(self.call(step, indent, prefix))
            elif isinstance(step, Guard):
                self._guard(step, indent)
            elif isinstance(step, ForEach):
                self._for_each(step, indent, returns)
            elif isinstance(step, Branch):
                self._branch(step, indent)
        return False

    def call(self, step: CallStep, indent: str, prefix: str) -> str:
        """``var = check_result(tools.tool(...), "tool")``: every result is checked for a
        reported failure (``parse_result`` checks, then parses JSON it indexes into)."""
        args = [f"{key}={self.text(value)}" for key, value in step.arguments.items()]
        helper = "parse_result" if step.parsed else "check_result"
        bare = _wrap(f"tools.{step.tool}(", args, ")", "", "")
        flat = f"{indent}{prefix}{helper}({bare}, {literal(step.tool)})"
        if len(flat) <= LINE and "\n" not in bare:
            return flat
        inner = _wrap(f"tools.{step.tool}(", args, ")", indent + "    ", "")
        return f"{indent}{prefix}{helper}(\n{inner},\n{indent}    {literal(step.tool)},\n{indent})"

    def _guard(self, guard: Guard, indent: str) -> None:
        field_name = (
            ".".join(str(p) for p in guard.left.path) if isinstance(guard.left, Ref) else ""
        )
        key = ""
        if isinstance(guard.key, Param | LoopVar):
            key = f" {{{self.text(guard.key)}}}"
        message = (
            f"{guard.subject}{key} belongs to another {field_name}, "
            f"not {{{self.text(guard.right)}!r}}"
        )
        self.lines.append(f"{indent}if {self.text(guard.left)} != {self.text(guard.right)}:")
        self.lines.append(self._raise(message, indent + "    "))

    @staticmethod
    def _raise(message: str, indent: str) -> str:
        """``raise SkillError(...)``; an f-string when the message shows values."""
        text = ("f" if "{" in message else "") + json.dumps(message, ensure_ascii=False)
        flat = f"{indent}raise SkillError({text})"
        if len(flat) <= LINE:
            return flat
        return f"{indent}raise SkillError(\n{indent}    {text}\n{indent})"

    def _for_each(self, loop: ForEach, indent: str, returns: Expr | None) -> None:
        item = self.fresh(loop_name(loop.param))
        body = loop.body
        if body.var is not None and returns is not None and Ref(body.var) in walk(returns):
            self.lines.append(f"{indent}if not {loop.param}:")
            message = f"{loop.param} is empty: there is nothing to do"
            self.lines.append(self._raise(message, indent + "    "))
        self.lines.append(f"{indent}for {item} in {loop.param}:")
        self.loops[loop.param] = item
        saved = dict(self.bound)
        inner = indent + "    "
        for key, value in body.arguments.items():
            self.hoist(value, inner, key)
        prefix = f"{body.var} = " if body.var else ""
        self.lines.append(self.call(body, inner, prefix))
        self.bound = saved
        self.loops.pop(loop.param)

    def _branch(self, branch: Branch, indent: str) -> None:
        options = []
        for n, (needed, steps) in enumerate(branch.cases):
            test = " and ".join(f"{p} is not None" for p in needed)
            self.lines.append(f"{indent}{'if' if n == 0 else 'elif'} {test}:")
            saved = dict(self.bound)
            self.steps(steps, indent + "    ", None)
            self.bound = saved
            options.append(_join(needed))
        self.lines.append(f"{indent}else:")
        joiner = " or " if all(" " not in o for o in options) else ", or "
        message = "give " + joiner.join(options)
        self.lines.append(self._raise(message, indent + "    "))


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def _join(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _wrap(head: str, args: list[str], tail: str, indent: str, prefix: str) -> str:
    flat = f"{indent}{prefix}{head}{', '.join(args)}{tail}"
    if len(flat) <= LINE or not args:
        return flat
    lines = [f"{indent}{prefix}{head}", *[f"{indent}    {a}," for a in args], f"{indent}{tail}"]
    return "\n".join(lines)
