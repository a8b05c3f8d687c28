"""The git-backed skills directory: init, atomic commit of one skill, versions, reads.

A promotion is one commit that touches only ``<skills dir>/<name>/``.  It is built with
git plumbing on a private index (so the user's index and other files are never touched),
published by a compare-and-swap ``update-ref`` (so a concurrent writer can't be lost), and
the folder is moved into place by rename.  A journal makes the sequence restartable: a
crash before the ref moves leaves the old state; after it, the next open finishes the job.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..errors import NotInitializedError, SkillNotFoundError, StoreError
from .git import Git
from .lock import locked

MARKER = "skillforge.toml"
STATE_DIR = ".skillforge"
_MARKER_TEXT = (
    "# A skillforge skills directory. Each folder here is one skill.\n[skills]\nformat = 1\n"
)


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    version: int
    tag: str


class SkillStore:
    """One skills directory inside a git work tree (its own repository or a folder)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).absolute()
        self.state = self.root / STATE_DIR
        self._git: Git | None = None
        self._prefix: str | None = None

    # -- setup ---------------------------------------------------------------------
    @classmethod
    def init(cls, root: str | os.PathLike[str]) -> SkillStore:
        """Create (or adopt) a skills directory; idempotent."""
        store = cls(root)
        store.root.mkdir(parents=True, exist_ok=True)
        git = Git(store.root)
        if not git.succeeds("rev-parse", "--is-inside-work-tree"):
            git.run("init", "-q", "-b", "main")
        if store.initialized():
            return store
        (store.root / ".gitignore").write_text(f"{STATE_DIR}/\n")
        (store.root / MARKER).write_text(_MARKER_TEXT)
        with store.lock():
            store._commit_paths(
                {name: store.root / name for name in (".gitignore", MARKER)},
                "skills: initialise skillforge skills directory",
            )
        return store

    def initialized(self) -> bool:
        return (self.root / MARKER).is_file()

    def require(self) -> SkillStore:
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
        return self

    @property
    def git(self) -> Git:
        """Git run at the repository's top level, so every path we pass is repo-relative."""
        if self._git is None:
            here = Git(self.root)
            self._prefix = here.run("rev-parse", "--show-prefix").strip().rstrip("/")
            self._git = Git(Path(here.run("rev-parse", "--show-toplevel").strip()))
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

    def lock(self, timeout: float | None = None):  # type: ignore[no-untyped-def]
        wait = (
            timeout if timeout is not None else float(os.environ.get("SKILLFORGE_LOCK_TIMEOUT", 60))
        )
        return locked(self.state / "lock", wait)

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

    def exists(self, name: str) -> bool:
        return (self.root / name / "skill.json").is_file()

    def require_skill(self, name: str) -> Path:
        if not self.exists(name):
            known = ", ".join(self.names()) or "none yet"
            raise SkillNotFoundError(
                f"no skill named {name!r}", path=str(self.root), hint=f"skills: {known}"
            )
        return self.root / name

    def versions(self, name: str) -> list[int]:
        out = self.git.run("tag", "--list", f"skill/{name}/v*")
        found = []
        for line in out.split():
            match = re.fullmatch(rf"skill/{re.escape(name)}/v(\d+)", line)
            if match:
                found.append(int(match.group(1)))
        return sorted(found)

    def read_at(self, name: str, version: int, relpath: str) -> str:
        tag = f"skill/{name}/v{version}"
        if version not in self.versions(name):
            raise SkillNotFoundError(
                f"{name} has no version {version}", hint="see `skillforge log`"
            )
        return self.git.run("show", f"{tag}:{self.repo_path(name, relpath)}")

    # -- writing -------------------------------------------------------------------
    def commit_skill(
        self, name: str, files: dict[str, bytes], message: str, version: int | None = None
    ) -> CommitInfo:
        """Replace ``<name>/`` by ``files`` in one commit and tag it; caller holds the lock."""
        self._refuse_unsafe_state(name)
        version = version or (max(self.versions(name), default=0) + 1)
        staged = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self._tmp()))
        for rel, data in files.items():
            target = staged / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        sha = self._commit_paths(
            {f"{name}/{rel}": staged / rel for rel in files},
            message,
            replace=name,
            journal={"name": name, "staged": str(staged), "version": version},
        )
        return CommitInfo(sha, version, f"skill/{name}/v{version}")

    def _tmp(self) -> Path:
        path = self.state / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _refuse_unsafe_state(self, name: str) -> None:
        git_dir = Path(self.git.run("rev-parse", "--absolute-git-dir").strip())
        if not self.git.succeeds("symbolic-ref", "-q", "HEAD"):
            raise StoreError(
                "the repository is on a detached HEAD",
                path=str(self.root),
                hint="check out a branch before promoting",
            )
        for marker in ("rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD"):
            if (git_dir / marker).exists():
                raise StoreError(
                    f"a git operation is in progress ({marker})",
                    path=str(self.root),
                    hint="finish or abort it, then promote again",
                )
        if self.exists(name):
            dirty = self.git.run("status", "--porcelain", "--", self.repo_path(name) + "/")
            if dirty.strip():
                raise StoreError(
                    f"the skill folder {name}/ has uncommitted changes",
                    path=str(self.root / name),
                    hint="commit or discard them (git checkout -- it) before promoting",
                )

    def _commit_paths(
        self,
        files: dict[str, Path],
        message: str,
        *,
        replace: str | None = None,
        journal: dict | None = None,
    ) -> str:
        """Commit ``files`` (path in the skills dir -> file on disk) on top of HEAD."""
        git = self.git
        head = git.run("rev-parse", "-q", "--verify", "HEAD", check=False).strip()
        index_file = self._tmp() / f"index-{uuid.uuid4().hex}"
        env = {"GIT_INDEX_FILE": str(index_file)}
        try:
            if head:
                git.run("read-tree", head, env=env)
            if replace:
                git.run(
                    "rm",
                    "-r",
                    "-q",
                    "--cached",
                    "--ignore-unmatch",
                    "--",
                    self.repo_path(replace),
                    env=env,
                )
            rels = list(files)
            blobs = git.run(
                "hash-object",
                "-w",
                "--no-filters",
                "--stdin-paths",
                input="\n".join(str(files[rel]) for rel in rels) + "\n",
            ).split()
            entries = [
                f"100644 {blob}\t{self.repo_path(rel)}"
                for rel, blob in zip(rels, blobs, strict=True)
            ]
            git.run(
                "update-index", "--add", "--index-info", input="\n".join(entries) + "\n", env=env
            )
            tree = git.run("write-tree", env=env).strip()
        finally:
            index_file.unlink(missing_ok=True)
        parents = ["-p", head] if head else []
        sha = git.run("commit-tree", tree, *parents, input=message).strip()
        if journal is not None:
            journal = {**journal, "commit": sha}
            self._write_journal(journal)
        ref = git.run("symbolic-ref", "-q", "HEAD", check=False).strip() or "HEAD"
        git.run("update-ref", "-m", message.splitlines()[0], ref, sha, head or "0" * 40)
        if journal is not None:
            self._finish(journal)
        else:
            self._sync_index([self.repo_path(rel) for rel in files])
        return sha

    # -- crash recovery ------------------------------------------------------------
    def _write_journal(self, journal: dict) -> None:
        path = self.state / "journal.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(journal))
        os.replace(tmp, path)

    def _finish(self, journal: dict) -> None:
        """Publish a committed promotion into the work tree: swap folder, tag, sync index."""
        name, staged = journal["name"], Path(journal["staged"])
        target = self.root / name
        if staged.exists():
            if target.exists():
                trash = self._tmp() / f"old-{name}-{uuid.uuid4().hex}"
                os.replace(target, trash)
                os.replace(staged, target)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(staged, target)
        tag = f"skill/{name}/v{journal['version']}"
        self.git.run("tag", "-f", tag, journal["commit"])
        self._sync_index([self.repo_path(name)])
        (self.state / "journal.json").unlink(missing_ok=True)

    def recover(self) -> None:
        """Finish or discard a promotion a crash interrupted.  Call with the lock held."""
        path = self.state / "journal.json"
        if path.exists():
            journal = json.loads(path.read_text())
            head = self.git.run("rev-parse", "-q", "--verify", "HEAD", check=False).strip()
            reachable = bool(head) and self.git.succeeds(
                "merge-base", "--is-ancestor", journal["commit"], head
            )
            if reachable:
                self._finish(journal)
            else:
                path.unlink(missing_ok=True)
        self._clean_tmp()

    def _clean_tmp(self) -> None:
        tmp = self.state / "tmp"
        if tmp.is_dir():
            for entry in tmp.iterdir():
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                elif entry.name.startswith("index-"):
                    entry.unlink(missing_ok=True)

    def _sync_index(self, paths: list[str]) -> None:
        """Make the user's index agree with HEAD for our paths only (their other staged
        changes stay exactly as they were)."""
        self.git.run("reset", "-q", "HEAD", "--", *paths)
