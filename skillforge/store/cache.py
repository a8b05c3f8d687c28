"""A stat-validated cache of per-skill summaries, so ``list`` does not parse every manifest.

Opening and parsing 10,000 ``skill.json`` files costs about 2 s; one ``stat`` per skill plus
one cache file costs a small fraction of that.  An entry is reused only while its
``skill.json`` has the same mtime, size and inode (a promotion swaps the folder, so every
new version has a new inode); the whole cache is dropped when the summarising function's
code changes.  The cache is derived data under ``.skillforge/`` (ignored by git); losing
it only costs one slow ``list``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

Summarize = Callable[[str, dict[str, Any]], dict[str, Any]]


def _key(summarize: Summarize) -> str:
    code = getattr(summarize, "__code__", None)
    raw = (code.co_code + repr(code.co_consts).encode()) if code else repr(summarize).encode()
    return hashlib.sha1(raw).hexdigest()


def summaries(root: Path, state: Path, summarize: Summarize) -> list[dict[str, Any]]:
    """``summarize(name, manifest)`` for every skill folder under ``root``, sorted by name."""
    path = state / "summaries.json"
    key = _key(summarize)
    entries: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        cached = orjson.loads(path.read_bytes())
        if cached.get("key") == key:
            entries = cached["entries"]
    fresh: dict[str, Any] = {}
    changed = False
    for entry in os.scandir(root):
        if not entry.is_dir() or entry.name.startswith("."):
            continue
        manifest_path = entry.path + "/skill.json"
        try:
            st = os.stat(manifest_path)
        except OSError:
            continue
        stamp = [st.st_mtime_ns, st.st_size, st.st_ino]
        hit = entries.get(entry.name)
        if hit is not None and hit[0] == stamp:
            fresh[entry.name] = hit
            continue
        with open(manifest_path, "rb") as fh:
            manifest = json.loads(fh.read())
        fresh[entry.name] = [stamp, summarize(entry.name, manifest)]
        changed = True
    if changed or len(fresh) != len(entries):
        with contextlib.suppress(OSError):
            state.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(orjson.dumps({"key": key, "entries": fresh}))
            os.replace(tmp, path)
    return [fresh[name][1] for name in sorted(fresh)]
