"""Skill folders for the export, MCP and search tests, without running the compiler.

``fixtures/skills`` holds four folders promoted from ``examples/trajectories`` (code and
manifest as the compiler wrote them); :func:`add_skill` writes more from hand-written
source, with the manifest's schemas derived from the signature as promotion does.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "skills"
EXAMPLE_SKILLS = ("cancel_order", "latest_order_total", "order_status", "update_default_address")

# Real values in ShopEnv.seeded(0).
EMAIL = "raj.brown6841@example.com"
PENDING_ORDER = "#W3519230"

SUMMARY_SOURCE = '''
import json
from typing import Any


def order_summary(tools: Any, *, order_id: str, include_items: bool | None = None) -> dict:
    """Summarise an order: its status, and how many items when asked.

    Args:
        order_id: The order id, such as '#W0123456'.
        include_items: Also count the items.
    """
    details = json.loads(tools.get_order_details(order_id=order_id))
    out = {"status": details["status"]}
    if include_items:
        out["items"] = len(details["items"])
    return out
'''

FAILING_SOURCE = '''
from typing import Any


def always_fails(tools: Any, *, order_id: str) -> str:
    """Look an order up, then give up (for error tests)."""
    tools.get_order_details(order_id=order_id)
    raise SkillError("this skill always fails")
'''


def make_library(root: Path, names: tuple[str, ...] = EXAMPLE_SKILLS) -> Path:
    """An initialised skills directory holding the given fixture skills."""
    from skillforge.store import SkillStore

    SkillStore.init(root)
    for name in names:
        shutil.copytree(FIXTURES / name, root / name)
    return root


def add_skill(
    root: Path,
    source: str,
    name: str,
    *,
    tools: list[str],
    state_changing: tuple[str, ...] = (),
    tasks: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Write ``root/name`` with ``skill.py`` and a manifest derived from the source."""
    from skillforge.export.schema import parameters_schema, returns_schema
    from skillforge.verify.static import check

    source = textwrap.dedent(source).lstrip()
    facts = check(source, name, set(tools)).facts
    assert facts.params is not None
    description = facts.docstring.split("\n\n")[0].strip()
    manifest = {
        "format": 1,
        "name": name,
        "version": 1,
        "description": description,
        "parameters": parameters_schema(name, facts.params),
        "returns": {"annotation": facts.returns, "schema": returns_schema(facts.returns)},
        "tools": sorted(tools),
        "state_changing": sorted(state_changing),
        "read_only": not state_changing,
        "ignored_inputs": [],
        "compiler": "hand",
        "provenance": {"trajectories": [{"task": t} for t in tasks]},
        "verification": {"summary": "hand-written test skill"},
    }
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "skill.py").write_text(source)
    (folder / "skill.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def shop_tools() -> dict[str, Any]:
    from examples.shop.env import ShopEnv

    return ShopEnv.seeded(0).tools()
