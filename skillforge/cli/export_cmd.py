"""``skillforge export --format openai|anthropic|mcp|langchain|agent-skills [--out DIR]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .common import emit_json, info, library

FORMATS = ("openai", "anthropic", "mcp", "langchain", "agent-skills")


def tool_definitions(lib: Any, fmt: str, shape: str, strict: bool) -> list[dict[str, Any]]:
    """The skills as one framework's tool definitions."""
    from ..export.langchain import langchain_tool
    from ..export.mcp import mcp_tool

    if fmt == "openai":
        return list(lib.openai_tools(shape=shape, strict=strict))
    if fmt == "anthropic":
        return list(lib.anthropic_tools())
    make = mcp_tool if fmt == "mcp" else langchain_tool
    return [make(lib.manifest(name)) for name in lib.names()]


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="openai", show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Write files into this directory instead of printing JSON.",
)
@click.option(
    "--shape",
    type=click.Choice(["chat", "responses"]),
    default="chat",
    show_default=True,
    help="OpenAI API: Chat Completions or Responses.",
)
@click.option("--strict", is_flag=True, help="OpenAI strict mode (structured outputs).")
@click.pass_context
def export(ctx: click.Context, fmt: str, out: str | None, shape: str, strict: bool) -> None:
    """Export the skills as tool definitions for an agent framework."""
    from ..errors import InputError

    lib = library(ctx)
    if fmt == "agent-skills":
        from ..export.agent_skills import write_agent_skills

        if out is None:
            raise InputError("agent-skills writes folders", field="--out", hint="pass --out DIR")
        names = lib.names()
        folders = write_agent_skills(
            [lib.manifest(n) for n in names], {n: lib.source(n) for n in names}, Path(out)
        )
        info(f"wrote {len(folders)} Agent Skills folder(s) to {out}")
        return
    definitions = tool_definitions(lib, fmt, shape, strict)
    if out is None:
        emit_json(definitions)
        return
    import json

    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    suffix = f"-{shape}" if fmt == "openai" and shape != "chat" else ""
    path = target / f"{fmt}{suffix}{'-strict' if strict else ''}.tools.json"
    path.write_text(json.dumps(definitions, indent=2, ensure_ascii=False) + "\n")
    info(f"wrote {len(definitions)} tool definition(s) to {path}")
