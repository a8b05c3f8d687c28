"""The host-tool options shared by ``run`` and ``serve``: --tools, --mcp, --mcp-url."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import click

tools_option = click.option(
    "--tools",
    "tools_spec",
    help="Host tools: pkg.module:obj, path/to/file.py:obj, or an http(s) JSON tool URL.",
)
mcp_option = click.option(
    "--mcp", "mcp_command", help="Host tools from an MCP server started as this command (stdio)."
)
mcp_url_option = click.option(
    "--mcp-url", "mcp_url", help="Host tools from an MCP server at this streamable HTTP URL."
)


def host_tools(
    stack: ExitStack,
    tools_spec: str | None,
    mcp_command: str | None,
    mcp_url: str | None,
    *,
    required: bool = True,
) -> dict[str, Callable[..., Any]]:
    """Load the host tools from exactly one source; an MCP client is closed with ``stack``."""
    from ..errors import InputError
    from ..providers import McpToolProvider, resolve_tools

    given = [x for x in (tools_spec, mcp_command, mcp_url) if x]
    if len(given) > 1:
        raise InputError("give only one of --tools, --mcp and --mcp-url", field="--tools")
    if tools_spec:
        return resolve_tools(tools_spec)
    if mcp_command or mcp_url:
        provider = McpToolProvider(mcp_command, url=mcp_url)
        stack.enter_context(provider)
        return provider.tools()
    if required:
        raise InputError(
            "the skill needs host tools",
            field="--tools",
            hint="pass --tools SPEC, --mcp 'COMMAND' or --mcp-url URL",
        )
    return {}
