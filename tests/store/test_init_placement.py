"""Where a new skills directory's commits go when it is created inside a user's work tree.

A folder of the enclosing repository by default; its own repository when the enclosing
repository ignores the folder or the user asks (``--own-repo``); refused when the
repository already holds another skills directory (tags are per repository).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from skillforge import SkillLibrary
from skillforge.errors import StoreError
from skillforge.store import SkillStore
from tests.store.helpers import git

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text("/scratch/\n")
    (repo / "app.py").write_text("print(1)\n")
    git(repo, "add", ".gitignore", "app.py")
    git(repo, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "app")
    return repo


def _commit_one(store: SkillStore) -> None:
    with store.lock():
        store.commit_skill("demo", {"skill.py": b"x = 1\n", "skill.json": b"{}"},
                           "skill(demo): v1\n")


def test_an_ignored_folder_gets_its_own_repository(project: Path) -> None:
    head = git(project, "rev-parse", "HEAD")
    store = SkillStore.init(project / "scratch" / "skills")
    _commit_one(store)
    assert (project / "scratch" / "skills" / ".git").is_dir()
    assert store.prefix == ""
    assert git(project, "rev-parse", "HEAD") == head  # the user's history is untouched
    assert git(project, "tag") == ""
    assert git(project, "status", "--porcelain") == ""


def test_own_repo_inside_a_work_tree(project: Path) -> None:
    head = git(project, "rev-parse", "HEAD")
    SkillLibrary(project / "tools" / "skills").init(own_repo=True)
    store = SkillStore(project / "tools" / "skills")
    _commit_one(store)
    assert (project / "tools" / "skills" / ".git").is_dir()
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project / "tools" / "skills", "tag") == "skill/demo/v1\n"
    # Idempotent: initialising again neither re-inits nor adds a commit.
    SkillStore.init(project / "tools" / "skills", own_repo=True)
    assert git(project / "tools" / "skills", "rev-list", "--count", "HEAD") == "2\n"


def test_a_second_skills_directory_in_one_repository_is_refused(project: Path) -> None:
    first = SkillStore.init(project / "skills")
    assert first.prefix == "skills"
    with pytest.raises(StoreError) as info:
        SkillStore.init(project / "more" / "skills")
    assert "skills/" in str(info.value) and "--own-repo" in str(info.value)
    assert not (project / "more" / "skills" / "skillforge.toml").exists()
    # The first one is still adoptable (idempotent), and the second may have its own repo.
    assert SkillStore.init(project / "skills").prefix == "skills"
    assert SkillStore.init(project / "more" / "skills", own_repo=True).prefix == ""


def test_a_user_config_named_skillforge_toml_is_not_a_skills_directory(project: Path) -> None:
    (project / "skillforge.toml").write_text('[llm]\nmodel = "openai/gpt-4o-mini"\n')
    git(project, "add", "skillforge.toml")
    git(project, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "config")
    assert SkillStore.init(project / "skills").prefix == "skills"


def test_cli_init_own_repo_and_refusal(project: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "skillforge", *args], cwd=project,
                              capture_output=True, text=True)

    done = cli("init", "skills", "--json")
    assert done.returncode == 0, done.stderr
    refused = cli("init", "other")
    assert refused.returncode == 1
    assert "already holds the skills directory skills/" in refused.stderr
    assert "--own-repo" in refused.stderr
    own = cli("init", "other", "--own-repo")
    assert own.returncode == 0, own.stderr
    assert "new repository" in own.stdout


def test_the_demo_never_commits_into_the_checkout_it_runs_in(tmp_path: Path) -> None:
    """Run from a clone (the README's first command), the demo adds no commit or tag."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--no-hardlinks", str(ROOT), str(clone))
    head, tags = git(clone, "rev-parse", "HEAD"), git(clone, "tag")
    proc = subprocess.run([sys.executable, "examples/demo.py"], cwd=clone,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "order #W" in proc.stdout and "-> cancelled" in proc.stdout
    assert git(clone, "rev-parse", "HEAD") == head
    assert git(clone, "tag") == tags
    assert git(clone, "status", "--porcelain") == ""
    assert git(clone / "demo-skills", "tag").count("/v1\n") == 4
