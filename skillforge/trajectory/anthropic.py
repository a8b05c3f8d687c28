"""Anthropic Messages (the ``messages`` list of a request, plus the reply's content).

The assistant's ``tool_use`` blocks (``id``, ``name``, ``input`` as an object) are answered
by ``tool_result`` blocks in the next user message, matched by ``tool_use_id``; a result's
``content`` is a string or a list of blocks (its text is kept) and ``is_error`` marks a
failed call.  ``mcp_tool_use``/``mcp_tool_result`` are read the same way.  ``thinking``
blocks and server-side tools (``server_tool_use``, web search results) are not calls of the
agent's own tools and are skipped.  Blocks keep their order: text, then the calls it
introduces.
"""

from __future__ import annotations

from typing import Any

from .base import CallBook, Format, Parsed, ReadContext, finish, tag, text_of
from .model import Message, Step

_ROLES = {"user", "assistant", "system"}
_USES = {"tool_use", "mcp_tool_use"}
_RESULTS = {"tool_result", "mcp_tool_result"}
_SIGNATURE = _USES | _RESULTS | {"thinking", "redacted_thinking", "server_tool_use"}


def detect(payload: Any) -> bool:
    if not isinstance(payload, list) or not payload:
        return False
    signature = False
    for msg in payload:
        if not isinstance(msg, dict) or tag(msg.get("role")) not in _ROLES or "tool_calls" in msg:
            return False
        content = msg.get("content")
        if isinstance(content, list):
            signature = signature or any(
                isinstance(b, dict) and tag(b.get("type")) in _SIGNATURE for b in content
            )
        elif not isinstance(content, str):
            return False
    return signature


def read(payload: Any, ctx: ReadContext) -> Parsed:
    ctx.expect(payload, list)
    steps: list[Step] = []
    book = CallBook(ctx)
    for i, msg in enumerate(payload):
        ctx.expect(msg, dict, i)
        role = ctx.string(msg.get("role"), "message role", i, "role")
        content = msg.get("content")
        if isinstance(content, str):
            if content:
                steps.append(Message(role=role, content=content))
            continue
        ctx.expect(content, list, i, "content")
        texts: list[str] = []
        for j, block in enumerate(content):
            ctx.expect(block, dict, i, "content", j)
            kind = tag(block.get("type"))
            if kind == "text":
                texts.append(text_of([block]))
            elif kind in _USES:
                _flush(steps, role, texts)
                args = block.get("input")
                args = {} if args is None else ctx.expect(args, dict, i, "content", j, "input")
                steps.append(book.add(block.get("id"), block.get("name"), args, i, "content", j))
            elif kind in _RESULTS:
                _flush(steps, role, texts)
                body = block.get("content")
                result = text_of(body) if isinstance(body, list) else body
                book.resolve(block.get("tool_use_id"), "" if result is None else result,
                             i, "content", j, is_error=block.get("is_error") is True,
                             id_key="tool_use_id")
            elif not isinstance(kind, str):
                ctx.fail("content block has no type", i, "content", j, "type",
                         hint='give each block a "type": text, tool_use or tool_result')
        _flush(steps, role, texts)
    book.finish()
    return finish(steps)


def _flush(steps: list[Step], role: str, texts: list[str]) -> None:
    text = "\n".join(t for t in texts if t)
    if text:
        steps.append(Message(role=role, content=text))
    texts.clear()


FORMAT = Format("anthropic", detect, read, "Anthropic Messages (tool_use / tool_result)")
