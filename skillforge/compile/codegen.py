"""Render a :class:`~skillforge.compile.ir.Program` as a readable Python module.

The module is what a reviewer reads in a pull request, so we aim for what a careful person
would write: named variables, keyword arguments, a docstring with ``Args``/``Returns``, a
helper only when it pays (``parse_result`` appears only when a result is JSON that the
skill indexes into).  Every result goes through ``check_result``, which raises a
``SkillError`` for a result that reports a failure, by the rule the trajectory parser uses
to mark a recorded call failed (``looks_like_error``), so an error text is never taken for
data or returned as a success.  Every literal is produced by ``json.dumps``/``repr`` (see
``statements``), and the finished module is parsed before it is returned, so a rendering
bug fails here rather than in review.  The parse uses the standard library's parser: it
catches the same errors as libcst without a third of a second of import per promotion.
"""

from __future__ import annotations

import ast
import textwrap

from ..trajectory.base import ERROR_FIELDS, ERROR_PREFIXES
from .ir import Program, Ref
from .statements import LINE, Body, literal

#: The parser's rule (``trajectory.base.looks_like_error``), emitted into each skill.
CHECK_CONSTANTS = (
    f"ERROR_PREFIXES = ({', '.join(literal(p) for p in ERROR_PREFIXES)})\n"
    f"ERROR_FIELDS = {{{', '.join(literal(f) for f in ERROR_FIELDS)}}}"
)

CHECK_HELPER = '''
def check_result(result: Any, tool: str) -> Any:
    """A tool's result, or a SkillError when it reports a failure (the rule that marks a
    recorded call failed: an error text, or an object holding only error fields)."""
    data = result
    if isinstance(result, str):
        text = result.strip()
        if text.lower().startswith(ERROR_PREFIXES):
            raise SkillError(f"{tool} failed: {text[:200]}")
        if not (text.startswith("{") and '"error"' in text):
            return result
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return result
    if (
        isinstance(data, dict)
        and "error" in data
        and set(data) <= ERROR_FIELDS
        and data["error"] not in (None, False, "")
    ):
        raise SkillError(f"{tool} failed: {str(data['error'])[:200]}")
    return result
'''

PARSE_HELPER = '''
def parse_result(text: Any, tool: str) -> Any:
    """A tool's JSON result as data, or a SkillError saying it failed or was not JSON."""
    text = check_result(text, tool)
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise SkillError(f"{tool} returned {text[:200]!r}, not JSON") from None
'''


def body_lines(program: Program) -> list[str]:
    """The function body after the docstring (see ``statements``)."""
    taken = {"tools", "json", "check_result", "parse_result", *(p.name for p in program.params)}
    taken |= {step.var for step in program.calls() if step.var}
    body = Body(program, taken)
    returned = body.steps(program.steps, "    ", program.returns)
    if not returned and program.returns is not None:
        body.hoist(program.returns, "    ")
        body.lines.append(f"    return {body.text(program.returns)}")
    return body.lines


def docstring(program: Program, compiled_from: int) -> str:
    summary = program.description.rstrip()
    if summary and summary[-1] not in ".!?":
        summary += "."
    width = LINE - 4  # the docstring sits one indent deep in the function
    lines = [textwrap.fill(summary, width - 3, break_long_words=False)]  # after """
    if program.params:
        lines += ["", "Args:"]
        for p in program.params:
            text = p.description
            if p.examples:
                example = f"e.g. {p.examples[0]!r}"
                text = f"{text.rstrip('.')} ({example})." if text else f"{example}."
            lines.append(
                textwrap.fill(
                    f"{p.name}: {text}".rstrip(),
                    width,
                    initial_indent="    ",
                    subsequent_indent="        ",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
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
        step = next((s for s in program.calls() if s.var == returned.var), None)
        tool = step.tool if step else "the last call"
        if returned.path:
            field = ".".join(str(p) for p in returned.path)
            return f"The `{field}` field of what {tool} returned."
        return f"What {tool} returned."
    return "The result."


def signature(program: Program) -> str:
    params = [
        f"{p.name}: {p.annotation}" if p.required else f"{p.name}: {p.annotation} | None = None"
        for p in program.params
    ]
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
    """The skill module's source, checked to parse before it is returned."""
    needs_parse = any(step.parsed for step in program.calls())
    annotations = [p.annotation for p in program.params] + [program.return_annotation]
    typing_names = ["Any"]
    if any("Literal[" in a for a in annotations):
        typing_names.append("Literal")
    header = ["import json", f"from typing import {', '.join(typing_names)}"]
    doc = textwrap.indent(docstring(program, compiled_from), "    ").strip()
    function = "\n".join([signature(program), f'    """{doc}\n    """', *body_lines(program)])
    blocks = [
        f'"""Skill {program.name!r}: generated by skillforge, reviewed like any code."""',
        "\n".join(header),
    ]
    blocks[-1] += "\n\n" + CHECK_CONSTANTS
    blocks.append(CHECK_HELPER.strip())
    if needs_parse:
        blocks.append(PARSE_HELPER.strip())
    blocks.append(function)
    source = "\n\n".join(blocks[:2]) + "\n\n\n" + "\n\n\n".join(blocks[2:]) + "\n"
    ast.parse(source)  # a rendering bug must fail here, not in review
    return source
