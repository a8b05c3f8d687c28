"""The MCP server over a stdio subprocess and over streamable HTTP on 127.0.0.1.

In both, the skills' own tools come from a second (upstream) MCP server, the example shop,
reached by skillforge's MCP client: over stdio in the first test, over HTTP in the second.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters
from mcpkit import ROOT, SHOP_COMMAND, SHOP_SERVER, free_ports
from skillkit import PENDING_ORDER

CLI = str(ROOT / "cli.py")


async def exercise(client: Client) -> None:
    names = {t.name for t in (await client.list_tools()).tools}
    assert {"order_status", "cancel_order", "search_skills"} <= names
    ok = await client.call_tool("order_status", {"order_id": PENDING_ORDER})
    assert not ok.is_error, ok.content
    assert ok.content[0].text == "pending"  # type: ignore[union-attr]
    failed = await client.call_tool("always_fails", {"order_id": PENDING_ORDER})
    assert failed.is_error and "always fails" in failed.content[0].text  # type: ignore[union-attr]
    missing = await client.call_tool("order_status", {"order_id": "#W0000000"})
    assert missing.is_error and "not found" in missing.content[0].text  # type: ignore[union-attr]
    # a state-changing skill reaches the upstream server, which keeps the change
    done = await client.call_tool(
        "cancel_order", {"order_id": PENDING_ORDER, "reason": "no longer needed"}
    )
    assert not done.is_error, done.content
    after = await client.call_tool("order_status", {"order_id": PENDING_ORDER})
    assert after.content[0].text == "cancelled"  # type: ignore[union-attr]


def test_stdio_server_with_upstream_stdio_tools(skills: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=[CLI, "--skills-dir", str(skills), "serve", "--mcp", SHOP_COMMAND],
        env=dict(os.environ),
        cwd=str(ROOT),
    )

    async def main() -> None:
        async with Client(params, read_timeout_seconds=120) as client:
            await exercise(client)

    anyio.run(main)


def test_http_server_with_upstream_http_tools(skills: Path, spawn) -> None:  # type: ignore[no-untyped-def]
    upstream_port, port = free_ports(2)
    spawn([sys.executable, SHOP_SERVER, "--port", str(upstream_port)], upstream_port)
    spawn(
        [
            sys.executable,
            CLI,
            "--skills-dir",
            str(skills),
            "serve",
            "--transport",
            "http",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--mcp-url",
            f"http://127.0.0.1:{upstream_port}/mcp",
        ],
        port,
    )

    async def main() -> None:
        async with Client(f"http://127.0.0.1:{port}/mcp", read_timeout_seconds=120) as client:
            await exercise(client)
        async with Client(
            f"http://127.0.0.1:{port}/mcp", mode="legacy", read_timeout_seconds=120
        ) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert "order_status" in names

    anyio.run(main)


def test_run_cli_takes_tools_from_an_mcp_server(skills: Path) -> None:
    import subprocess

    out = subprocess.run(
        [
            sys.executable,
            CLI,
            "--skills-dir",
            str(skills),
            "run",
            "order_status",
            "--args",
            f'{{"order_id": "{PENDING_ORDER}"}}',
            "--mcp",
            SHOP_COMMAND,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "pending"

    both = subprocess.run(
        [
            sys.executable,
            CLI,
            "--skills-dir",
            str(skills),
            "run",
            "order_status",
            "--args",
            "{}",
            "--mcp",
            SHOP_COMMAND,
            "--tools",
            "examples.shop.tools:tools",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert both.returncode == 2 and "only one of" in both.stderr

    broken = subprocess.run(
        [
            sys.executable,
            CLI,
            "--skills-dir",
            str(skills),
            "run",
            "order_status",
            "--args",
            "{}",
            "--mcp",
            f"{sys.executable} -c pass",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert broken.returncode == 2 and "cannot connect to the MCP server" in broken.stderr
    assert "Traceback" not in broken.stderr
