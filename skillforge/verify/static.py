"""Static checks on a skill's source, before anything runs.

These are the reviewer's first questions, answered mechanically: is it one typed function
with the conventional signature and a docstring, does it call only the tools it declares,
import only allow-listed modules, and stay away from dunders and private names?  The
sandbox enforces the same policy at run time; failing early gives a clearer message.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

ALLOWED_IMPORTS = frozenset(
    {
        "json",
        "re",
        "math",
        "datetime",
        "decimal",
        "collections",
        "itertools",
        "statistics",
        "string",
        "typing",
        "dataclasses",
    }
)
FORBIDDEN_NAMES = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "open",
        "__import__",
        "globals",
        "locals",
        "vars",
        "getattr",
        "setattr",
        "delattr",
        "breakpoint",
        "input",
        "memoryview",
        "help",
    }
)


@dataclass
class SkillFacts:
    """What the source says about itself (recomputed, never trusted from a draft)."""

    tools: list[str] = field(default_factory=list)
    params: list[tuple[str, str, bool]] = field(default_factory=list)  # name, annotation, required
    returns: str = "Any"
    docstring: str = ""


@dataclass
class StaticReport:
    problems: list[str]
    facts: SkillFacts

    @property
    def ok(self) -> bool:
        return not self.problems


def check(source: str, name: str, declared_tools: set[str]) -> StaticReport:
    """Check ``source`` defines ``name(tools, *, ...)`` that calls only ``declared_tools``."""
    facts = SkillFacts()
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return StaticReport([f"line {exc.lineno}: syntax error: {exc.msg}"], facts)
    problems: list[str] = []
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    for node in tree.body:
        if not isinstance(
            node, ast.FunctionDef | ast.Import | ast.ImportFrom | ast.Expr | ast.Assign
        ):
            problems.append(
                f"line {node.lineno}: only imports, constants and functions may be "
                f"at module level, found {type(node).__name__}"
            )
    entry = functions.get(name)
    if entry is None:
        problems.append(f"no top-level function named {name!r}")
    else:
        problems += _check_signature(entry, facts)
    for any_node in ast.walk(tree):
        problems += _check_node(any_node, declared_tools, facts)
    facts.tools = sorted(set(facts.tools))
    return StaticReport(problems, facts)


def _check_signature(fn: ast.FunctionDef, facts: SkillFacts) -> list[str]:
    problems = []
    args = fn.args
    if [a.arg for a in args.posonlyargs + args.args] != ["tools"]:
        problems.append(f"line {fn.lineno}: the signature must be {fn.name}(tools, *, ...)")
    if args.vararg or args.kwarg:
        problems.append(f"line {fn.lineno}: *args/**kwargs are not allowed; name each parameter")
    defaults = dict(zip([a.arg for a in args.kwonlyargs], args.kw_defaults, strict=True))
    for arg in args.kwonlyargs:
        if arg.annotation is None:
            problems.append(f"line {arg.lineno}: parameter {arg.arg!r} has no type annotation")
            continue
        facts.params.append((arg.arg, ast.unparse(arg.annotation), defaults[arg.arg] is None))
    if fn.returns is None:
        problems.append(f"line {fn.lineno}: {fn.name} has no return annotation")
    else:
        facts.returns = ast.unparse(fn.returns)
    doc = ast.get_docstring(fn)
    if not doc:
        problems.append(f"line {fn.lineno}: {fn.name} has no docstring")
    facts.docstring = doc or ""
    return problems


def _check_node(node: ast.AST, declared: set[str], facts: SkillFacts) -> list[str]:
    line = getattr(node, "lineno", 0)
    if isinstance(node, ast.Import | ast.ImportFrom):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
        bad = [m for m in modules if (m or "").split(".")[0] not in ALLOWED_IMPORTS]
        if bad or (isinstance(node, ast.ImportFrom) and node.level):
            return [
                f"line {line}: import of {bad or 'a relative module'} is not allowed "
                f"(allowed: {', '.join(sorted(ALLOWED_IMPORTS))})"
            ]
    if isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            return [f"line {line}: access to private attribute {node.attr!r} is not allowed"]
        if isinstance(node.value, ast.Name) and node.value.id == "tools":
            facts.tools.append(node.attr)
            if node.attr not in declared:
                return [
                    f"line {line}: calls tool {node.attr!r}, which the trajectories never "
                    f"used (declared: {', '.join(sorted(declared)) or 'none'})"
                ]
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            return [f"line {line}: names starting with '_' are not allowed ({node.id!r})"]
        if node.id in FORBIDDEN_NAMES:
            return [f"line {line}: {node.id!r} is not allowed in a skill"]
    if isinstance(node, ast.Global | ast.Nonlocal | ast.AsyncFunctionDef | ast.Await):
        return [f"line {line}: {type(node).__name__} is not allowed in a skill"]
    return []
