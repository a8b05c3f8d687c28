"""Agent Skills folders (https://agentskills.io) for skills, accepted by ``skills-ref``.

The Agent Skills spec wants lowercase-hyphen names that match the folder
(``cancel-order/SKILL.md``) and a strict-YAML front matter with string values only, so
the export writes its own card rather than copying the skill folder's ``SKILL.md``.  The
function itself goes to ``scripts/`` and the manifest to ``references/``, where an agent
that reads the card can find them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def agent_skill_name(name: str) -> str:
    """``cancel_order`` -> ``cancel-order`` (the spec allows letters, digits and hyphens)."""
    return "-".join(part for part in name.lower().split("_") if part)


def _quoted(text: str) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def agent_skill_md(manifest: dict[str, Any]) -> str:
    name = manifest["name"]
    props = manifest["parameters"].get("properties", {})
    required = set(manifest["parameters"].get("required", []))
    lines = [
        "---",
        f"name: {agent_skill_name(name)}",
        f"description: {_quoted(manifest['description'][:1024])}",
        "metadata:",
        f'  version: "{manifest["version"]}"',
        f"  function: {_quoted(name)}",
        f"  tools: {_quoted(', '.join(manifest['tools']))}",
        f"  read-only: {_quoted(str(bool(manifest.get('read_only'))).lower())}",
        "---",
        "",
        f"# {name}",
        "",
        manifest["description"],
        "",
        f"The verified function is `scripts/{name}.py`; its manifest (JSON Schema of the "
        f"parameters, tools, verification) is `references/skill.json`.",
        "",
        "## Parameters",
        "",
    ]
    for pname, schema in props.items():
        flag = "required" if pname in required else "optional"
        desc = schema.get("description", "")
        lines.append(f"- `{pname}` ({flag}){': ' + desc if desc else ''}")
    if not props:
        lines.append("None.")
    lines += [
        "",
        "## Run it",
        "",
        f"It calls the host tools {', '.join(f'`{t}`' for t in manifest['tools'])}:",
        "",
        "```bash",
        f"skillforge run {name} --args '{{...}}' --tools my_tools.py:TOOLS",
        "```",
        "",
    ]
    return "\n".join(lines)


def write_agent_skills(
    manifests: list[dict[str, Any]], sources: dict[str, str], out: Path
) -> list[Path]:
    """One Agent Skills folder per skill under ``out``; returns the folders written."""
    written = []
    for manifest in manifests:
        name = manifest["name"]
        folder = out / agent_skill_name(name)
        (folder / "scripts").mkdir(parents=True, exist_ok=True)
        (folder / "references").mkdir(parents=True, exist_ok=True)
        (folder / "SKILL.md").write_text(agent_skill_md(manifest), encoding="utf-8")
        (folder / "scripts" / f"{name}.py").write_text(sources[name], encoding="utf-8")
        (folder / "references" / "skill.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        written.append(folder)
    return written
