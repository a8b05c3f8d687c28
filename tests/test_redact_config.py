"""``[redact] patterns`` in the skills directory's skillforge.toml reach every promotion."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from skillforge import SkillLibrary
from skillforge.errors import InputError
from tests.conftest import chat_run, write_run

SECRET = "TK-20261123"


def _run(tmp_path: Path) -> Path:
    run = chat_run(
        "What is the status of order #W1?",
        {"order_id": "#W1"},
        [("get_order_status", {"order_id": "#W1"},
          f'{{"status": "pending", "note": "escalated as {SECRET}"}}')],
        answer="It is pending.",
    )
    return write_run(tmp_path / "run.json", run)


def test_library_patterns_redact_before_anything_is_written(
    skills_dir: Path, tmp_path: Path
) -> None:
    marker = skills_dir / "skillforge.toml"
    marker.write_text(marker.read_text() + '\n[redact]\npatterns = { ticket = "TK-[0-9]{8}" }\n')
    subprocess.run(["git", "commit", "-qam", "redact tickets"], cwd=skills_dir, check=True)
    result = SkillLibrary(skills_dir).promote([_run(tmp_path)], name="order_status")
    stored = "".join(p.read_text() for p in (result.path / "trajectories").iterdir())
    assert SECRET not in stored and "<REDACTED:ticket>" in stored
    history = subprocess.run(["git", "log", "-p", "--all"], cwd=skills_dir,
                             capture_output=True, text=True, check=True).stdout
    assert SECRET not in history


def test_without_patterns_the_value_is_kept(skills_dir: Path, tmp_path: Path) -> None:
    result = SkillLibrary(skills_dir).promote([_run(tmp_path)], name="order_status")
    stored = "".join(p.read_text() for p in (result.path / "trajectories").iterdir())
    assert SECRET in stored  # the pattern above is what made the difference


def test_bad_patterns_name_the_file_and_field(skills_dir: Path, tmp_path: Path) -> None:
    marker = skills_dir / "skillforge.toml"
    marker.write_text(marker.read_text() + "\n[redact]\npatterns = 3\n")
    with pytest.raises(InputError, match=r"redact\.patterns") as info:
        SkillLibrary(skills_dir).promote([_run(tmp_path)], name="order_status")
    assert "skillforge.toml" in str(info.value)
