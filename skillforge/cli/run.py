"""``skillforge run NAME --args JSON --tools SPEC`` (or ``--mcp CMD`` / ``--mcp-url URL``)."""

from __future__ import annotations

import json
from contextlib import ExitStack

import click

from .common import emit_json, json_option, library
from .tool_options import host_tools, mcp_option, mcp_url_option


@click.command()
@click.argument("name")
@click.option("--args", "args_json", default="{}", help="The skill's inputs as a JSON object.")
@click.option(
    "--tools",
    "tools_spec",
    help="Host tools: pkg.module:obj or path/to/file.py:obj.",
)
@mcp_option
@mcp_url_option
@json_option
@click.pass_context
def run(
    ctx: click.Context,
    name: str,
    args_json: str,
    tools_spec: str | None,
    mcp_command: str | None,
    mcp_url: str | None,
    as_json: bool,
) -> None:
    """Run a skill in the sandbox against host tools."""
    from ..errors import InputError, SkillError

    try:
        inputs = json.loads(args_json)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", field="--args") from None
    with ExitStack() as stack:
        tools = host_tools(stack, tools_spec, mcp_command, mcp_url)
        result = library(ctx).run(name, inputs, tools)
    if as_json:
        emit_json(
            {
                "ok": result.ok,
                "value": result.value,
                "error": result.error,
                "message": result.message,
                "tool_calls": result.tool_calls,
            }
        )
    if not result.ok:
        raise SkillError(f"{name}: {result.message}", kind=result.error or "Error")
    if not as_json:
        value = result.value
        click.echo(value if isinstance(value, str) else json.dumps(value, indent=2))
