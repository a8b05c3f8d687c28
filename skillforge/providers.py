"""Tool providers: where a skill's own tools come from when it is called.

A skill receives its host tools as plain callables.  They can come from a Python mapping
or object, a ``--tools`` spec (``pkg.module:obj`` or ``file.py:obj``), a plain HTTP JSON
endpoint (``--tools http://host/tools``: see :class:`HttpToolProvider`), or an upstream MCP
server reached through the official ``mcp`` SDK client over stdio (``--mcp 'cmd args'``)
or streamable HTTP (``--mcp-url``).  The MCP client lives on its own event loop in a
background thread, so the callables stay synchronous: the sandbox calls them from
whatever thread runs the skill, including an MCP server's worker threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from .errors import ToolProviderError

Tools = Mapping[str, Callable[..., Any]]


def resolve_tools(tools: Any) -> dict[str, Callable[..., Any]]:
    """Host tools from a mapping, a ``--tools`` spec string, a provider or an object."""
    from .tools import load_tools, tools_of

    if tools is None:
        return {}
    if isinstance(tools, str) and tools.startswith(("http://", "https://")):
        return HttpToolProvider(tools).tools()
    if isinstance(tools, str):
        return load_tools(tools)
    if isinstance(tools, McpToolProvider | HttpToolProvider):
        return tools.tools()
    if isinstance(tools, Mapping):  # may be empty: a skill that needs tools then says which
        return {str(k): v for k, v in tools.items() if callable(v)}
    return tools_of(tools)


class McpToolProvider:
    """The tools of an upstream MCP server, as synchronous callables.

    ``McpToolProvider(command="python server.py")`` (stdio) or
    ``McpToolProvider(url="http://127.0.0.1:8000/mcp")`` (streamable HTTP); use it as a
    context manager or call :meth:`close`.
    """

    def __init__(
        self,
        command: str | list[str] | None = None,
        *,
        url: str | None = None,
        timeout: float = 60.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if (command is None) == (url is None):
            raise ToolProviderError(
                "give exactly one of an MCP command or an MCP URL", field="--mcp/--mcp-url"
            )
        self.command = shlex.split(command) if isinstance(command, str) else command
        if self.command is not None and not self.command:
            raise ToolProviderError("the MCP command is empty", field="--mcp")
        self.url = url
        self.timeout = timeout
        self.env = dict(env) if env is not None else dict(os.environ)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Any = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready: Future[list[Any]] = Future()
        self._specs: list[Any] = []

    @property
    def label(self) -> str:
        return self.url or shlex.join(self.command or [])

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> McpToolProvider:
        """Connect and list the upstream tools (idempotent)."""
        if self._thread is None:
            try:
                import mcp  # noqa: F401  (fail here, clearly, rather than in the thread)
            except ImportError:
                raise ToolProviderError(
                    "MCP tool providers need the mcp extra",
                    field="--mcp-url" if self.url else "--mcp",
                    hint="pip install 'skillforge[mcp]'",
                ) from None
            self._thread = threading.Thread(target=self._run, name="skillforge-mcp", daemon=True)
            self._thread.start()
            try:
                self._specs = self._ready.result(timeout=self.timeout)
            except ToolProviderError:
                raise
            except Exception as exc:
                raise ToolProviderError(
                    f"cannot connect to the MCP server {self.label}: {type(exc).__name__}: {exc}",
                    field="--mcp-url" if self.url else "--mcp",
                    hint="check that the server starts and speaks MCP",
                ) from None
        return self

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surface start-up failures to start()
            if not self._ready.done():
                self._ready.set_exception(_unwrap(exc))

    async def _main(self) -> None:
        from mcp import Client, StdioServerParameters

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if self.url is not None:
            target: Any = self.url
        else:
            assert self.command is not None
            target = StdioServerParameters(
                command=self.command[0], args=self.command[1:], env=self.env
            )
        async with Client(target, read_timeout_seconds=self.timeout) as client:
            self._client = client
            listed = await client.list_tools()
            self._ready.set_result(list(listed.tools))
            await self._stop.wait()

    def close(self) -> None:
        """Disconnect (and stop a stdio server process)."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> McpToolProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- tools ---------------------------------------------------------------------
    def tools(self) -> dict[str, Callable[..., Any]]:
        """One synchronous callable per upstream tool."""
        self.start()
        return {spec.name: self._callable(spec.name) for spec in self._specs}

    def _callable(self, name: str) -> Callable[..., Any]:
        def call_upstream(**arguments: Any) -> Any:
            return self.call(name, arguments)

        call_upstream.__name__ = name
        return call_upstream

    def call(self, name: str, arguments: dict[str, Any]) -> Any:
        """Call an upstream tool; an MCP tool error becomes an exception naming the tool."""
        if self._loop is None or self._client is None:
            raise ToolProviderError(f"the MCP server {self.label} is not connected")
        future = asyncio.run_coroutine_threadsafe(
            self._client.call_tool(name, arguments), self._loop
        )
        result = future.result(timeout=self.timeout)
        text = "\n".join(getattr(c, "text", "") for c in result.content if hasattr(c, "text"))
        if result.is_error:
            raise RuntimeError(f"{name} failed upstream: {text or 'no message'}")
        return tool_value(result.structured_content, text, len(result.content))


def tool_value(structured: Any, text: str, blocks: int) -> Any:
    """A plain value for an MCP tool result, as the tool's function returned it.

    The SDK wraps a non-object return value as ``{"result": value}``; that is unwrapped.
    Without structured content the text is the value (tools often return JSON strings,
    which skills parse themselves, exactly as with a local tool).
    """
    if isinstance(structured, dict):
        if set(structured) == {"result"}:
            return structured["result"]
        return structured
    if structured is not None:
        return structured
    return text if blocks else None


def _unwrap(exc: BaseException) -> BaseException:
    """The first real error inside an anyio ExceptionGroup (what the user needs to see)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


class HttpToolProvider:
    """Tools behind a plain HTTP JSON endpoint, for services with no MCP server or SDK.

    ``GET {url}`` lists the tools (a JSON list of names, or of objects with a ``name``, or
    ``{"tools": [...]}``); ``POST {url}/{name}`` with the arguments as a JSON object calls
    one and answers with its result as JSON.  A non-2xx answer is a tool error carrying
    the response body.  Only the standard library is used.
    """

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _request(self, url: str, body: bytes | None = None) -> Any:
        import json
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            url,
            data=body,
            method="POST" if body is not None else "GET",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            raise RuntimeError(f"HTTP {exc.code} from {url}: {detail}") from None
        text = payload.decode("utf-8", "replace")
        try:
            return json.loads(text) if text else None
        except ValueError:
            return text

    def tools(self) -> dict[str, Callable[..., Any]]:
        try:
            listed = self._request(self.url)
        except (OSError, RuntimeError) as exc:
            raise ToolProviderError(
                f"cannot list the tools at {self.url}: {exc}",
                field="--tools",
                hint="GET on the URL must answer a JSON list of tool names",
            ) from None
        if isinstance(listed, dict):
            listed = listed.get("tools")
        if not isinstance(listed, list):
            raise ToolProviderError(f"{self.url} did not answer a list of tools", field="--tools")
        names = [t.get("name") if isinstance(t, dict) else t for t in listed]
        return {n: self._callable(n) for n in names if isinstance(n, str) and n}

    def _callable(self, name: str) -> Callable[..., Any]:
        import json
        import urllib.parse

        url = f"{self.url}/{urllib.parse.quote(name)}"

        def call_http(**arguments: Any) -> Any:
            return self._request(url, json.dumps(arguments).encode())

        call_http.__name__ = name
        return call_http
