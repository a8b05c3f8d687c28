"""The crash journal: finish or discard a change a crash interrupted.

A change is journaled (commit id, target ref, staged folder, tag, paths) before its
compare-and-swap ``update-ref``.  If the process dies before the ref moves, the journal
names a commit no branch contains and is dropped; after it, ``recover`` (run by every
writer under the lock, and opportunistically by ``require``) swaps the folder in, tags and
syncs the index, exactly as the dead process would have.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from .git import Git


class Recovery:
    """Journal methods of :class:`~skillforge.store.repo.SkillStore` (a mixin)."""

    root: Path
    state: Path

    @property
    def git(self) -> Git:  # provided by SkillStore
        raise NotImplementedError

    def head(self, ref: str = "HEAD") -> str:  # provided by SkillStore
        raise NotImplementedError

    def _tmp(self) -> Path:
        path = self.state / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _write_journal(self, journal: dict[str, Any]) -> None:
        path = self.state / "journal.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(journal))
        os.replace(tmp, path)

    def _finish(self, journal: dict[str, Any]) -> None:
        """Publish a committed change into the work tree: swap folder, tag, sync index."""
        name = journal["name"]
        staged = Path(journal["staged"]) if journal.get("staged") else None
        target = self.root / name
        if staged is not None and staged.exists():
            if target.exists():
                trash = self._tmp() / f"old-{name}-{uuid.uuid4().hex}"
                os.replace(target, trash)
                os.replace(staged, target)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(staged, target)
        if journal.get("tag"):
            self.git.run("update-ref", f"refs/tags/{journal['tag']}", journal["commit"])
        if journal.get("delete_ref"):
            ref, old = journal["delete_ref"]
            if self.head(ref) == old:
                self.git.run("update-ref", "-d", ref, old)
        self._sync_index(journal["paths"])
        (self.state / "journal.json").unlink(missing_ok=True)

    def recover(self) -> None:
        """Finish or discard a change a crash interrupted.  Call with the lock held."""
        path = self.state / "journal.json"
        if path.exists():
            journal = json.loads(path.read_text())
            tip = self.head(journal.get("ref") or "HEAD")
            reachable = bool(tip) and (
                tip == journal["commit"]
                or self.git.succeeds("merge-base", "--is-ancestor", journal["commit"], tip)
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
                else:
                    entry.unlink(missing_ok=True)

    def _sync_index(self, paths: list[str]) -> None:
        """Make the user's index agree with the work tree for our paths only (their other
        staged changes stay exactly as they were)."""
        if paths:
            self.git.run("update-index", "--add", "--remove", "--", *paths)
