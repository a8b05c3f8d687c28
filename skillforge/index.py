"""SQLite FTS5 search over a skills directory: derived data, never the source of truth.

The index lives in the directory's gitignored ``.skillforge/index.sqlite3`` and is brought
up to date before each search by comparing every ``skill.json``'s (mtime, size) stamp with
the one recorded when it was indexed, so promotions, rollbacks and hand edits are seen
without any hook; deleting the file only costs a rebuild.  Ranking is BM25 over the name,
description, parameter names and descriptions, tool names and the source tasks' text.
Queries are ORs of the query's terms and their synonyms, after dropping terms found in
more than 5 % of the skills (an OR with a very common word makes SQLite score most of
the index).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .index_text import expand, terms

if TYPE_CHECKING:
    from .library import SkillLibrary

INDEX_FORMAT = "1"
INDEX_FILE = "index.sqlite3"
COMMON_FRACTION = 0.05
COLUMNS = ("name", "description", "params", "tools", "tasks")
WEIGHTS = (6.0, 3.0, 1.5, 1.0, 1.0)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs(
    id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, stamp TEXT NOT NULL,
    version INTEGER, description TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5({", ".join(COLUMNS)},
    tokenize = 'unicode61', detail = 'column');
CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab(fts, 'row');
"""


@dataclass
class Hit:
    """One search result (lower ``score`` is better: it is SQLite's BM25)."""

    name: str
    score: float
    version: int | None
    description: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": round(self.score, 4),
            "version": self.version,
            "description": self.description,
        }


def document(manifest: dict[str, Any]) -> dict[str, str]:
    """The searchable text of one skill, per column, as index terms."""
    params = manifest.get("parameters", {}).get("properties", {})
    param_text = " ".join(f"{p} {s.get('description', '')}" for p, s in params.items())
    tasks = " ".join(
        str(t.get("task") or "")
        for t in manifest.get("provenance", {}).get("trajectories", [])
        if isinstance(t, dict)
    )
    raw = {
        "name": manifest["name"],
        "description": str(manifest.get("description", "")),
        "params": param_text,
        "tools": " ".join(manifest.get("tools", [])),
        "tasks": tasks,
    }
    return {col: " ".join(terms(text)) for col, text in raw.items()}


def skill_stamps(root: Path) -> dict[str, str]:
    """``name -> "mtime_ns:size"`` of every skill's ``skill.json`` on disk.

    The store replaces ``skill.json`` on every promotion and rollback, so its stamp
    changes whenever the skill does; this is how derived data notices, without hooks.
    """
    out: dict[str, str] = {}
    if not root.is_dir():
        return out
    for entry in os.scandir(root):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        try:
            st = os.stat(os.path.join(entry.path, "skill.json"))
        except OSError:
            continue
        out[entry.name] = f"{st.st_mtime_ns}:{st.st_size}"
    return out


class SkillIndex:
    """The search index of one skills directory (``db`` defaults to its ``.skillforge/``)."""

    def __init__(self, root: str | os.PathLike[str], db: str | os.PathLike[str] | None = None):
        self.root = Path(root)
        path = Path(db) if db is not None else self.root / ".skillforge" / INDEX_FILE
        self.path = path
        self.conn = self._open(path)

    @classmethod
    def for_library(cls, lib: SkillLibrary) -> SkillIndex:
        lib.store.require()
        return cls(lib.path)

    def _open(self, path: Path) -> sqlite3.Connection:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.OperationalError):
            conn = sqlite3.connect(":memory:", isolation_level=None)  # read-only directory
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
        row = conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()
        if row is None or row[0] != INDEX_FORMAT:
            conn.executescript("DELETE FROM docs; DELETE FROM fts;")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (INDEX_FORMAT,))
        return conn

    def close(self) -> None:
        self.conn.close()

    # -- keeping it fresh ----------------------------------------------------------
    def stamps(self) -> dict[str, str]:
        return skill_stamps(self.root)

    def refresh(self) -> int:
        """Re-index the skills whose files changed; returns how many documents changed."""
        on_disk = self.stamps()
        indexed = dict(self.conn.execute("SELECT name, stamp FROM docs"))
        changed = [n for n, s in on_disk.items() if indexed.get(n) != s]
        gone = [n for n in indexed if n not in on_disk]
        if not changed and not gone:
            return 0
        manifests = []
        for name in changed:
            try:
                manifest = json.loads((self.root / name / "skill.json").read_text())
            except (OSError, ValueError):
                continue  # half-written or broken: the next search retries
            manifests.append((manifest, on_disk[name]))
        self.add(manifests, remove=gone)
        return len(manifests) + len(gone)

    def add(
        self, manifests: Iterable[tuple[dict[str, Any], str]], remove: Iterable[str] = ()
    ) -> None:
        """Insert or replace documents (manifest, stamp) and remove names, in one transaction."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for name in remove:
                self._delete(name)
            for manifest, stamp in manifests:
                self._delete(manifest["name"])
                cur = conn.execute(
                    "INSERT INTO docs(name, stamp, version, description) VALUES (?,?,?,?)",
                    (manifest["name"], stamp, manifest.get("version"), manifest["description"]),
                )
                doc = document(manifest)
                conn.execute(
                    f"INSERT INTO fts(rowid, {', '.join(COLUMNS)}) VALUES (?,?,?,?,?,?)",
                    (cur.lastrowid, *(doc[c] for c in COLUMNS)),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _delete(self, name: str) -> None:
        row = self.conn.execute("SELECT id FROM docs WHERE name=?", (name,)).fetchone()
        if row is not None:
            self.conn.execute("DELETE FROM fts WHERE rowid=?", row)
            self.conn.execute("DELETE FROM docs WHERE id=?", row)

    # -- querying ------------------------------------------------------------------
    def match_expression(self, query: str) -> str | None:
        """The FTS5 expression for a query: an OR of its rare-enough terms and synonyms."""
        wanted: list[str] = []
        for term in terms(query):
            for t in sorted(expand(term)):
                if t not in wanted:
                    wanted.append(t)
        if not wanted:
            return None
        total = self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]
        marks = ",".join("?" * len(wanted))
        df = dict(self.conn.execute(f"SELECT term, doc FROM vocab WHERE term IN ({marks})", wanted))
        present = [t for t in wanted if df.get(t)]
        if not present:
            return None
        limit = max(COMMON_FRACTION * total, 50)
        rare = [t for t in present if df[t] <= limit]
        if not rare:  # every word is common: keep the least common few
            rare = sorted(present, key=lambda t: df[t])[:2]
        return " OR ".join(f'"{t}"' for t in rare)

    def search(self, query: str, k: int = 5, *, refresh: bool = True) -> list[Hit]:
        """The ``k`` best skills for ``query`` (an empty list when nothing matches)."""
        if refresh:
            self.refresh()
        expression = self.match_expression(query)
        if expression is None or k <= 0:
            return []
        weights = ", ".join(str(w) for w in WEIGHTS)
        rows = self.conn.execute(
            f"SELECT d.name, s.score, d.version, d.description FROM "
            f"(SELECT rowid, bm25(fts, {weights}) AS score FROM fts WHERE fts MATCH ? "
            f"ORDER BY score LIMIT ?) AS s JOIN docs d ON d.id = s.rowid ORDER BY s.score",
            (expression, k),
        ).fetchall()
        return [Hit(name, score, version, desc) for name, score, version, desc in rows]
