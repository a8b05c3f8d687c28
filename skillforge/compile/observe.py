"""What a trajectory observed: kept calls, parsed results, and the answer a run produced.

Shared by the compilers (to explain arguments) and the verifier (to know what a replay
must return), so that both judge a run by the same rules.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..trajectory.model import ToolCall, Trajectory
from .ir import Path
from .naming import param_name

#: A secret the parser redacted: ``<REDACTED:github_token>``, ``<REDACTED:input:api_token>``.
SECRET = re.compile(r"<REDACTED:[^<>]{1,100}>")


class Observation:
    """A kept call's result, with its JSON parse when it is JSON text."""

    def __init__(self, var: str, call: ToolCall) -> None:
        self.var = var
        self.call = call
        self.raw = call.result
        self.parsed: Any = None
        self.is_json = False
        if isinstance(call.result, str):
            text = call.result.strip()
            if text[:1] in ("{", "["):
                try:
                    self.parsed = json.loads(text)
                    self.is_json = True
                except json.JSONDecodeError:
                    pass
        elif isinstance(call.result, dict | list):
            self.parsed, self.is_json = call.result, True


def kept_calls(traj: Trajectory) -> list[ToolCall]:
    """Successful calls, with exact repeats of a read (retries, re-reads) dropped."""
    seen: set[str] = set()
    kept = []
    for call in traj.tool_calls:
        if call.is_error:
            continue
        key = call.name + json.dumps(call.arguments, sort_keys=True, default=str)
        if traj.is_read_only(call.name) and key in seen:
            continue
        seen.add(key)
        kept.append(call)
    return kept


def effective_inputs(traj: Trajectory) -> dict[str, Any]:
    """The run's inputs; for a run that declares none, the argument values the task text
    quotes (``"cancel order #W123"`` → ``order_id``), named after the argument.

    A value the user typed is a parameter, even if a later lookup also returned it.  Only
    strings of 3+ characters quoted as whole words count, and only when the run declares no
    inputs at all: declared inputs are the user's word on what varies.
    """
    if traj.inputs or not traj.task:
        return dict(traj.inputs)
    found: dict[str, Any] = {}
    for call in kept_calls(traj):
        for key, value in call.arguments.items():
            if (
                not isinstance(value, str)
                or len(value) < 3
                or value in found.values()
                or not re.search(rf"(?<![\w#]){re.escape(value)}(?!\w)", traj.task)
            ):
                continue
            name, n = key, 2
            while name in found:
                name, n = f"{key}_{n}", n + 1
            found[name] = value
    return found


def secret_params(traj: Trajectory) -> dict[str, str]:
    """Placeholder → parameter name, for each redacted secret the run's calls sent that is
    not one of its inputs (``auth_token="<REDACTED:github_token>"`` → ``auth_token``).

    Such a secret cannot be a constant of the skill (the placeholder is not the secret), so
    the caller supplies it; the parameter is named after the argument that first carried
    it.  The compiler and the replay (which passes the placeholder back in) share this.
    """
    inputs = effective_inputs(traj)
    known = {v for v in inputs.values() if isinstance(v, str)}
    taken = {param_name(key) for key in inputs}
    out: dict[str, str] = {}
    for call in kept_calls(traj):
        for key, text in _strings(call.arguments):
            for placeholder in SECRET.findall(text):
                if placeholder in known or placeholder in out:
                    continue
                base = param_name(key)
                name, n = base, 2
                while name in taken:
                    name, n = f"{base}_{n}", n + 1
                taken.add(name)
                out[placeholder] = name
    return out


def _strings(node: Any, key: str = "value") -> list[tuple[str, str]]:
    """(nearest argument or field name, string) for every string in an argument value."""
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in _strings(v, str(k))]
    if isinstance(node, list):
        return [pair for v in node for pair in _strings(v, key)]
    return [(key, node)] if isinstance(node, str) else []


def answer_path(parsed: Any, answer: str | None, known: list[Any]) -> Path | None:
    """The scalar field of a result that the final answer quotes, if exactly one value is
    quoted that the agent did not already know (``known``: inputs and call arguments).

    Where the value sits at several paths (a total that equals its only item's price) the
    shallowest path wins: it is the one a person would name.
    """
    if not answer:
        return None
    given = {json.dumps(v, sort_keys=True) for v in known}
    hits: dict[str, list[Path]] = {}
    for path, leaf in leaves(parsed):
        if isinstance(leaf, bool) or leaf is None or json.dumps(leaf) in given:
            continue
        text = str(leaf)
        if len(text) < 2:
            continue
        if re.search(rf"(?<![\w.]){re.escape(text)}(?![\w]|\.\d)", answer):
            hits.setdefault(json.dumps(leaf), []).append(path)
    if len(hits) != 1:
        return None
    (paths,) = hits.values()
    return min(paths, key=len)


def known_values(traj: Trajectory) -> list[Any]:
    """What the agent knew before the last result: its inputs and every argument it sent."""
    values = list(effective_inputs(traj).values())
    for call in traj.tool_calls:
        values.extend(call.arguments.values())
    return values


def leaves(node: Any, path: Path = ()) -> list[tuple[Path, Any]]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in leaves(v, path + (k,))]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in leaves(v, path + (i,))]
    return [(path, node)]


def at_path(node: Any, path: Path) -> Any:
    for part in path:
        node = node[part]
    return node


def expected_result(traj: Trajectory) -> Any:
    """What a skill compiled from this run must return: the last kept call's result, or
    the one field of it that the final answer quotes (for a read-only last call)."""
    calls = kept_calls(traj)
    if not calls:
        return None
    last = Observation("result", calls[-1])
    if traj.is_read_only(last.call.name) and last.is_json:
        path = answer_path(last.parsed, traj.final_answer, known_values(traj))
        if path is not None:
            return at_path(last.parsed, path)
    return last.raw
