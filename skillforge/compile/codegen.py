"""Render a :class:`~skillforge.compile.ir.Program` as a readable Python module (libcst).

The module is what a reviewer reads in a pull request, so we aim for what a careful person
would write: named variables, keyword arguments, a docstring with ``Args``/``Returns``, a
helper only when it pays (``parse_result`` appears only when a result is JSON that the
skill indexes into).  Nodes are built with libcst rather than by string concatenation so
quoting and precedence are always right.
"""

from __future__ import annotations

import json
import textwrap

import libcst as cst

from .ir import CallStep, Const, DictOf, Expr, ListOf, Param, Program, Ref

PARSE_HELPER = '''
def parse_result(text: Any, tool: str) -> Any:
    """A tool's JSON result as data, or a clear SkillError with what the tool said instead."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise SkillError(f"{tool} returned {text[:200]!r}, not JSON") from None
'''


def literal(value: object) -> str:
    """Python source for a JSON value, double-quoted like the rest of the code base."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def expr_node(expr: Expr) -> cst.BaseExpression:
    if isinstance(expr, Param):
        return cst.Name(expr.name)
    if isinstance(expr, Const):
        return cst.parse_expression(literal(expr.value))
    if isinstance(expr, Ref):
        return cst.parse_expression(expr.var + "".join(f"[{literal(p)}]" for p in expr.path))
    if isinstance(expr, ListOf):
        return cst.List([cst.Element(expr_node(item)) for item in expr.items])
    if isinstance(expr, DictOf):
        return cst.Dict(
            [
                cst.DictElement(cst.SimpleString(literal(key)), expr_node(value))
                for key, value in expr.items
            ]
        )
    raise TypeError(f"unknown expression {expr!r}")


_MODULE = cst.Module(body=[])
LINE = 88


def code(node: cst.CSTNode) -> str:
    return _MODULE.code_for_node(node)


def call_text(step: CallStep, indent: str, prefix: str) -> str:
    """``prefix + tools.name(k=v, ...)``, wrapped the way a formatter would when too long."""
    args = [f"{key}={code(expr_node(value))}" for key, value in step.arguments.items()]
    call = _wrap(f"tools.{step.tool}(", args, ")", indent, prefix)
    if not step.parsed:
        return call
    flat = f"{indent}{prefix}parse_result({call.strip()}, {literal(step.tool)})"
    if len(flat) <= LINE and "\n" not in call:
        return flat
    inner = _wrap(f"tools.{step.tool}(", args, ")", indent + "    ", "")
    return f"{indent}{prefix}parse_result(\n{inner},\n{indent}    {literal(step.tool)},\n{indent})"


def _wrap(head: str, args: list[str], tail: str, indent: str, prefix: str) -> str:
    flat = f"{indent}{prefix}{head}{', '.join(args)}{tail}"
    if len(flat) <= LINE or not args:
        return flat
    lines = [f"{indent}{prefix}{head}", *[f"{indent}    {a}," for a in args], f"{indent}{tail}"]
    return "\n".join(lines)


def _body(program: Program) -> list[str]:
    lines: list[str] = []
    returned = program.returns
    indent = "    "
    for index, step in enumerate(program.steps):
        is_last = index == len(program.steps) - 1
        if is_last and returned == Ref(step.var or "") and not step.parsed:
            lines.append(call_text(step, indent, "return "))
            return lines
        prefix = f"{step.var} = " if step.var else ""
        lines.append(call_text(step, indent, prefix))
    if returned is not None:
        lines.append(f"{indent}return {code(expr_node(returned))}")
    return lines


def docstring(program: Program, compiled_from: int) -> str:
    summary = program.description.rstrip()
    if summary and summary[-1] not in ".!?":
        summary += "."
    lines = [textwrap.fill(summary, 88, break_long_words=False)]
    if program.params:
        lines += ["", "Args:"]
        for p in program.params:
            text = p.description
            if p.examples:
                example = f"e.g. {p.examples[0]!r}"
                text = f"{text.rstrip('.')} ({example})." if text else f"{example}."
            lines.append(f"    {p.name}: {text}".rstrip())
    tools = ", ".join(program.tools())
    lines += ["", "Returns:", f"    {_returns_text(program)}", "", f"Tools: {tools}."]
    if compiled_from:
        noun = "trajectory" if compiled_from == 1 else "trajectories"
        lines.append(f"Compiled by skillforge from {compiled_from} {noun}.")
    body = "\n".join(lines).replace('"""', "'''")
    return body


def _returns_text(program: Program) -> str:
    returned = program.returns
    if isinstance(returned, Ref):
        step = next((s for s in program.steps if s.var == returned.var), None)
        tool = step.tool if step else "the last call"
        if returned.path:
            field = ".".join(str(p) for p in returned.path)
            return f"The `{field}` field of what {tool} returned."
        return f"What {tool} returned."
    return "The result."


def signature(program: Program) -> str:
    params = [f"{p.name}: {p.annotation}" for p in program.params]
    returns = f") -> {program.return_annotation}:"
    flat = f"def {program.name}(tools: Any{', *, ' if params else ''}{', '.join(params)}{returns}"
    if len(flat) <= LINE:
        return flat
    lines = [f"def {program.name}(", "    tools: Any,"]
    if params:
        lines.append("    *,")
        lines += [f"    {p}," for p in params]
    return "\n".join(lines) + "\n" + returns


def render(program: Program, compiled_from: int = 1) -> str:
    """The skill module's source, checked to parse (libcst) before it is returned."""
    needs_parse = any(step.parsed for step in program.steps)
    annotations = [p.annotation for p in program.params] + [program.return_annotation]
    typing_names = ["Any"]
    if any("Literal[" in a for a in annotations):
        typing_names.append("Literal")
    header = ["import json"] if needs_parse else []
    header.append(f"from typing import {', '.join(typing_names)}")
    doc = textwrap.indent(docstring(program, compiled_from), "    ").strip()
    function = "\n".join([signature(program), f'    """{doc}\n    """', *_body(program)])
    blocks = [
        f'"""Skill {program.name!r}: generated by skillforge, reviewed like any code."""',
        "\n".join(header),
    ]
    if needs_parse:
        blocks.append(PARSE_HELPER.strip())
    blocks.append(function)
    source = "\n\n".join(blocks[:2]) + "\n\n\n" + "\n\n\n".join(blocks[2:]) + "\n"
    cst.parse_module(source)  # a rendering bug must fail here, not in review
    return source
