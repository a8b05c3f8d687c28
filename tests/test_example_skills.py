"""The checked-in example library (``skills/``) is real: verified, current, callable.

``skills/`` was produced by ``skillforge promote`` from ``examples/trajectories``; these
tests re-verify every skill in the sandbox and check it still matches the examples (so a
change to the compiler or the examples that would change a skill is noticed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skillforge import SkillLibrary
from skillforge.trajectory import load
from skillforge.verify import verify
from tests.conftest import ROOT, example_files

SKILLS = ROOT / "skills"
NAMES = sorted(p.parent.name for p in SKILLS.glob("*/skill.json"))


def test_the_example_library_has_every_example_task() -> None:
    tasks = sorted({p.name.split(".")[0].rsplit("_", 1)[0] for p in example_files("*")})
    assert tasks == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_example_skill_reverifies_in_the_sandbox(name: str) -> None:
    lib = SkillLibrary(SKILLS)
    stored = sorted((SKILLS / name / "trajectories").glob("*.json"))
    trajs = [t for p in stored for t in load(p)]
    report = verify(lib.sandbox, lib.source(name), name, trajs, [p.name for p in stored])
    assert report.ok, report.problems()
    manifest = lib.manifest(name)
    assert manifest["verification"]["ok"] is True


@pytest.mark.parametrize("name", NAMES)
def test_each_example_skill_was_compiled_from_the_current_examples(name: str) -> None:
    manifest = json.loads((SKILLS / name / "skill.json").read_text())
    stored = {t["sha256"] for t in manifest["provenance"]["trajectories"]}
    current = {t.sha256() for p in example_files(name) for t in load(p)}
    assert stored == current, f"re-promote {name}: examples changed since skills/ was made"


def test_example_skills_compile_to_the_same_code_today(tmp_path: Path) -> None:
    lib = SkillLibrary(tmp_path / "skills").init()
    for name in NAMES:
        result = lib.promote(example_files(name), name=name)
        assert result.source == (SKILLS / name / "skill.py").read_text(), (
            f"the compiler now writes {name} differently: re-promote skills/{name}"
        )
