"""The skills directory as an MCP server, built on the official ``mcp`` SDK (2.x).

Every skill is an MCP tool named after it, with the signature's input schema, an output
schema when the return type is known, its description and read-only/destructive hints
from the manifest; ``search_skills`` finds skills in a large library.  Calls run in the
warm sandbox pool (in a worker thread, so the event loop keeps serving), against host
tools from a ``--tools`` spec or an upstream MCP server.  Failures come back as MCP tool
errors (``isError``) the model can read, never as protocol errors or crashes.

The tool list follows the directory: a watcher compares ``skill.json`` stamps every
``poll`` seconds and, on a change, tells clients ``notifications/tools/list_changed`` —
on ``subscriptions/listen`` streams for 2026-07-28 clients, on the session for older ones.
"""

from __future__ import annotations

import inspect
import logging
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from .errors import SkillforgeError
from .export.dispatch import result_text
from .export.mcp import mcp_tool, structured_result

if TYPE_CHECKING:
    from .library import SkillLibrary

log = logging.getLogger("skillforge.serve")
SEARCH_TOOL = "search_skills"


def search_skills(query: str, k: int = 5) -> list[dict[str, Any]]:
    """Find the skills that match a task description; returns names, versions, descriptions.

    Args:
        query: What you want to do, in your own words.
        k: How many skills to return.
    """
    raise NotImplementedError  # the signature is the schema; the server answers the call


def search_tool() -> dict[str, Any]:
    """The ``search_skills`` tool, its schema taken from the signature above."""
    from pydantic import TypeAdapter

    from .export.callables import docstring_summary

    schema = TypeAdapter(search_skills).json_schema()  # type: ignore[arg-type]
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return {
        "name": SEARCH_TOOL,
        "description": docstring_summary(inspect.getdoc(search_skills) or ""),
        "inputSchema": schema,
        "annotations": {"title": "Search skills", "readOnlyHint": True, "openWorldHint": False},
    }


