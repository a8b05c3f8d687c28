"""smolagents memory steps, as ``agent.memory.get_full_steps()`` (or ``get_succinct_steps``)
serialises them.

* ``TaskStep`` ``{"task": ...}`` is the task; ``SystemPromptStep`` and ``PlanningStep``
  become system / assistant messages.
* ``ActionStep`` has ``tool_calls`` (OpenAI-shaped, ``arguments`` an object, or the code of a
  ``CodeAgent`` step), one ``observations`` text for the whole step and an ``error``.  When a
  tool raises, smolagents fails the step before recording its calls: we take them from
  ``model_output_message.tool_calls`` and give the failing one the error message.
* smolagents joins the observations of parallel calls with newlines, in the order of the
  (id-sorted) ``tool_calls``.  When the step's observation has exactly one line per call we
  split it; otherwise each call of that step gets the whole text (the split is not
  recoverable and inventing one would mislead dataflow).
* The ``final_answer`` tool call is the run's final answer, not a tool call of the task.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .base import CallBook, Format, Parsed, ReadContext, finish, loads_json, text_of
from .model import Message, Step, ToolCall

_FINAL = "final_answer"
_TOOL_IN_ERROR = re.compile(r"tool '([^']+)'")


def _is_step(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    if "step_number" in item:
        return any(k in item for k in ("tool_calls", "observations", "model_output", "error"))
    return (
        ("task" in item and "task_images" in item)
        or ("plan" in item and "model_output_message" in item)
        or set(item) == {"system_prompt"}
        or set(item) == {"output"}
    )


def detect(payload: Any) -> bool:
    return (
        isinstance(payload, list)
        and bool(payload)
        and all(_is_step(s) for s in payload)
        and any(isinstance(s, dict) and ("step_number" in s or "task" in s) for s in payload)
    )


def read(payload: Any, ctx: ReadContext) -> Parsed:
    ctx.expect(payload, list)
    steps: list[Step] = []
    book = CallBook(ctx)
    final: Any = None
    failed = False
    for i, item in enumerate(payload):
        ctx.expect(item, dict, i)
        if "step_number" not in item:
            final = _other_step(item, steps, ctx, i, final)
            continue
        text = _assistant_text(item)
        if text:
            steps.append(Message(role="assistant", content=text))
        calls, answer = _action_calls(item, book, ctx, i)
        steps.extend(calls)
        if answer is not None:
            final = answer
        elif item.get("is_final_answer") and item.get("action_output") is not None:
            final = item["action_output"]
        error = item.get("error")
        failed = error is not None and final is None
        _attach_results(item, calls, book, ctx, i)
    book.finish(require_results=False)
    answer = None if final is None else final if isinstance(final, str) else json.dumps(final)
    return finish(steps, final_answer=answer, outcome="failure" if failed else None)


def _other_step(item: dict[str, Any], steps: list[Step], ctx: ReadContext, i: int,
                final: Any) -> Any:
    if "task" in item:
        steps.append(Message(role="user", content=ctx.string(item["task"], "task", i, "task")))
    elif "system_prompt" in item and isinstance(item["system_prompt"], str):
        steps.append(Message(role="system", content=item["system_prompt"]))
    elif "plan" in item and isinstance(item["plan"], str):
        steps.append(Message(role="assistant", content=item["plan"]))
    elif "output" in item:
        return item["output"]
    return final


def _assistant_text(item: dict[str, Any]) -> str:
    output = item.get("model_output")
    if output is None and isinstance(item.get("model_output_message"), dict):
        output = item["model_output_message"].get("content")
    return text_of(output).strip()


def _action_calls(item: dict[str, Any], book: CallBook, ctx: ReadContext,
                  i: int) -> tuple[list[ToolCall], Any]:
    """The step's calls (without ``final_answer``) and the final answer it gave, if any."""
    raw, where = item.get("tool_calls"), "tool_calls"
    message = item.get("model_output_message")
    if not raw and item.get("error") and isinstance(message, dict) and message.get("tool_calls"):
        raw, where = message["tool_calls"], "model_output_message.tool_calls"
    if raw is None:
        return [], None
    ctx.expect(raw, list, i, *where.split("."))
    calls: list[ToolCall] = []
    answer: Any = None
    for j, tc in enumerate(raw):
        at: tuple[str | int, ...] = (i, *where.split("."), j)
        ctx.expect(tc, dict, *at)
        fn = tc.get("function") if isinstance(tc.get("function"), dict) else tc
        name = ctx.string(fn.get("name"), "tool name", *at, "function", "name")
        args = _arguments(name, fn.get("arguments"), ctx, *at, "function", "arguments")
        if name == _FINAL:
            answer = args.get("answer", args) if len(args) == 1 else args
            continue
        calls.append(book.add(tc.get("id"), name, args, *at))
    return calls, answer


def _arguments(name: str, raw: Any, ctx: ReadContext, *parts: str | int) -> dict[str, Any]:
    """An object; a JSON string of one; or code (``python_interpreter``) / free text."""
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        try:
            parsed = loads_json(raw)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            return parsed
        return {"code" if name == "python_interpreter" else "input": raw}
    ctx.fail(f"arguments must be an object or a string, found {type(raw).__name__}", *parts,
             hint="give arguments as a JSON object or a string holding one")


def _attach_results(item: dict[str, Any], calls: list[ToolCall], book: CallBook,
                    ctx: ReadContext, i: int) -> None:
    if not calls:
        return
    observations = item.get("observations")
    if observations is not None and not isinstance(observations, str):
        ctx.fail("observations must be a string", i, "observations",
                 hint="observations are the tools' output as text")
    error = item.get("error")
    message = None
    if error is not None:
        if isinstance(error, dict):
            message = str(error.get("message") or error.get("type") or "error")
        else:
            message = str(error)
    if message is not None and observations is None:
        failing = _TOOL_IN_ERROR.search(message)
        culprit = next((c for c in calls if failing and c.name == failing.group(1)), calls[-1])
        for call in calls:
            if call is culprit:
                book.resolve_call(call, message, is_error=True)
        return
    if observations is None:
        return
    lines = observations.split("\n")
    parts = lines if len(calls) > 1 and len(lines) == len(calls) else [observations] * len(calls)
    for call, part in zip(calls, parts, strict=True):
        book.resolve_call(call, part)


FORMAT = Format("smolagents", detect, read, "smolagents memory steps")
