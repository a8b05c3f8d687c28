"""Crash safety (SIGKILL at random points), eight concurrent writers, no leaked git processes.

The writers are real processes running the store's promotion path (lock, recover,
commit_skill) on hand-written folders, so these tests exercise exactly the git sequence a
promotion runs, without paying for compilation and verification in every iteration.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from skillforge.store import SkillStore
from tests.conftest import ROOT
from tests.store.helpers import git

WRITER = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from skillforge.store import SkillStore
store = SkillStore({skills!r})
names, rounds, delay = {names!r}, {rounds!r}, {delay!r}
for i in range(rounds):
    name = names[i % len(names)]
    with store.lock():
        store.recover()
        version = max(store.versions(name), default=0) + 1
        body = f"def {{name}}(tools):\n    return {{version}}\n"
        files = {{
            "skill.py": body.encode(),
            "skill.json": json.dumps({{"name": name, "version": version}}).encode(),
            "trajectories/t.json": b"x" * (1000 * version),
            "tests/test_x.py": b"pass\n",
        }}
        lines = [f"skill({{name}}): v{{version}}", "", f"Skill-Name: {{name}}",
                 f"Skill-Version: {{version}}"]
        store.commit_skill(name, files, "\n".join(lines) + "\n", version=version)
    print(name, version, flush=True)
    time.sleep(delay)
"""


def writer(skills: Path, names: list[str], rounds: int, delay: float = 0.0) -> list[str]:
    code = WRITER.format(root=str(ROOT), skills=str(skills), names=names, rounds=rounds,
                         delay=delay)
    return [sys.executable, "-c", code]


def assert_consistent(skills: Path) -> None:
    """Every folder matches HEAD, no half-written folder, tags in history, no journal."""
    store = SkillStore(skills)
    with store.lock():
        store.recover()
    assert not (skills / ".skillforge" / "journal.json").exists()
    assert list((skills / ".skillforge" / "tmp").iterdir()) == []
    assert git(skills, "status", "--porcelain", "--untracked-files=all") == ""
    head = git(skills, "rev-parse", "HEAD").strip()
    for tag in git(skills, "tag", "--list", "skill/*").split():
        assert subprocess.run(["git", "merge-base", "--is-ancestor", tag, head],
                              cwd=skills).returncode == 0, tag
    for name in store.names():
        manifest = json.loads((skills / name / "skill.json").read_text())
        assert set(os.listdir(skills / name)) >= {"skill.py", "skill.json", "trajectories"}
        assert (skills / name / "trajectories" / "t.json").stat().st_size == 1000 * manifest[
            "version"]
        latest = max(store.versions(name))
        assert manifest["version"] == latest
        tagged = git(skills, "rev-parse", f"skill/{name}/v{latest}:{name}").strip()
        assert tagged == git(skills, "rev-parse", f"HEAD:{name}").strip()
    assert subprocess.run(["git", "fsck", "--connectivity-only", "--no-dangling"], cwd=skills,
                          capture_output=True).returncode == 0


def test_sigkill_at_random_points_never_leaves_a_half_written_skill(skills_dir: Path) -> None:
    rng = random.Random(1234)
    kills = 0
    for _ in range(25):
        proc = subprocess.Popen(writer(skills_dir, ["alpha", "beta", "gamma"], 1000),
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None
        proc.stdout.readline()  # one commit done: the writer is inside its commit loop
        time.sleep(rng.uniform(0.0, 0.25))  # then die at a random point of a later one
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        kills += proc.returncode == -signal.SIGKILL
        time.sleep(0.05)  # let an orphaned git child finish, as it would after a real crash
        assert_consistent(skills_dir)
    assert kills >= 20
    total = sum(len(SkillStore(skills_dir).versions(n)) for n in ("alpha", "beta", "gamma"))
    assert total >= 25  # every writer committed at least once before it was killed


def test_eight_concurrent_writers_lose_no_commit(skills_dir: Path) -> None:
    rounds = 3
    plans = [["shared"]] * 4 + [[f"own_{i}"] for i in range(4)]
    procs = [subprocess.Popen(writer(skills_dir, names, rounds), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for names in plans]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    store = SkillStore(skills_dir)
    assert store.versions("shared") == list(range(1, 4 * rounds + 1))
    for i in range(4):
        assert store.versions(f"own_{i}") == [1, 2, 3]
    assert int(git(skills_dir, "rev-list", "--count", "HEAD")) == 1 + 8 * rounds
    assert_consistent(skills_dir)


def test_a_writer_that_cannot_get_the_lock_fails_cleanly(skills_dir: Path) -> None:
    store = SkillStore(skills_dir)
    env = {**os.environ, "SKILLFORGE_LOCK_TIMEOUT": "0.2"}
    with store.lock():
        proc = subprocess.run(writer(skills_dir, ["x"], 1), capture_output=True, text=True,
                              env=env)
    assert proc.returncode == 1
    assert "held the lock" in proc.stderr.splitlines()[-1]
    assert store.versions("x") == []
    assert_consistent(skills_dir)


def _git_processes_under(path: Path) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if comm.startswith("git") and cwd.startswith(str(path)):
            found.append(int(pid))
    return found


def test_no_git_process_outlives_an_operation(skills_dir: Path) -> None:
    from skillforge.library import SkillLibrary
    from tests.store.helpers import commit_version

    store = SkillStore(skills_dir)
    commit_version(store, 1)
    commit_version(store, 2, review=True)
    lib = SkillLibrary(skills_dir)
    lib.review()
    lib.accept("cancel_order")
    lib.log("cancel_order")
    lib.diff("cancel_order")
    lib.blame("cancel_order")
    lib.rollback("cancel_order", 1)
    subprocess.run([sys.executable, str(ROOT / "cli.py"), "--skills-dir", str(skills_dir),
                    "log", "cancel_order"], check=True, capture_output=True)
    assert _git_processes_under(skills_dir.parent) == []
    # Sandbox workers from other tests' pools may be our children too; only git counts.
    git_children = [
        pid for pid in filter(str.isdigit, os.listdir("/proc"))
        if _ppid(pid) == os.getpid() and _comm(pid).startswith("git")
    ]
    assert git_children == []


def _comm(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _ppid(pid: str) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1
