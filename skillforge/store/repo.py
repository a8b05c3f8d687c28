"""The git-backed skills directory: init, atomic commit of one skill, versions, reads.

A promotion is one commit that touches only ``<skills dir>/<name>/``.  Its tree is spliced
from HEAD's with plumbing (so the user's index and other files are never touched), it is
published by a compare-and-swap ``update-ref`` (so a concurrent writer can't be lost), and
the folder, written whole in a private staging directory, is moved into place by rename.
A journal makes the sequence restartable: a crash before the ref moves leaves the old
state; after it, the next process to take the lock finishes the job (folder, tag, index).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import LockTimeoutError, NotInitializedError, SkillNotFoundError, StoreError
from .git import Git
from .journal import Recovery
from .lock import locked
from .trees import (
    build_tree,
    changed_files,
    folder_files,
    ls_blobs,
    merge_root,
    splice,
    write_folder,
)

MARKER = "skillforge.toml"
STATE_DIR = ".skillforge"
ZERO = "0" * 40
_MARKER_TEXT = (
    "# A skillforge skills directory. Each folder here is one skill.\n[skills]\nformat = 1\n"
)
_GITIGNORE = f"{STATE_DIR}/\n__pycache__/\n.pytest_cache/\n"


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    version: int
    tag: str


class SkillStore(Recovery):
    """One skills directory inside a git work tree (its own repository or a folder)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).absolute()
        self.state = self.root / STATE_DIR
        self._git: Git | None = None
        self._prefix: str | None = None

    # -- setup ---------------------------------------------------------------------
    @classmethod
    def init(cls, root: str | os.PathLike[str], *, own_repo: bool = False) -> SkillStore:
        """Create (or adopt) a skills directory; idempotent.

        Outside any repository, or with ``own_repo``, the directory becomes a repository of
        its own. Inside a work tree it is a folder of that repository, unless the
        repository ignores the folder (then committing into it would contradict the
        user's ``.gitignore``: it gets its own repository) or the repository already holds
        another skills directory (tags ``skill/NAME/vN`` are per repository, so two
        directories would share version numbers: refused).
        """
        store = cls(root)
        store.root.mkdir(parents=True, exist_ok=True)
        git = Git(store.root)
        top = git.run("rev-parse", "--show-toplevel", check=False).strip()  # "": no repo
        at_root = bool(top) and Path(top).resolve() == store.root.resolve()
        if top and not at_root and not store.initialized():
            if not own_repo and Git(store.root.parent).succeeds(
                "check-ignore", "-q", "--", store.root.name
            ):
                own_repo = True
            if not own_repo:
                other = store._other_skills_dir()
                if other is not None:
                    raise StoreError(
                        f"this repository already holds the skills directory {other}/ "
                        "(versions are tagged per repository)",
                        path=str(store.root),
                        hint=f"use {other}/, or give this directory a repository of its "
                        "own: skillforge init --own-repo DIR",
                    )
        if not at_root and (not top or own_repo):
            git.run("init", "-q", "-b", "main")
            # Our own repository (never a user's): a split index makes each promotion
            # write only the changed entries, not a 5 MB index at 10,000 skills.
            git.run("config", "core.splitIndex", "true")
            git.run("config", "splitIndex.sharedIndexExpire", "now")  # no stale copies
        if store.initialized():
            return store
        files = {".gitignore": _GITIGNORE.encode(), MARKER: _MARKER_TEXT.encode()}
        with store.lock():
            store.branch_ref()
            tmp = Path(tempfile.mkdtemp(dir=store._tmp()))
            write_folder(tmp, files)
            tree = build_tree(store.git, store._tmp(), folder_files(tmp))
            shutil.rmtree(tmp)
            head = store.head()
            parts = store.prefix.split("/") if store.prefix else []
            if parts:
                root_tree = splice(store.git, head or None, parts, tree)
            else:
                root_tree = merge_root(store.git, head, tree)
            message = "skills: initialise skillforge skills directory\n"
            parents = ["-p", head] if head else []
            sha = store.git.run("commit-tree", root_tree, *parents, input=message).strip()
            ref = store.branch_ref()
            store.git.run("update-ref", "-m", message.strip(), ref, sha, head or ZERO)
            for rel, data in files.items():
                (store.root / rel).write_bytes(data)
            store._sync_index([store.repo_path(rel) for rel in files])
        return store

    def initialized(self) -> bool:
        return (self.root / MARKER).is_file()

    def _other_skills_dir(self) -> str | None:
        """Another skills directory tracked in this repository (by its marker file)."""
        listed = self.git.run("ls-files", "-z", "--", f":(glob)**/{MARKER}", check=False)
        for rel in filter(None, listed.split("\0")):
            folder = rel[: -len(MARKER)].rstrip("/")
            if folder == self.prefix:
                continue
            marker = self.git.cwd / rel
            with contextlib.suppress(OSError):
                if marker.read_text(encoding="utf-8").startswith(_MARKER_TEXT.split("\n")[0]):
                    return folder or "."
        return None

    def require(self) -> SkillStore:
        """The store, after checking it exists; finishes a crashed promotion if it can."""
        if not self.root.is_dir():
            raise NotInitializedError(
                "skills directory does not exist",
                path=str(self.root),
                hint=f"run `skillforge init {self.root}` (or pass --skills-dir)",
            )
        if not self.initialized():
            raise NotInitializedError(
                "not a skillforge skills directory",
                path=str(self.root),
                hint=f"run `skillforge init {self.root}`",
            )
        if (self.state / "journal.json").exists():
            with contextlib.suppress(LockTimeoutError), self.lock(timeout=0):
                self.recover()
        return self

    @property
    def git(self) -> Git:
        """Git run at the repository's top level, so every path we pass is repo-relative."""
        if self._git is None:
            here = Git(self.root)
            out = here.run("rev-parse", "--show-prefix", "--show-toplevel").splitlines()
            self._prefix = out[0].strip().rstrip("/") if len(out) > 1 else ""
            self._git = Git(Path(out[-1].strip()))
        return self._git

    @property
    def prefix(self) -> str:
        """The skills directory's path inside its repository ('' when it is the repo)."""
        if self._prefix is None:
            _ = self.git
        assert self._prefix is not None
        return self._prefix

    def repo_path(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def lock(self, timeout: float | None = None) -> contextlib.AbstractContextManager[None]:
        """The directory's inter-process lock (bounded wait, env SKILLFORGE_LOCK_TIMEOUT)."""
        wait = (
            timeout if timeout is not None else float(os.environ.get("SKILLFORGE_LOCK_TIMEOUT", 60))
        )
        return locked(self.state / "lock", wait)

    def maintain(self) -> None:
        """Pack refs (10k loose tags list in 240 ms, packed in 12 ms) and write a
        commit-graph with changed-path Bloom filters (path-limited ``git log`` 5x faster)."""
        self.git.run("pack-refs", "--all")
        self.git.run("commit-graph", "write", "--reachable", "--changed-paths")

    # -- reading -------------------------------------------------------------------
    def skill_dir(self, name: str) -> Path:
        return self.root / name

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            entry.name
            for entry in os.scandir(self.root)
            if entry.is_dir()
            and not entry.name.startswith(".")
            and os.path.exists(os.path.join(entry.path, "skill.json"))
        )

    def summaries(
        self, summarize: Callable[[str, dict[str, Any]], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """``summarize(name, manifest)`` per skill, cached by stat (see store.cache)."""
        from .cache import summaries

        return summaries(self.root, self.state, summarize) if self.root.is_dir() else []

    def exists(self, name: str) -> bool:
        return (self.root / name / "skill.json").is_file()

    def require_skill(self, name: str) -> Path:
        if not self.exists(name):
            known = ", ".join(self.names()[:20]) or "none yet"
            raise SkillNotFoundError(
                f"no skill named {name!r}", path=str(self.root), hint=f"skills: {known}"
            )
        return self.root / name

    def head(self, ref: str = "HEAD") -> str:
        """The commit ``ref`` points at ('' for an unborn branch or a missing ref)."""
        return self.git.run("rev-parse", "-q", "--verify", f"{ref}^{{commit}}", check=False).strip()

    def branch_ref(self) -> str:
        """The checked-out branch (``refs/heads/...``); refuses a detached HEAD."""
        ref = self.git.run("symbolic-ref", "-q", "HEAD", check=False).strip()
        if not ref:
            raise StoreError(
                "the repository is on a detached HEAD",
                path=str(self.root),
                hint="check out a branch (git switch main) before changing skills",
            )
        return ref

    def versions(self, name: str) -> list[int]:
        """Version numbers of ``name``, from its tags (a prefix lookup, not a tag scan)."""
        out = self.git.run("for-each-ref", "--format=%(refname)", f"refs/tags/skill/{name}/")
        found = []
        for line in out.split():
            match = re.fullmatch(rf"refs/tags/skill/{re.escape(name)}/v(\d+)", line)
            if match:
                found.append(int(match.group(1)))
        return sorted(found)

    def version_commit(self, name: str, version: int) -> str:
        sha = self.head(f"refs/tags/skill/{name}/v{version}")
        if not sha:
            known = ", ".join(f"v{v}" for v in self.versions(name)) or "none"
            raise SkillNotFoundError(
                f"{name} has no version {version}", hint=f"versions: {known} (see `skillforge log`)"
            )
        return sha

    def read_at(self, name: str, version: int, relpath: str) -> str:
        sha = self.version_commit(name, version)
        return self.git.run("show", f"{sha}:{self.repo_path(name, relpath)}")

    def files_at(self, commit: str, name: str) -> dict[str, bytes]:
        """Every file of ``name``'s folder as committed in ``commit``."""
        from .trees import read_tree_files, subtree

        tree = subtree(self.git, commit, self.repo_path(name))
        return read_tree_files(self.git, tree) if tree else {}

    # -- writing -------------------------------------------------------------------
    def commit_skill(
        self,
        name: str,
        files: dict[str, bytes],
        message: str,
        version: int | None = None,
        *,
        review: bool = False,
    ) -> CommitInfo:
        """Replace ``<name>/`` by ``files`` in one commit and tag it; caller holds the lock.

        With ``review`` the commit goes onto branch ``review/<name>`` instead, untagged and
        invisible in the work tree until ``accept``.
        """
        ref = self.check_safe(name)
        version = version or (max(self.versions(name), default=0) + 1)
        staged = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self._tmp()))
        write_folder(staged, files)
        tree = build_tree(self.git, self._tmp(), folder_files(staged))
        if review:
            shutil.rmtree(staged, ignore_errors=True)
            return self._commit_review(name, tree, message, version)
        sha = self.publish(name, tree, message, ref=ref, staged=staged, tag=_tag(name, version))
        return CommitInfo(sha, version, _tag(name, version))

    def _commit_review(self, name: str, tree: str, message: str, version: int) -> CommitInfo:
        review_ref = f"refs/heads/review/{name}"
        if self.head(review_ref):
            raise StoreError(
                f"a review of {name} is already pending",
                path=str(self.root),
                hint=f"run `skillforge accept {name}` or `skillforge reject {name}` first",
            )
        head = self.head()
        root = splice(self.git, head or None, self._parts(name), tree)
        parents = ["-p", head] if head else []
        sha = self.git.run("commit-tree", root, *parents, input=message).strip()
        self.git.run("update-ref", "-m", f"review {name} v{version}", review_ref, sha, ZERO)
        return CommitInfo(sha, version, f"review/{name}")

    def _parts(self, name: str) -> list[str]:
        return [*(self.prefix.split("/") if self.prefix else []), name]

    def publish(
        self,
        name: str,
        tree: str | None,
        message: str,
        *,
        ref: str,
        staged: Path | None,
        tag: str | None,
        extra_parent: str | None = None,
        delete_ref: tuple[str, str] | None = None,
        fast_forward: tuple[str, str] | None = None,
    ) -> str:
        """Commit ``tree`` as ``<name>/`` on top of ``ref`` and publish it (journaled).

        The compare-and-swap ``update-ref`` fails if someone else moved the branch since we
        read it; we then rebuild on the new tip (up to three times) unless they changed this
        very skill, which we refuse rather than overwrite.  ``fast_forward`` = (commit,
        base): when the branch is still at ``base``, publish ``commit`` itself.
        """
        expected: str | None = None
        for _attempt in range(3):
            head = self.head(ref)
            folder = ls_blobs(self.git, head, self.repo_path(name))
            current = json.dumps(sorted(folder.items()))
            if expected is not None and current != expected:
                raise StoreError(
                    f"the skill {name} changed on {ref} while we were committing",
                    path=str(self.root / name),
                    hint="run the command again",
                )
            expected = current
            if fast_forward and head == fast_forward[1]:
                sha = fast_forward[0]  # the branch is where the change was made: no merge
            else:
                root = splice(self.git, head or None, self._parts(name), tree)
                parents = [p for sha in (head, extra_parent) if sha for p in ("-p", sha)]
                sha = self.git.run("commit-tree", root, *parents, input=message).strip()
            new_paths = folder_files(staged) if staged else {}
            journal = {
                "name": name,
                "commit": sha,
                "ref": ref,
                "staged": str(staged) if staged else None,
                "tag": tag,
                "delete_ref": list(delete_ref) if delete_ref else None,
                "paths": sorted(self.repo_path(name, p) for p in {*folder, *new_paths}),
            }
            self._write_journal(journal)
            try:
                self.git.run("update-ref", "-m", message.splitlines()[0], ref, sha, head or ZERO)
            except StoreError:
                (self.state / "journal.json").unlink(missing_ok=True)
                if self.head(ref) == head:
                    raise
                continue
            self._finish(journal)
            return sha
        raise StoreError(
            f"{ref} kept moving while we committed {name}",
            path=str(self.root),
            hint="stop other processes committing to this repository, then retry",
        )

    def check_safe(self, name: str) -> str:
        """Refuse a detached HEAD, an operation in progress or a dirty skill folder; return
        the checked-out branch."""
        # Operations in progress first: a rebase also detaches HEAD, and "switch to a
        # branch" would be the wrong advice in the middle of one.
        git_dir = Path(self.git.run("rev-parse", "--absolute-git-dir").strip())
        for marker, what, abort in _IN_PROGRESS:
            if (git_dir / marker).exists():
                raise StoreError(
                    f"a {what} is in progress in this repository",
                    path=str(self.root),
                    hint=f"finish it or abort it (git {abort} --abort), then retry",
                )
        ref = self.branch_ref()
        if (self.root / name).exists() and not (self.root / name).is_dir():
            raise StoreError(
                f"a file named {name} is in the way of the skill folder",
                path=str(self.root / name),
                hint="rename or remove that file, or give the skill another name",
            )
        dirty = self.dirty_files(name)
        if dirty:
            raise StoreError(
                f"the skill folder {name}/ has uncommitted changes ({', '.join(dirty[:3])})",
                path=str(self.root / name),
                hint="commit or discard them (git -C "
                f"{shlex.quote(str(self.git.cwd))} checkout -- {self.repo_path(name)}/) "
                "before changing it",
            )
        return ref

    def dirty_files(self, name: str) -> list[str]:
        """Files of ``<name>/`` that differ from HEAD, hashed here rather than by ``git
        status`` (which reads and refreshes the whole index: 0.8 s at 10,000 skills)."""
        return changed_files(self.git, self.head(), self.repo_path(name), self.root / name)


_IN_PROGRESS = (
    ("rebase-merge", "rebase", "rebase"),
    ("rebase-apply", "rebase or git am", "rebase"),
    ("MERGE_HEAD", "merge", "merge"),
    ("CHERRY_PICK_HEAD", "cherry-pick", "cherry-pick"),
    ("REVERT_HEAD", "revert", "revert"),
)


def _tag(name: str, version: int) -> str:
    return f"skill/{name}/v{version}"
