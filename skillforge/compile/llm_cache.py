"""On-disk cache of model responses, keyed by (model, prompt).

Re-running a promotion should be free and reproducible: the same model asked the same
conversation gets the answer it gave before, so a re-run repeats the same rounds and
produces the same skill.  The cache lives in the skills directory's git-ignored state
folder (``.skillforge/llm-cache/``), one small JSON file per response, written atomically
so concurrent promotions never read half a file.  ``--no-cache`` bypasses reads and writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

CACHE_DIR = Path(".skillforge") / "llm-cache"


def cache_key(model: str, messages: list[dict[str, str]]) -> str:
    """A stable hash of the model name and the whole conversation."""
    payload = json.dumps({"model": model, "messages": messages}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


class ResponseCache:
    """Cached responses under ``root`` (usually ``<skills dir>/.skillforge/llm-cache``)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        #: Keys this instance wrote: a hit on one is an answer given during this same
        #: promotion (asked before the lock, replayed under it), not an old cached one.
        self.written: set[str] = set()

    @classmethod
    def for_skills_dir(cls, skills_dir: str | os.PathLike[str]) -> ResponseCache:
        return cls(Path(skills_dir) / CACHE_DIR)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored entry, or ``None`` (also for an unreadable file: it is just refetched)."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and isinstance(data.get("content"), str) else None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entry, handle, indent=1, sort_keys=True)
            os.replace(tmp, path)
            self.written.add(key)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


__all__ = ["CACHE_DIR", "ResponseCache", "cache_key"]
