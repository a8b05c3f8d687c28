"""Host tools from a plain HTTP JSON endpoint on 127.0.0.1 (no MCP, no SDK)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from skillkit import PENDING_ORDER, shop_tools

from skillforge.errors import SkillError, ToolProviderError
from skillforge.providers import HttpToolProvider


@pytest.fixture
def tool_url() -> Iterator[str]:
    tools = shop_tools()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _send(self, code: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._send(200, {"tools": [{"name": n} for n in tools]})

        def do_POST(self) -> None:
            name = self.path.rsplit("/", 1)[-1]
            args = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if name == "get_order_details" and args.get("order_id") == "#BOOM":
                self._send(500, {"error": "database is down"})
                return
            self._send(200, tools[name](**args))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tools"
    server.shutdown()
    server.server_close()


def test_skills_call_http_json_tools(lib, tool_url: str) -> None:  # type: ignore[no-untyped-def]
    (status,) = lib.as_tools(tool_url, names=["order_status"])
    assert status(order_id=PENDING_ORDER) == "pending"
    with pytest.raises(SkillError, match="database is down"):
        status(order_id="#BOOM")


def test_unreachable_endpoint_is_a_clear_provider_error() -> None:
    with pytest.raises(ToolProviderError, match="cannot list the tools"):
        HttpToolProvider("http://127.0.0.1:9/tools", timeout=2).tools()