class SkillServer:
    """An MCP server over a :class:`SkillLibrary` with the host tools its skills call."""

    def __init__(
        self,
        lib: SkillLibrary,
        tools: Mapping[str, Callable[..., Any]] | None = None,
        *,
        poll: float = 1.0,
        name: str = "skillforge",
        page_size: int = 500,
    ) -> None:
        self.lib = lib
        self.tools = dict(tools or {})
        self.poll = poll
        self.name = name
        self.page_size = page_size
        self._stamps: dict[str, str] = {}
        self._watching = False  # the watcher keeps _stamps current
        self._searched_stamps: dict[str, str] | None = None
        self._definitions: dict[str, tuple[str, dict[str, Any]]] = {}
        self._legacy_sessions: weakref.WeakSet[Any] = weakref.WeakSet()
        self.server = self._build()

    # -- the SDK server ------------------------------------------------------------
    def _build(self) -> Any:
        from mcp.server.lowlevel import NotificationOptions, Server
        from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler

        from . import __version__

        class _Server(Server):
            """Advertises ``tools.listChanged`` on every transport (each asks for its own
            initialization options, with the SDK's default of not advertising it)."""

            def create_initialization_options(
                self, notification_options: Any = None, *a: Any, **kw: Any
            ) -> Any:
                options = notification_options or NotificationOptions(tools_changed=True)
                return super().create_initialization_options(options, *a, **kw)

        self.bus = InMemorySubscriptionBus()
        server: Any = _Server(
            self.name,
            version=__version__,
            instructions="Verified skills compiled from agent trajectories. "
            f"Call {SEARCH_TOOL} to find one when the list is long.",
            lifespan=self._lifespan,
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_subscriptions_listen=ListenHandler(self.bus),
        )
        self.init_options = server.create_initialization_options()
        return server

    @asynccontextmanager
    async def _lifespan(self, _server: Any) -> AsyncIterator[dict[str, Any]]:
        import anyio

        from .index import skill_stamps

        self._stamps = skill_stamps(self.lib.path)
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._watch)
            self._watching = True
            try:
                yield {}
            finally:
                self._watching = False
                tg.cancel_scope.cancel()

    async def _watch(self) -> None:
        import anyio

        from .index import skill_stamps

        while True:
            await anyio.sleep(self.poll)
            stamps = await anyio.to_thread.run_sync(skill_stamps, self.lib.path)
            if stamps != self._stamps:
                self._stamps = stamps
                await self.tools_changed()

    async def tools_changed(self) -> None:
        """Tell every connected client that the tool list changed."""
        from mcp.server.subscriptions import ToolsListChanged

        log.info("skills changed; notifying clients")
        await self.bus.publish(ToolsListChanged())
        for connection in list(self._legacy_sessions):
            try:
                await connection.send_tool_list_changed()
            except Exception:  # a closed connection must not stop the others
                self._legacy_sessions.discard(connection)

    def _remember(self, ctx: Any) -> None:
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        if ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            # The session object is per request; the connection is what outlives it (the
            # SDK offers no public accessor from a lowlevel handler's context yet).
            self._legacy_sessions.add(getattr(ctx.session, "_connection", ctx.session))

    # -- handlers ------------------------------------------------------------------
    def tool_definitions(self) -> list[dict[str, Any]]:
        """``search_skills``, then every skill as an MCP tool (JSON form).

        Definitions are cached per ``skill.json`` stamp, so listing a large library reads
        only the manifests that changed since the last listing.
        """
        from .index import skill_stamps

        stamps = skill_stamps(self.lib.path)
        tools = [search_tool()]
        for name in sorted(stamps):
            cached = self._definitions.get(name)
            if cached is None or cached[0] != stamps[name]:
                try:
                    cached = (stamps[name], mcp_tool(self.lib.manifest(name)))
                except (SkillforgeError, KeyError, ValueError) as exc:  # a broken manifest
                    log.warning("skipping skill %s: %s", name, exc)
                    continue
                self._definitions[name] = cached
            tools.append(cached[1])
        for gone in set(self._definitions) - set(stamps):
            del self._definitions[gone]
        if any(t["name"] == SEARCH_TOOL for t in tools[1:]):
            tools.pop(0)  # a skill of that name wins
        return tools

    async def _list_tools(self, ctx: Any, params: Any) -> Any:
        """One page of tools; a library larger than ``page_size`` is listed with cursors."""
        import anyio
        import mcp_types as types

        self._remember(ctx)
        definitions = await anyio.to_thread.run_sync(self.tool_definitions)
        cursor = getattr(params, "cursor", None) if params is not None else None
        start = int(cursor) if cursor and str(cursor).isdigit() else 0
        page = definitions[start : start + self.page_size]
        following = start + self.page_size
        return types.ListToolsResult(
            tools=[types.Tool.model_validate(t) for t in page],
            next_cursor=str(following) if following < len(definitions) else None,
        )

    async def _call_tool(self, ctx: Any, params: Any) -> Any:
        import anyio

        self._remember(ctx)
        arguments = dict(params.arguments or {})
        try:
            if params.name == SEARCH_TOOL and params.name not in self.lib.names():
                query = str(arguments.get("query", ""))
                k = int(arguments.get("k", 5))
                # The watcher stats every skill.json each poll: search re-indexes only
                # when it saw a change since the last search, not on every call.
                stamps = self._stamps
                refresh = not self._watching or stamps != self._searched_stamps
                hits = await anyio.to_thread.run_sync(
                    lambda: self.lib.search(query, k=k, refresh=refresh)
                )
                self._searched_stamps = stamps
                return _result(result_text(hits), {"result": hits})
            return await anyio.to_thread.run_sync(self.call_skill, params.name, arguments)
        except SkillforgeError as exc:
            return _error(exc.one_line())
        except Exception as exc:  # never let a tool call take the server down
            log.exception("tool %s failed", params.name)
            return _error(f"{params.name} failed: {type(exc).__name__}: {exc}")

    def call_skill(self, name: str, arguments: dict[str, Any]) -> Any:
        """Run a skill in the sandbox; its value, or an MCP tool error saying why not."""
        from .errors import InputError

        if name not in self.lib.names():
            raise InputError(f"no skill named {name!r}", hint="list the tools to see the skills")
        manifest = self.lib.manifest(name)
        required = set(manifest["parameters"].get("required", []))
        inputs = {k: v for k, v in arguments.items() if v is not None or k in required}
        result = self.lib.run(name, inputs, self.tools)
        if not result.ok:
            return _error(f"{name} failed ({result.error}): {result.message}")
        return _result(result_text(result.value), structured_result(manifest, result.value))

    # -- running -------------------------------------------------------------------
    async def run_stdio(self) -> None:
        from mcp.server.stdio import stdio_server

        async with stdio_server() as (read, write):
            await self.server.run(read, write, self.init_options)

    def http_app(self, host: str = "127.0.0.1") -> Any:
        """A Starlette app serving MCP over streamable HTTP at ``/mcp``."""
        return self.server.streamable_http_app(host=host)

    async def run_http(self, host: str = "127.0.0.1", port: int = 8000) -> None:
        import uvicorn

        config = uvicorn.Config(self.http_app(host), host=host, port=port, log_level="warning")
        await uvicorn.Server(config).serve()


def _result(text: str, structured: Any = None) -> Any:
    import mcp_types as types

    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=structured
    )


def _error(message: str) -> Any:
    import mcp_types as types

    return types.CallToolResult(
        content=[types.TextContent(type="text", text=f"Error: {message}")], is_error=True
    )
