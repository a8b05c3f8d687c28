"""``skillforge export``: every format, files under --out, Agent Skills validated by skills-ref."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(skills: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "--skills-dir", str(skills), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("fmt", ["openai", "anthropic", "mcp", "langchain"])
def test_export_prints_json(lib, fmt: str) -> None:  # type: ignore[no-untyped-def]
    out = cli(lib.path, "export", "--format", fmt)
    assert out.returncode == 0, out.stderr
    tools = json.loads(out.stdout)
    assert len(tools) == len(lib.names())


def test_export_writes_files(lib, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = cli(
        lib.path,
        "export",
        "--format",
        "openai",
        "--shape",
        "responses",
        "--strict",
        "--out",
        str(tmp_path / "out"),
    )
    assert out.returncode == 0, out.stderr
    written = json.loads((tmp_path / "out" / "openai-responses-strict.tools.json").read_text())
    assert all(t["strict"] is True for t in written)


def test_agent_skills_export_passes_skills_ref(lib, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from skills_ref import read_properties, validate

    target = tmp_path / "agent-skills"
    out = cli(lib.path, "export", "--format", "agent-skills", "--out", str(target))
    assert out.returncode == 0, out.stderr
    folders = sorted(p for p in target.iterdir() if p.is_dir())
    assert [p.name for p in folders] == sorted(n.replace("_", "-") for n in lib.names())
    for folder in folders:
        assert validate(folder) == [], folder
    props = read_properties(target / "cancel-order")
    assert props.metadata is not None and props.metadata["function"] == "cancel_order"
    assert (target / "cancel-order" / "scripts" / "cancel_order.py").is_file()


def test_agent_skills_needs_out(lib) -> None:  # type: ignore[no-untyped-def]
    out = cli(lib.path, "export", "--format", "agent-skills")
    assert out.returncode == 2 and "--out" in out.stderr
