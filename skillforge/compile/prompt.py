"""The LLM compiler's prompt: what a model must know to write a skill we can verify.

The model sees exactly what the trace compiler sees (the normalized trajectories and the
tool specs), plus the trace compiler's draft and why it failed, and the rules the verifier
will enforce.  Telling the model the rules up front saves repair rounds; the verifier
still checks every one of them, so the prompt is advice, never trust.

The template text is hashed (:data:`TEMPLATE_HASH`) and the hash stored in each skill's
manifest, so a skill records which prompt produced it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ..trajectory.model import Message, ToolCall, Trajectory
from ..verify.static import ALLOWED_IMPORTS

RESULT_LIMIT = 3000

SYSTEM = """\
You compile an AI agent's successful runs into one small, verified Python function (a
"skill") so that next time the agent makes one call instead of repeating the procedure.

Rules the verifier enforces (a skill that breaks one is rejected):
- One module. At module level only imports, constants and function definitions.
- The skill is the top-level function `{name}(tools, *, <parameters>)`: `tools` first and
  positional, every other parameter keyword-only with a type annotation (str, int, float,
  bool, list[str], Literal[...], `X | None = None` for optional ones), a return annotation
  and a docstring saying what the skill does.
- Call tools only as `tools.<tool_name>(arg=value, ...)` with keyword arguments, and only
  the tools listed below. Tool results are exactly what the runs show (often JSON strings:
  parse them with json.loads).
- Allowed imports: {imports}. Nothing else (no os, sys, subprocess, requests, io).
- No dunder or private names (nothing starting with `_`), no exec/eval/open/getattr/globals.
- To fail, `raise SkillError("what went wrong and what to do")` (SkillError is predefined).
- Replay check: run against each recorded run with its inputs as arguments, the skill must
  make the same state-changing calls (name and arguments, in order) and return the same
  value as the run's result: by default the result of the run's last tool call (or the
  field of it that the final answer was built from, as the draft below shows).
- Property check: the skill is also run with arbitrary inputs of the declared types and
  arbitrary tool results shaped like the recorded ones. It must then either work or raise
  SkillError (check inputs; parse JSON results with try/except raising SkillError; check
  keys and types before using them), be deterministic and finish quickly.
- Generalize: values that come from the inputs or from earlier tool results must not be
  hard-coded.

Answer with one JSON object and nothing else:
{{"name": "<snake_case skill name>", "description": "<one sentence>", "code": "<module>"}}
"""

FIRST = """\
Write the skill {name_clause}.

## Tools
{tools}

## Recorded runs
{runs}

## The trace compiler's draft
{draft}
"""

REPAIR = """\
The verifier rejected that skill:
{problems}

Fix every problem and answer again with the whole JSON object ({name_clause})."""

TEMPLATE_HASH = "sha256:" + hashlib.sha256((SYSTEM + FIRST + REPAIR).encode()).hexdigest()[:16]

#: JSON Schema of the answer, for providers with structured output.
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "code": {"type": "string"},
    },
    "required": ["name", "description", "code"],
    "additionalProperties": False,
}


@dataclass
class PromptInput:
    """Everything the first prompt is built from."""

    trajectories: list[Trajectory]
    labels: list[str]
    name: str | None
    trace_source: str | None = None
    trace_problems: list[str] = field(default_factory=list)
    taken_names: set[str] = field(default_factory=set)


def name_clause(name: str | None, taken: set[str]) -> str:
    if name:
        return f"named `{name}` (the function and the JSON name must both be `{name}`)"
    avoid = f"; not one of: {', '.join(sorted(taken))}" if taken else ""
    return (
        "and choose its name: a short snake_case verb phrase such as `cancel_order`, "
        f"used for both the function and the JSON name{avoid}"
    )


def first_messages(data: PromptInput) -> list[dict[str, str]]:
    """The opening conversation: the rules (system) and the task (user)."""
    clause = name_clause(data.name, data.taken_names)
    imports = ", ".join(sorted(ALLOWED_IMPORTS))
    system = SYSTEM.format(name=data.name or "<skill_name>", imports=imports)
    user = FIRST.format(
        name_clause=clause,
        tools=render_tools(data.trajectories),
        runs="\n\n".join(
            render_run(t, label, i + 1)
            for i, (t, label) in enumerate(zip(data.trajectories, data.labels, strict=True))
        ),
        draft=render_draft(data.trace_source, data.trace_problems),
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def repair_message(problems: list[str], name: str | None, taken: set[str]) -> dict[str, str]:
    """The verifier's findings, as the next user turn of the conversation."""
    listed = "\n".join(f"- {p}" for p in problems) or "- (no details)"
    return {
        "role": "user",
        "content": REPAIR.format(problems=listed, name_clause=name_clause(name, taken)),
    }


def render_tools(trajectories: list[Trajectory]) -> str:
    """Each declared tool once: name, whether it changes state, description, arguments."""
    seen: dict[str, str] = {}
    for traj in trajectories:
        for spec in traj.tools:
            if spec.name in seen:
                continue
            kind = "read-only" if traj.is_read_only(spec.name) else "changes state"
            args = json.dumps(spec.parameters.get("properties", {}), sort_keys=True)
            seen[spec.name] = f"- {spec.name} ({kind}): {spec.description.strip()}\n  args: {args}"
        for call in traj.tool_calls:
            if call.name not in seen:
                kind = "read-only" if traj.is_read_only(call.name) else "changes state"
                seen[call.name] = f"- {call.name} ({kind}): no spec recorded"
    return "\n".join(seen[name] for name in sorted(seen)) or "(none)"


def render_run(traj: Trajectory, label: str, number: int) -> str:
    """One run as compact text: task, inputs, calls with results, final answer."""
    lines = [
        f"### Run {number} ({label})",
        f"task: {traj.task.strip()}",
        f"inputs (the skill's arguments): {json.dumps(traj.inputs, sort_keys=True)}",
        "steps:",
    ]
    shown_elsewhere = {"", traj.task.strip(), (traj.final_answer or "").strip()}
    for step in traj.steps:
        if isinstance(step, ToolCall):
            flag = " [FAILED]" if step.is_error else ""
            args = json.dumps(step.arguments, sort_keys=True, ensure_ascii=False)
            lines.append(f"- call {step.name}({args}){flag}")
            lines.append(f"  result: {_clip(step.result)}")
        elif (
            isinstance(step, Message)
            and step.role != "system"
            and step.content.strip() not in shown_elsewhere
        ):
            lines.append(f"- {step.role}: {_clip(step.content, 600)}")
    if traj.final_answer:
        lines.append(f"final answer: {_clip(traj.final_answer, 600)}")
    return "\n".join(lines)


def render_draft(source: str | None, problems: list[str]) -> str:
    if not source:
        why = "; ".join(problems) or "it produced nothing"
        return f"The trace compiler could not compile these runs: {why}"
    text = f"```python\n{source.rstrip()}\n```"
    if problems:
        text += "\nIt failed verification:\n" + "\n".join(f"- {p}" for p in problems)
    else:
        text += "\nIt passed verification; improve it only where the runs call for it."
    return text


def _clip(value: Any, limit: int = RESULT_LIMIT) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


__all__ = [
    "ANSWER_SCHEMA",
    "TEMPLATE_HASH",
    "PromptInput",
    "first_messages",
    "repair_message",
]
