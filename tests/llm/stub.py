"""Loopback model servers that play scripted answers, for driving litellm end to end.

Two dialects on one server class: OpenAI Chat Completions (``POST .../chat/completions``)
and Anthropic Messages (``POST .../messages``).  Each request pops the next scripted
action: an answer (text plus token usage), an HTTP error status, or a delay longer than
the client's timeout.  Every request body is recorded so tests can check what litellm
sent.  Binds 127.0.0.1 on a random port only; nothing here ever leaves the machine.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Action:
    """One scripted reaction: ``text`` answered, or ``status`` returned, after ``delay``."""

    text: str = ""
    status: int = 200
    delay: float = 0.0
    prompt_tokens: int = 120
    completion_tokens: int = 80


def answer(code: str, name: str = "", description: str = "", **kw: Any) -> Action:
    """A JSON answer as the prompt asks for it."""
    body = {"name": name, "description": description, "code": code}
    return Action(text=json.dumps(body), **kw)


@dataclass
class StubModel:
    """A running stub; ``api_base`` for litellm, ``requests`` as received (parsed JSON)."""

    dialect: str
    script: deque[Action] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    #: Optional (request body, answer text) -> (prompt, completion) tokens, for realistic
    #: usage figures (the benchmark counts with a tokenizer); else the action's numbers.
    count_tokens: Callable[[dict[str, Any], str], tuple[int, int]] | None = None
    #: Optional hook run on each request before answering (e.g. to probe a lock meanwhile).
    on_request: Callable[[dict[str, Any]], None] | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}" + ("/v1" if self.dialect == "openai" else "")

    def play(self, *actions: Action) -> StubModel:
        self.script.extend(actions)
        return self

    def start(self) -> StubModel:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append(body)
                stub.paths.append(self.path)
                if stub.on_request is not None:
                    stub.on_request(body)
                action = stub.script.popleft() if stub.script else Action(status=599)  # unscripted
                if action.delay:
                    time.sleep(action.delay)
                if action.status != 200:
                    why = "no answer scripted" if action.status == 599 else "scripted"
                    payload = {"error": {"message": f"{why} {action.status}", "type": "stub"}}
                    self._send(action.status, payload)
                    return
                self._send(200, stub._response(body, action))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and hung up: that is the point of a delay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _response(self, body: dict[str, Any], action: Action) -> dict[str, Any]:
        model = body.get("model", "stub")
        if self.count_tokens is not None:
            action.prompt_tokens, action.completion_tokens = self.count_tokens(body, action.text)
        if self.dialect == "anthropic":
            return {
                "id": f"msg_stub_{len(self.requests)}",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": action.text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {
                    "input_tokens": action.prompt_tokens,
                    "output_tokens": action.completion_tokens,
                },
            }
        return {
            "id": f"chatcmpl-stub-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": action.text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": action.prompt_tokens,
                "completion_tokens": action.completion_tokens,
                "total_tokens": action.prompt_tokens + action.completion_tokens,
            },
        }
