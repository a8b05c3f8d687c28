"""The MCP server with the real MCP client in memory (modern and handshake-era protocol)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcpkit import SHOP_COMMAND
from skillkit import PENDING_ORDER, SUMMARY_SOURCE, add_skill, shop_tools

from skillforge import SkillLibrary
from skillforge.mcp_server import SkillServer
from skillforge.providers import McpToolProvider

MODES = ["auto", "legacy"]


def server(skills: Path, tools=None, poll: float = 0.1) -> SkillServer:  # type: ignore[no-untyped-def]
    return SkillServer(SkillLibrary(skills), shop_tools() if tools is None else tools, poll=poll)


@pytest.mark.parametrize("mode", MODES)
def test_lists_skills_with_schemas_and_annotations(skills: Path, mode: str) -> None:
    async def main() -> None:
        async with Client(server(skills).server, mode=mode) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert set(tools) == {*SkillLibrary(skills).names(), "search_skills"}
            cancel = tools["cancel_order"]
            assert cancel.input_schema["required"] == ["order_id", "reason"]
            assert cancel.annotations is not None
            assert cancel.annotations.destructive_hint is True
            status = tools["order_status"]
            assert status.annotations is not None and status.annotations.read_only_hint is True
            assert status.output_schema is not None
            assert status.output_schema["properties"]["result"] == {"type": "string"}
            assert "status of my order" in (status.description or "")

    anyio.run(main)


@pytest.mark.parametrize("mode", MODES)
def test_calls_skills_and_returns_errors_as_tool_errors(skills: Path, mode: str) -> None:
    async def main() -> None:
        async with Client(server(skills).server, mode=mode) as client:
            ok = await client.call_tool("order_status", {"order_id": PENDING_ORDER})
            assert not ok.is_error
            assert ok.content[0].text == "pending"  # type: ignore[union-attr]
            assert ok.structured_content == {"result": "pending"}

            summary = await client.call_tool(
                "order_summary", {"order_id": PENDING_ORDER, "include_items": True}
            )
            assert summary.structured_content == {"result": {"status": "pending", "items": 1}}

            failed = await client.call_tool("always_fails", {"order_id": PENDING_ORDER})
            assert failed.is_error and "always fails" in failed.content[0].text  # type: ignore[union-attr]

            bad = await client.call_tool("order_status", {"order": "x"})
            assert bad.is_error and "order" in bad.content[0].text  # type: ignore[union-attr]

            unknown = await client.call_tool("no_such_skill", {})
            assert unknown.is_error and "no skill named" in unknown.content[0].text  # type: ignore[union-attr]

            # the server is still fine after the errors
            again = await client.call_tool("order_status", {"order_id": PENDING_ORDER})
            assert not again.is_error

    anyio.run(main)


def test_missing_host_tools_are_named(skills: Path) -> None:
    async def main() -> None:
        async with Client(server(skills, tools={}).server) as client:
            result = await client.call_tool("order_status", {"order_id": PENDING_ORDER})
            assert result.is_error and "get_order_details" in result.content[0].text  # type: ignore[union-attr]

    anyio.run(main)


def test_search_skills_tool(skills: Path) -> None:
    async def main() -> None:
        async with Client(server(skills).server) as client:
            found = await client.call_tool("search_skills", {"query": "cancel my purchase", "k": 2})
            assert not found.is_error
            hits = found.structured_content["result"]  # type: ignore[index]
            assert hits[0]["name"] == "cancel_order" and len(hits) <= 2

    anyio.run(main)


def test_search_follows_the_library_without_a_scan_per_query(skills: Path) -> None:
    """Search re-indexes only after the watcher saw a change, and then it does."""
    async def main() -> None:
        srv = server(skills)
        async with Client(srv.server) as client:
            async with client.listen(tools_list_changed=True) as sub:
                first = await client.call_tool("search_skills", {"query": "order digest"})
                assert srv._searched_stamps == srv._stamps
                names = [h["name"] for h in first.structured_content["result"]]  # type: ignore[index]
                assert "order_digest" not in names
                add_skill(skills, SUMMARY_SOURCE.replace("order_summary", "order_digest"),
                          "order_digest", tools=["get_order_details"])
                with anyio.fail_after(20):
                    async for _event in sub:
                        break
            again = await client.call_tool("search_skills", {"query": "order digest", "k": 1})
            assert again.structured_content["result"][0]["name"] == "order_digest"  # type: ignore[index]

    anyio.run(main)


def test_modern_clients_hear_list_changed_on_listen(skills: Path) -> None:
    async def main() -> None:
        async with Client(server(skills).server) as client:
            async with client.listen(tools_list_changed=True) as sub:
                add_skill(
                    skills,
                    SUMMARY_SOURCE.replace("order_summary", "order_digest"),
                    "order_digest",
                    tools=["get_order_details"],
                )
                with anyio.fail_after(20):
                    async for _event in sub:
                        break
            names = {t.name for t in (await client.list_tools()).tools}
            assert "order_digest" in names

    anyio.run(main)


def test_legacy_clients_get_the_list_changed_notification(skills: Path) -> None:
    import mcp_types as types

    changed = anyio.Event()

    async def on_message(message) -> None:  # type: ignore[no-untyped-def]
        if isinstance(message, types.ServerNotification) and isinstance(
            getattr(message, "root", message), types.ToolListChangedNotification
        ):
            changed.set()

    async def main() -> None:
        srv = server(skills)
        async with Client(srv.server, mode="legacy", message_handler=on_message) as client:
            assert client.server_capabilities.tools is not None
            assert client.server_capabilities.tools.list_changed is True
            await client.list_tools()
            (skills / "always_fails" / "skill.json").unlink()  # like a rollback removing it
            with anyio.fail_after(20):
                await changed.wait()
            names = {t.name for t in (await client.list_tools()).tools}
            assert "always_fails" not in names

    anyio.run(main)


def test_skill_tools_from_an_upstream_mcp_server(skills: Path) -> None:
    """The skill runs in the sandbox; its get_order_details comes from a second MCP server."""
    with McpToolProvider(SHOP_COMMAND) as upstream:
        tools = upstream.tools()
        assert "get_order_details" in tools

        async def main() -> None:
            async with Client(server(skills, tools=tools).server) as client:
                ok = await client.call_tool("order_status", {"order_id": PENDING_ORDER})
                assert not ok.is_error and ok.content[0].text == "pending"  # type: ignore[union-attr]

        anyio.run(main)


def test_large_libraries_are_listed_page_by_page(skills: Path) -> None:
    srv = SkillServer(SkillLibrary(skills), shop_tools(), page_size=3)

    async def main() -> None:
        async with Client(srv.server) as client:
            names: list[str] = []
            cursor = None
            while True:
                page = await client.list_tools(cursor=cursor)
                assert len(page.tools) <= 3
                names += [t.name for t in page.tools]
                cursor = page.next_cursor
                if cursor is None:
                    break
            assert sorted(names) == sorted([*SkillLibrary(skills).names(), "search_skills"])

    anyio.run(main)
