"""The git-backed store: init, atomic commit of one skill's paths, versions, refusals."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from skillforge.errors import NotInitializedError, StoreError
from skillforge.store import SkillStore


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def test_init_creates_its_own_repository(tmp_path: Path) -> None:
    store = SkillStore.init(tmp_path / "skills")
    assert (tmp_path / "skills" / ".git").is_dir()
    assert store.prefix == ""
    assert "initialise" in git(store.root, "log", "--oneline")
    assert SkillStore.init(tmp_path / "skills").initialized()  # idempotent
    assert git(store.root, "rev-list", "--count", "HEAD").strip() == "1"


def test_commit_touches_only_the_skill_folder_inside_a_user_repo(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "app.py").write_text("print(1)\n")
    git(repo, "add", "app.py")
    git(repo, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "app")
    (repo / "app.py").write_text("print(2)\n")  # unstaged change
    (repo / "staged.txt").write_text("staged\n")
    git(repo, "add", "staged.txt")  # staged change
    before = git(repo, "status", "--porcelain")

    store = SkillStore.init(repo / "skills")
    assert not (repo / "skills" / ".git").exists()
    assert store.prefix == "skills"
    with store.lock():
        info = store.commit_skill(
            "demo", {"skill.py": b"x = 1\n", "skill.json": b"{}"}, "skill(demo): v1\n"
        )
    assert info.version == 1 and info.tag == "skill/demo/v1"
    assert git(repo, "status", "--porcelain") == before
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == ["skills/demo/skill.json", "skills/demo/skill.py"]
    assert git(repo, "show", "HEAD:app.py") == "print(1)\n"
    assert (repo / "app.py").read_text() == "print(2)\n"


def test_versions_increment_and_old_versions_stay_readable(skills_dir: Path) -> None:
    store = SkillStore(skills_dir)
    with store.lock():
        store.commit_skill("demo", {"skill.py": b"v = 1\n", "skill.json": b"{}"}, "one\n")
        store.commit_skill("demo", {"skill.py": b"v = 2\n", "skill.json": b"{}"}, "two\n")
    assert store.versions("demo") == [1, 2]
    assert store.read_at("demo", 1, "skill.py") == "v = 1\n"
    assert (skills_dir / "demo" / "skill.py").read_text() == "v = 2\n"
    assert git(skills_dir, "status", "--porcelain") == ""


def test_a_dirty_skill_folder_is_refused(skills_dir: Path) -> None:
    store = SkillStore(skills_dir)
    with store.lock():
        store.commit_skill("demo", {"skill.py": b"v = 1\n", "skill.json": b"{}"}, "one\n")
    (skills_dir / "demo" / "skill.py").write_text("hand edit\n")
    with store.lock(), pytest.raises(StoreError, match="uncommitted changes"):
        store.commit_skill("demo", {"skill.py": b"v = 2\n", "skill.json": b"{}"}, "two\n")
    assert (skills_dir / "demo" / "skill.py").read_text() == "hand edit\n"
    assert store.versions("demo") == [1]


def test_detached_head_is_refused(skills_dir: Path) -> None:
    git(skills_dir, "checkout", "-q", "--detach")
    with SkillStore(skills_dir).lock(), pytest.raises(StoreError, match="detached HEAD"):
        SkillStore(skills_dir).commit_skill("demo", {"skill.py": b""}, "x\n")


def test_missing_or_uninitialised_directories_are_named(tmp_path: Path) -> None:
    with pytest.raises(NotInitializedError, match="does not exist"):
        SkillStore(tmp_path / "nope").require()
    (tmp_path / "plain").mkdir()
    with pytest.raises(NotInitializedError, match="skillforge init"):
        SkillStore(tmp_path / "plain").require()


def test_a_crash_after_the_ref_moved_is_finished_on_recovery(skills_dir: Path) -> None:
    """Simulate a crash between update-ref and the folder swap: the journal finishes it."""
    store = SkillStore(skills_dir)
    original_finish = store._finish
    store._finish = lambda journal: None  # type: ignore[method-assign]  # "crash" here
    with store.lock():
        store.commit_skill("demo", {"skill.py": b"v = 1\n", "skill.json": b"{}"}, "one\n")
    assert not (skills_dir / "demo").exists()
    store._finish = original_finish  # type: ignore[method-assign]
    with store.lock():
        store.recover()
    assert (skills_dir / "demo" / "skill.py").read_text() == "v = 1\n"
    assert store.versions("demo") == [1]
    assert git(skills_dir, "status", "--porcelain") == ""
