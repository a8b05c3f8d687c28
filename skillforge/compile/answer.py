"""Reading a model's answer: the skill's code, name and description, never executed.

We ask for a JSON object (``name``, ``description``, ``code``) and use structured output
where the provider has it, but models still wrap answers in markdown fences, add prose, or
answer with bare code.  Extraction is tolerant in what it accepts and strict in what it
returns: the code must parse with libcst (the same parser the trace compiler's output
passes), or the answer is a list of problems to send back in a repair round.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)```", re.DOTALL)


@dataclass
class Answer:
    """What we could read from one answer; ``problems`` is empty when the code is usable."""

    code: str = ""
    name: str | None = None
    description: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_answer(text: str | None) -> Answer:
    """The skill in ``text``: a JSON object, fenced JSON, fenced Python or bare Python."""
    text = (text or "").strip()
    if not text:
        return Answer(problems=["the answer was empty; answer with the JSON object"])
    answer = _from_json(text)
    if answer is None:
        code = _fenced_code(text)
        answer = Answer(code=code if code is not None else text)
    answer.code = _unfence(answer.code).strip("\n") + "\n"
    problem = syntax_problem(answer.code)
    if problem:
        answer.problems.append(problem)
    elif answer.name is None:
        answer.name = skill_function(answer.code)
    if not answer.description:
        answer.description = _docstring_summary(answer.code, answer.name)
    return answer


def syntax_problem(code: str) -> str | None:
    """One line naming the first syntax error, or ``None`` when libcst parses the code.

    ``ast`` names the error best ("'(' was never closed"); libcst is the gate because the
    rest of the pipeline (and the trace compiler's output) is held to what it accepts.
    """
    import libcst

    try:
        ast.parse(code)
    except SyntaxError as exc:
        return f"line {exc.lineno}: syntax error: {exc.msg}"
    try:
        libcst.parse_module(code)
    except libcst.ParserSyntaxError as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid syntax"
        return f"line {exc.raw_line}: syntax error: {message}"
    except Exception as exc:  # libcst raises a few other errors on odd input
        return f"the code does not parse: {exc}"
    return None


def _from_json(text: str) -> Answer | None:
    for candidate in _json_candidates(text):
        try:
            data: Any = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            name = data.get("name")
            description = data.get("description")
            return Answer(
                code=data["code"],
                name=name.strip() if isinstance(name, str) and name.strip() else None,
                description=description.strip() if isinstance(description, str) else "",
            )
    return None


def _json_candidates(text: str) -> list[str]:
    """The whole text, fenced JSON blocks, and the outermost ``{...}`` span."""
    out = [text]
    out += [body for lang, body in _FENCE.findall(text) if lang.lower() in ("json", "")]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        out.append(text[start : end + 1])
    return out


def _fenced_code(text: str) -> str | None:
    """The longest fenced block that looks like Python (``python``/``py`` or unlabelled)."""
    blocks = [body for lang, body in _FENCE.findall(text) if lang.lower() in ("python", "py", "")]
    return max(blocks, key=len) if blocks else None


def _unfence(code: str) -> str:
    """A code string that is itself one fenced block (models do this inside JSON too)."""
    stripped = code.strip()
    if stripped.startswith("```"):
        inner = _fenced_code(stripped + ("\n```" if stripped.count("```") == 1 else ""))
        if inner is not None:
            return inner
    return code


def skill_function(code: str) -> str | None:
    """The top-level function whose first parameter is ``tools`` (the skill itself)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            params = node.args.posonlyargs + node.args.args
            if params and params[0].arg == "tools":
                return node.name
    return None


def _docstring_summary(code: str, name: str | None) -> str:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            doc = ast.get_docstring(node) or ""
            return doc.strip().split("\n\n")[0].replace("\n", " ").strip()
    return ""


__all__ = ["Answer", "read_answer", "skill_function", "syntax_problem"]
