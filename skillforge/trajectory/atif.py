"""ATIF, the Agent Trajectory Interchange Format (Harbor's RFC 0001, v1.0 to v1.8).

A trajectory is ``{"schema_version": "ATIF-v1.x", "agent": {...}, "steps": [...]}``.  A
step has a ``source`` (``system``/``user``/``agent``), a ``message`` (text or content
parts), the agent's ``tool_calls`` (``tool_call_id``, ``function_name``, ``arguments``)
and an ``observation`` whose ``results`` answer calls by ``source_call_id``.  ATIF has no
error flag, so failures are recognised from the result (``Error: ...``) or a producer's
``extra.is_error``/``extra.error``.  Results without a ``source_call_id`` (actions that are
not tool calls) are kept as ``tool`` messages.  Tool specs come from
``agent.tool_definitions``.  A bare list of steps (inside the envelope) is read too.
"""

from __future__ import annotations

from typing import Any

from .base import CallBook, Format, Parsed, ReadContext, finish, text_of, tool_specs
from .model import Message, Step

_ROLE = {"agent": "assistant", "user": "user", "system": "system"}


def _is_step(item: Any) -> bool:
    return isinstance(item, dict) and "step_id" in item and "source" in item


def detect(payload: Any) -> bool:
    if isinstance(payload, dict):
        version = payload.get("schema_version")
        if isinstance(version, str) and version.upper().startswith("ATIF"):
            return True
        steps = payload.get("steps")
        return isinstance(payload.get("agent"), dict) and isinstance(steps, list) and all(
            _is_step(s) for s in steps
        )
    return isinstance(payload, list) and bool(payload) and all(_is_step(s) for s in payload)


def read(payload: Any, ctx: ReadContext) -> Parsed:
    tools = []
    at: tuple[str, ...] = ()
    if isinstance(payload, dict):
        agent = payload.get("agent")
        if isinstance(agent, dict) and agent.get("tool_definitions") is not None:
            tools = tool_specs(agent["tool_definitions"], ctx, "agent", "tool_definitions")
        at = ("steps",)
        payload = payload.get("steps")
    ctx.expect(payload, list, *at)
    steps: list[Step] = []
    book = CallBook(ctx)
    for i, step in enumerate(payload):
        ctx.expect(step, dict, *at, i)
        source = ctx.string(step.get("source"), "step source", *at, i, "source")
        text = text_of(step.get("message"))
        if text:
            steps.append(Message(role=_ROLE.get(source, source), content=text))
        calls = step.get("tool_calls") or []
        ctx.expect(calls, list, *at, i, "tool_calls")
        for j, tc in enumerate(calls):
            ctx.expect(tc, dict, *at, i, "tool_calls", j)
            args = tc.get("arguments")
            args = {} if args is None else ctx.expect(args, dict, *at, i, "tool_calls", j,
                                                      "arguments")
            steps.append(book.add(tc.get("tool_call_id"), tc.get("function_name"), args,
                                  *at, i, "tool_calls", j, id_key="tool_call_id",
                                  name_key="function_name"))
        observation = step.get("observation")
        if observation is None:
            continue
        ctx.expect(observation, dict, *at, i, "observation")
        results = ctx.expect(observation.get("results", []), list, *at, i, "observation",
                             "results")
        for k, res in enumerate(results):
            ctx.expect(res, dict, *at, i, "observation", "results", k)
            content = res.get("content")
            value = text_of(content) if isinstance(content, list) else content
            call_id = res.get("source_call_id")
            if call_id is None:
                if value:
                    steps.append(Message(role="tool", content=str(value)))
                continue
            book.resolve(call_id, value, *at, i, "observation", "results", k,
                         is_error=_flagged(res.get("extra")), id_key="source_call_id")
    book.finish()
    return finish(steps, tools=tools)


def _flagged(extra: Any) -> bool:
    """A producer's own error flag in ``extra`` (ATIF itself has none)."""
    if not isinstance(extra, dict):
        return False
    return extra.get("is_error") is True or bool(extra.get("error")) or extra.get(
        "status"
    ) in ("error", "failed")


FORMAT = Format("atif", detect, read, "ATIF (Agent Trajectory Interchange Format)")
