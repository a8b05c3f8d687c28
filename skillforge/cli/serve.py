"""``skillforge serve [--transport stdio|http] [--host H --port N] [--tools|--mcp|--mcp-url]``."""

from __future__ import annotations

from contextlib import ExitStack

import click

from .common import info, library
from .tool_options import host_tools, mcp_option, mcp_url_option, tools_option


@click.command()
@click.option(
    "--transport", type=click.Choice(["stdio", "http"]), default="stdio", show_default=True
)
@click.option("--host", default="127.0.0.1", show_default=True, help="HTTP: address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="HTTP: port.")
@click.option(
    "--poll", default=1.0, show_default=True, type=float, help="Seconds between change checks."
)
@tools_option
@mcp_option
@mcp_url_option
@click.pass_context
def serve(
    ctx: click.Context,
    transport: str,
    host: str,
    port: int,
    poll: float,
    tools_spec: str | None,
    mcp_command: str | None,
    mcp_url: str | None,
) -> None:
    """Serve the skills as MCP tools (stdio, or streamable HTTP at /mcp)."""
    import anyio

    from ..errors import InputError

    try:
        from ..mcp_server import SkillServer
    except ImportError:
        raise InputError(
            "the MCP server needs the mcp extra", hint="pip install 'skillforge[mcp]'"
        ) from None
    lib = library(ctx)
    lib.store.require()
    with ExitStack() as stack:
        tools = host_tools(stack, tools_spec, mcp_command, mcp_url, required=False)
        server = SkillServer(lib, tools, poll=poll)
        if transport == "stdio":
            anyio.run(server.run_stdio)
        else:
            info(f"serving {len(lib.names())} skill(s) at http://{host}:{port}/mcp")
            anyio.run(server.run_http, host, port)
