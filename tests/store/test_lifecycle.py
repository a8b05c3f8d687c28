"""Versions, behaviour diffs, semver, review branches, rollback and blame on a real repo."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from skillforge.errors import InputError, StoreError
from skillforge.library import SkillLibrary
from skillforge.store import SkillStore
from skillforge.store.diff import behaviour, next_semver
from tests.store.helpers import SOURCE_V1, SOURCE_V2, SOURCE_V3, commit_version, git


@pytest.fixture
def store(skills_dir: Path) -> SkillStore:
    return SkillStore(skills_dir)


def test_log_lists_versions_newest_first_with_trailers(store: SkillStore) -> None:
    commit_version(store, 1)
    commit_version(store, 2)
    entries = SkillLibrary(store.root).log("cancel_order")
    assert [e["version"] for e in entries] == [2, 1]
    assert entries[0]["compiler"] == "trace" and entries[0]["verified"] == "replay 2/2"
    assert entries[0]["trajectories"] == ["a" * 64, "b" * 64]
    everything = SkillLibrary(store.root).log()
    assert [(e["name"], e["version"]) for e in everything] == [
        ("cancel_order", 2), ("cancel_order", 1)]


def test_behaviour_diff_reports_signature_tools_and_state_changes() -> None:
    manifest = {"state_changing": ["cancel_pending_order", "notify"], "tools": []}
    v1 = {"source": SOURCE_V1, "manifest": manifest}
    v2 = {"source": SOURCE_V2, "manifest": manifest}
    v3 = {"source": SOURCE_V3, "manifest": manifest}
    minor = behaviour(v1, v2, "cancel_order")
    assert minor["signature"]["added"] == [
        {"name": "email", "type": "str | None", "required": False}]
    assert minor["tools"]["added"] == ["find_user_id_by_email"]
    assert minor["branches"] == {"old": 0, "new": 1}
    assert minor["bump"] == "minor"
    major = behaviour(v2, v3, "cancel_order")
    assert major["signature"]["removed"] == ["email"]
    assert major["signature"]["retyped"] == [{"name": "order_id", "old": "str", "new": "int"}]
    assert major["state_changing"]["added"] == ["notify"]
    assert major["bump"] == "major"
    renamed = SOURCE_V1.replace("details =", "found =")
    patch = behaviour(v1, {"source": renamed, "manifest": manifest}, "cancel_order")
    assert patch["bump"] == "patch"
    reordered = SOURCE_V3.replace(
        "    tools.notify(order_id=order_id)\n    return tools.cancel_pending_order(",
        "    done = tools.cancel_pending_order(",
    ).replace("reason=reason)\n", "reason=reason)\n    tools.notify(order_id=order_id)\n"
              "    return done\n")
    moved = behaviour(v3, {"source": reordered, "manifest": manifest}, "cancel_order")
    assert moved["state_changing"]["reordered"] and moved["bump"] == "major"
    assert [next_semver("1.2.3", k) for k in ("major", "minor", "patch")] == [
        "2.0.0", "1.3.0", "1.2.4"]


def test_diff_defaults_to_the_last_two_versions_and_takes_v_or_bare_numbers(
    store: SkillStore,
) -> None:
    for v in (1, 2, 3):
        commit_version(store, v)
    lib = SkillLibrary(store.root)
    last = lib.diff("cancel_order")
    assert (last["from"], last["to"]) == ("v2", "v3")
    assert last["behaviour"]["bump"] == "major"
    assert "+def cancel_order(tools, *, order_id: int" in last["code"]
    explicit = lib.diff("cancel_order", "v1", "2")
    assert (explicit["from"], explicit["to"]) == ("v1", "v2")
    assert lib.diff("cancel_order", "1")["to"] == "v3"
    with pytest.raises(InputError, match="has no version 9"):
        lib.diff("cancel_order", "9")
    with pytest.raises(InputError, match="not a version"):
        lib.diff("cancel_order", "latest-ish")


def test_review_then_accept_fast_forwards(store: SkillStore) -> None:
    commit_version(store, 1)
    head = git(store.root, "rev-parse", "HEAD").strip()
    info = commit_version(store, 2, review=True)
    assert info.tag == "review/cancel_order"
    assert git(store.root, "rev-parse", "HEAD").strip() == head  # main untouched
    assert "email" not in (store.root / "cancel_order" / "skill.py").read_text()
    lib = SkillLibrary(store.root)
    pending = lib.review()
    assert [p["name"] for p in pending] == ["cancel_order"]
    assert pending[0]["diff"]["behaviour"]["bump"] == "minor"
    assert lib.log("cancel_order")[0]["kind"] == "review"
    accepted = lib.accept("cancel_order")
    assert accepted["version"] == 2 and accepted["commit"] == info.sha  # fast-forward
    assert "email" in (store.root / "cancel_order" / "skill.py").read_text()
    assert store.versions("cancel_order") == [1, 2]
    assert git(store.root, "branch", "--list", "review/*") == ""
    assert git(store.root, "status", "--porcelain") == ""


def test_accept_after_the_branch_moved_makes_a_merge_commit(store: SkillStore) -> None:
    commit_version(store, 1)
    review = commit_version(store, 2, review=True)
    commit_version(store, 1, name="other")
    accepted = SkillLibrary(store.root).accept("cancel_order")
    parents = git(store.root, "log", "-1", "--format=%P", accepted["commit"]).split()
    assert len(parents) == 2 and parents[1] == review.sha
    assert (store.root / "other" / "skill.py").is_file()
    assert "email" in (store.root / "cancel_order" / "skill.py").read_text()
    assert git(store.root, "status", "--porcelain") == ""
    assert SkillLibrary(store.root).log("cancel_order")[0]["version"] == 2


def test_a_stale_or_duplicate_review_is_refused(store: SkillStore) -> None:
    commit_version(store, 1)
    commit_version(store, 2, review=True)
    with pytest.raises(StoreError, match="already pending"):
        commit_version(store, 3, review=True)
    commit_version(store, 2)  # v2 lands on main directly: the review is stale now
    with pytest.raises(StoreError, match="stale"):
        SkillLibrary(store.root).accept("cancel_order")
    with pytest.raises(InputError, match="no pending review"):
        SkillLibrary(store.root).accept("other")


def test_reject_deletes_the_branch_and_records_why(store: SkillStore) -> None:
    commit_version(store, 1)
    review = commit_version(store, 2, review=True)
    SkillLibrary(store.root).reject("cancel_order", reason="calls the wrong tool")
    assert git(store.root, "branch", "--list", "review/*") == ""
    entries = SkillLibrary(store.root).log("cancel_order")
    rejected = [e for e in entries if e["kind"] == "rejected"]
    assert rejected[0]["reason"] == "calls the wrong tool"
    assert rejected[0]["commit"] == review.sha and rejected[0]["version"] == 2
    assert store.versions("cancel_order") == [1]
    commit_version(store, 2, review=True)  # a new review can be made


def test_rollback_is_a_new_commit_restoring_the_old_files(store: SkillStore) -> None:
    for v in (1, 2, 3):
        commit_version(store, v)
    commits = int(git(store.root, "rev-list", "--count", "HEAD"))
    result = SkillLibrary(store.root).rollback("cancel_order", "v1")
    assert result["version"] == 4 and result["restored"] == 1
    assert int(git(store.root, "rev-list", "--count", "HEAD")) == commits + 1
    assert (store.root / "cancel_order" / "skill.py").read_text() == SOURCE_V1
    manifest = json.loads((store.root / "cancel_order" / "skill.json").read_text())
    assert manifest["version"] == 4 and manifest["restored_from"]["version"] == 1
    assert manifest["semver"] == "2.0.0"  # v3 -> v1 code is incompatible: major
    assert 'version: "4"' in (store.root / "cancel_order" / "SKILL.md").read_text()
    assert store.versions("cancel_order") == [1, 2, 3, 4]
    assert SkillLibrary(store.root).log("cancel_order")[0]["restores"] == 1
    with pytest.raises(InputError, match="already has the code of v1"):
        SkillLibrary(store.root).rollback("cancel_order", "1")
    with pytest.raises(InputError, match="no version 7"):
        SkillLibrary(store.root).rollback("cancel_order", "7")
    assert git(store.root, "status", "--porcelain") == ""


def test_blame_attributes_each_line_to_the_version_that_wrote_it(store: SkillStore) -> None:
    commit_version(store, 1)
    commit_version(store, 2)
    blame = SkillLibrary(store.root).blame("cancel_order")
    by_text = {line["text"].strip(): line["version"] for line in blame["lines"]}
    assert by_text['"""Cancel a pending order."""'] == 1
    assert by_text["if email:"] == 2
    assert blame["versions"][2]["new_trajectories"][0]["sha256"] == "b" * 64
    assert blame["versions"][1]["compiler"] == "trace"


def test_refusals_name_the_state_and_what_to_do(store: SkillStore) -> None:
    commit_version(store, 1)
    (store.root / "cancel_order" / "extra.txt").write_text("mine\n")
    with pytest.raises(StoreError, match=r"uncommitted changes \(extra.txt\)"):
        commit_version(store, 2)
    (store.root / "cancel_order" / "extra.txt").unlink()
    git_dir = store.root / ".git"
    (git_dir / "rebase-merge").mkdir()
    with pytest.raises(StoreError, match="in progress"):
        commit_version(store, 2)
    (git_dir / "rebase-merge").rmdir()
    commit_version(store, 2)
    assert store.versions("cancel_order") == [1, 2]


def test_a_real_rebase_in_progress_is_named_as_such(tmp_path: Path) -> None:
    """A stopped rebase detaches HEAD: the refusal must say rebase, not 'switch branch'."""
    repo = tmp_path / "project"
    repo.mkdir()
    ident = ("-c", "user.name=u", "-c", "user.email=u@x")
    git(repo, "init", "-q", "-b", "main")
    (repo / "a.txt").write_text("base\n")
    git(repo, "add", "a.txt")
    git(repo, *ident, "commit", "-qm", "base")
    store = SkillStore.init(repo / "skills")
    (repo / "a.txt").write_text("main\n")
    git(repo, *ident, "commit", "-qam", "main")
    git(repo, "checkout", "-q", "-b", "side", "HEAD~1")
    (repo / "a.txt").write_text("side\n")
    git(repo, *ident, "commit", "-qam", "side")
    rebase = subprocess.run(["git", *ident, "rebase", "main"], cwd=repo, capture_output=True)
    assert rebase.returncode != 0  # stopped on the conflict, HEAD detached
    with pytest.raises(StoreError, match="a rebase is in progress") as info:
        commit_version(store, 1)
    assert "git rebase --abort" in str(info.value) and "switch" not in str(info.value)
    git(repo, "rebase", "--abort")
    commit_version(store, 1)
    assert store.versions("cancel_order") == [1]


def test_the_dirty_folder_hint_works_from_anywhere(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    store = SkillStore.init(repo / "lib" / "skills")
    commit_version(store, 1)
    (store.root / "cancel_order" / "skill.py").write_text("broken\n")
    with pytest.raises(StoreError) as info:
        commit_version(store, 2)
    command = str(info.value).split("(", 2)[2].rsplit(")", 1)[0]
    assert command.startswith("git -C ") and command.endswith("lib/skills/cancel_order/")
    subprocess.run(command, shell=True, cwd=tmp_path, check=True)
    commit_version(store, 2)


def test_inside_a_user_repository_only_skill_paths_change(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "app.py").write_text("print(1)\n")
    git(repo, "add", "app.py")
    git(repo, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "app")
    (repo / "app.py").write_text("print(2)\n")
    (repo / "staged.txt").write_text("staged\n")
    git(repo, "add", "staged.txt")
    before = git(repo, "status", "--porcelain")
    store = SkillStore.init(repo / "lib" / "skills")
    commit_version(store, 1)
    commit_version(store, 2, review=True)
    SkillLibrary(store.root).accept("cancel_order")
    SkillLibrary(store.root).rollback("cancel_order", 1)
    assert git(repo, "status", "--porcelain") == before
    assert git(repo, "show", "HEAD:app.py") == "print(1)\n"
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert all(p.startswith("lib/skills/cancel_order/") for p in changed)
    assert SkillLibrary(store.root).diff("cancel_order")["code"].startswith(
        "--- a/lib/skills/cancel_order/skill.py")


def test_git_index_lock_held_by_another_process_waits_then_says_so(
    store: SkillStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    commit_version(store, 1)
    lock = store.root / ".git" / "index.lock"
    lock.write_text("")
    monkeypatch.setenv("SKILLFORGE_GIT_LOCK_TIMEOUT", "0.3")
    with pytest.raises(StoreError, match=r"index.lock was held .* delete that lock file"):
        commit_version(store, 2)
    monkeypatch.setenv("SKILLFORGE_GIT_LOCK_TIMEOUT", "5")
    timer = threading.Timer(0.3, lock.unlink)
    timer.start()
    with store.lock():
        store.recover()  # the failed attempt's journal is finished (the ref had moved)
    timer.join()
    assert store.versions("cancel_order") == [1, 2]
    assert git(store.root, "status", "--porcelain") == ""


def test_list_summaries_are_cached_and_follow_new_versions(store: SkillStore) -> None:
    commit_version(store, 1)
    lib = SkillLibrary(store.root)
    assert [(s["name"], s["version"]) for s in lib.list_skills()] == [("cancel_order", 1)]
    assert (store.root / ".skillforge" / "summaries.json").is_file()
    commit_version(store, 2)
    commit_version(store, 1, name="other")
    assert [(s["name"], s["version"]) for s in lib.list_skills()] == [
        ("cancel_order", 2), ("other", 1)]
    (store.root / ".skillforge" / "summaries.json").write_text("not json")
    assert len(lib.list_skills()) == 2


def test_a_new_skill_can_be_reviewed_and_accepted(store: SkillStore) -> None:
    commit_version(store, 1, review=True)
    assert not (store.root / "cancel_order").exists()
    lib = SkillLibrary(store.root)
    [pending] = lib.review()
    assert pending["diff"]["from"] is None and pending["diff"]["behaviour"]["bump"] == "major"
    assert pending["diff"]["code"].startswith("--- /dev/null")
    assert lib.diff("cancel_order", "none", "review")["to"] == "review"
    lib.accept("cancel_order")
    assert (store.root / "cancel_order" / "skill.py").read_text() == SOURCE_V1
    assert store.versions("cancel_order") == [1]
    assert git(store.root, "status", "--porcelain") == ""


def test_spliced_trees_keep_git_order_next_to_look_alike_names(tmp_path: Path) -> None:
    """A folder sorts as if its name ended in '/': 'cancel_order.txt' < 'cancel_order'."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name in ("cancel_order.txt", "cancel_order-x", "cancel_order0", "cancel"):
        (repo / name).write_text("x\n")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "files")
    store = SkillStore.init(repo)
    commit_version(store, 1)  # insert: full re-serialisation
    commit_version(store, 2)  # replace: 20 bytes patched in place
    with pytest.raises(StoreError, match="a file named cancel is in the way"):
        commit_version(store, 1, name="cancel")
    fsck = subprocess.run(["git", "fsck", "--strict"], cwd=repo, capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "ls-tree", "--name-only", "HEAD").split() == sorted(
        git(repo, "ls-tree", "--name-only", "HEAD").split(),
        key=lambda n: n + "/" if (repo / n).is_dir() else n,
    )


def test_an_accept_interrupted_after_the_branch_moved_is_finished_by_recovery(
    store: SkillStore,
) -> None:
    commit_version(store, 1)
    review = commit_version(store, 2, review=True)
    commit_version(store, 1, name="other")  # the branch moved: accept makes a merge commit
    from skillforge.store import review as review_ops

    store._finish = lambda journal: None  # type: ignore[method-assign]  # "crash" here
    with store.lock():
        review_ops.accept(store, "cancel_order")
    assert "email" not in (store.root / "cancel_order" / "skill.py").read_text()
    assert (store.root / ".skillforge" / "journal.json").exists()
    del store._finish  # back to the class's method
    SkillLibrary(store.root).log("cancel_order")  # any reader finishes it (require recovers)
    assert "email" in (store.root / "cancel_order" / "skill.py").read_text()
    assert store.versions("cancel_order") == [1, 2]
    assert git(store.root, "branch", "--list", "review/*") == ""
    assert git(store.root, "rev-parse", "HEAD^2").strip() == review.sha
    assert git(store.root, "status", "--porcelain") == ""
