"""An upstream MCP server exposing the example shop's tools (stdio, or HTTP with --port).

Tests use it as the place a skill's own tools come from: skillforge connects to it with the
official MCP client, exactly as it would to a user's tool server.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import logging

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from examples.shop.env import ShopEnv

logging.getLogger("mcp").setLevel(logging.CRITICAL)


def build() -> MCPServer:
    server = MCPServer("shop")
    for name, fn in ShopEnv.seeded(0).tools().items():
        server.add_tool(fn, name=name, structured_output=False)

    def broken_tool() -> str:
        """Always fails (to test error propagation)."""
        raise ToolError("the warehouse is on fire")

    server.add_tool(broken_tool)
    return server


if __name__ == "__main__":
    if "--port" in sys.argv:
        port = int(sys.argv[sys.argv.index("--port") + 1])
        build().run(transport="streamable-http", host="127.0.0.1", port=port)
    else:
        build().run()
