"""Hand-written skill folders and git helpers for the store tests (no compiler, no sandbox)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from skillforge.store import SkillStore

SOURCE_V1 = '''def cancel_order(tools, *, order_id: str, reason: str) -> str:
    """Cancel a pending order."""
    details = tools.get_order_details(order_id=order_id)
    return tools.cancel_pending_order(order_id=order_id, reason=reason)
'''

SOURCE_V2 = '''def cancel_order(
    tools, *, order_id: str, reason: str, email: str | None = None
) -> str:
    """Cancel a pending order."""
    details = tools.get_order_details(order_id=order_id)
    if email:
        tools.find_user_id_by_email(email=email)
    return tools.cancel_pending_order(order_id=order_id, reason=reason)
'''

SOURCE_V3 = '''def cancel_order(tools, *, order_id: int, reason: str) -> str:
    """Cancel a pending order."""
    tools.notify(order_id=order_id)
    return tools.cancel_pending_order(order_id=order_id, reason=reason)
'''


def skill_files(
    name: str, source: str, version: int, *, tools: list[str], changing: list[str],
    trajectories: tuple[str, ...] = ("a" * 64,), semver: str = "1.0.0",
) -> dict[str, bytes]:
    manifest = {
        "name": name, "version": version, "semver": semver, "description": "Cancel an order.",
        "parameters": {"type": "object", "properties": {}}, "tools": tools,
        "state_changing": changing, "compiler": "trace",
        "provenance": {"trajectories": [
            {"file": f"trajectories/{t[:16]}.json", "sha256": t, "task": "cancel"}
            for t in trajectories
        ]},
        "verification": {"ok": True, "summary": f"replay {len(trajectories)}/{len(trajectories)}"},
    }
    files = {
        "skill.py": source.encode(),
        "skill.json": json.dumps(manifest, indent=2).encode(),
        "SKILL.md": f'---\nname: {name}\nmetadata:\n  version: "{version}"\n---\n'.encode(),
    }
    for t in trajectories:
        files[f"trajectories/{t[:16]}.json"] = json.dumps({"task": "cancel", "id": t}).encode()
    return files


def message(name: str, version: int, trajectories: tuple[str, ...] = ("a" * 64,)) -> str:
    lines = [f"skill({name}): v{version}", "", f"Skill-Name: {name}", f"Skill-Version: {version}",
             *[f"Source-Trajectory: sha256:{t}" for t in trajectories],
             "Compiler: trace", f"Verified: replay {len(trajectories)}/{len(trajectories)}"]
    return "\n".join(lines) + "\n"


VERSIONS = {
    1: (SOURCE_V1, ["get_order_details", "cancel_pending_order"], ("a" * 64,)),
    2: (SOURCE_V2, ["get_order_details", "find_user_id_by_email", "cancel_pending_order"],
        ("a" * 64, "b" * 64)),
    3: (SOURCE_V3, ["notify", "cancel_pending_order"], ("a" * 64, "b" * 64, "c" * 64)),
}


def commit_version(
    store: SkillStore, version: int, name: str = "cancel_order", *, review: bool = False,
    as_version: int | None = None,
):
    source, tools, trajs = VERSIONS[version]
    number = as_version or version
    files = skill_files(name, source, number, tools=tools,
                        changing=["cancel_pending_order", "notify"], trajectories=trajs)
    with store.lock():
        store.recover()
        return store.commit_skill(name, files, message(name, number, trajs), version=number,
                                  review=review)


def git(cwd: Path, *args: str, check: bool = True) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=check
    ).stdout
