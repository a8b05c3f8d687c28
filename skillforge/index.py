"""SQLite FTS5 search over a skills directory: derived data, never the source of truth.

The index lives in the directory's gitignored ``.skillforge/index.sqlite3`` and is brought
up to date before each search by comparing every ``skill.json``'s (mtime, size) stamp with
the one recorded when it was indexed, so promotions, rollbacks and hand edits are seen
without any hook; deleting the file only costs a rebuild.  Ranking is BM25 over the name,
description, parameter names and descriptions, tool names and the source tasks' text,
then a re-ranking by query coverage (see :meth:`SkillIndex.search`).  Query words are
expanded with synonyms, and words found in more than 5 % of the skills are dropped when
rarer ones remain (an OR with a very common word makes SQLite score most of the index).
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .index_text import expand, terms

if TYPE_CHECKING:
    from .library import SkillLibrary

INDEX_FORMAT = "3"
INDEX_FILE = "index.sqlite3"
COMMON_FRACTION = 0.05
CANDIDATES = 200
WIDE_BUDGET = 5000  # postings the two-of-three stage may read before AND goes first
COLUMNS = ("name", "description", "params", "tools", "tasks")
WEIGHTS = (6.0, 3.0, 1.5, 1.0, 1.0)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs(
    id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, stamp TEXT NOT NULL,
    version INTEGER, description TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5({", ".join(COLUMNS)},
    tokenize = 'unicode61', detail = 'column');
CREATE TABLE IF NOT EXISTS terms(term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
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
            conn.executescript("DELETE FROM docs; DELETE FROM fts; DELETE FROM terms;")
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
            if not isinstance(manifest, dict):
                continue
            # The folder names the skill (as the store sees it), whatever the file says.
            manifests.append(({**manifest, "name": name}, on_disk[name]))
        self.add(manifests, remove=gone)
        return len(manifests) + len(gone)

    def add(
        self, manifests: Iterable[tuple[dict[str, Any], str]], remove: Iterable[str] = ()
    ) -> None:
        """Insert or replace documents (manifest, stamp) and remove names, in one transaction."""
        conn = self.conn
        df: Counter[str] = Counter()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for name in remove:
                self._delete(name, df)
            for manifest, stamp in manifests:
                self._delete(manifest["name"], df)
                cur = conn.execute(
                    "INSERT INTO docs(name, stamp, version, description) VALUES (?,?,?,?)",
                    (manifest["name"], stamp, manifest.get("version"), manifest["description"]),
                )
                doc = document(manifest)
                df.update(set(" ".join(doc.values()).split()))
                conn.execute(
                    f"INSERT INTO fts(rowid, {', '.join(COLUMNS)}) VALUES (?,?,?,?,?,?)",
                    (cur.lastrowid, *(doc[c] for c in COLUMNS)),
                )
            conn.executemany(
                "INSERT INTO terms(term, df) VALUES (?, ?) "
                "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                [(t, n) for t, n in df.items() if n],
            )
            conn.execute("DELETE FROM terms WHERE df <= 0")
            conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('count', (SELECT count(*) FROM docs))"
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _delete(self, name: str, df: Counter[str]) -> None:
        row = self.conn.execute("SELECT id FROM docs WHERE name=?", (name,)).fetchone()
        if row is not None:
            columns = self.conn.execute(
                f"SELECT {', '.join(COLUMNS)} FROM fts WHERE rowid=?", row
            ).fetchone()
            df.subtract(set(" ".join(c or "" for c in columns or ()).split()))
            self.conn.execute("DELETE FROM fts WHERE rowid=?", row)
            self.conn.execute("DELETE FROM docs WHERE id=?", row)

    # -- querying ------------------------------------------------------------------
    def term_groups(self, query: str) -> tuple[list[list[str]], dict[str, int], int]:
        """The query as groups of index terms (a word and its synonyms), rarest first.

        Terms absent from the index are dropped, and within a group so are terms in more
        than ``COMMON_FRACTION`` of the skills when it has rarer ones: they cost the most
        to score and tell the skills apart the least.  Returns the groups, each term's
        document frequency and the number of skills.
        """
        groups: list[frozenset[str]] = []
        for term in terms(query):
            group = expand(term)
            if group not in groups:
                groups.append(group)
        wanted = sorted({t for g in groups for t in g})
        row = self.conn.execute("SELECT value FROM meta WHERE key='count'").fetchone()
        if row is None:
            row = self.conn.execute("SELECT count(*) FROM docs").fetchone()
        total = int(row[0])
        if not wanted or not total:
            return [], {}, total
        marks = ",".join("?" * len(wanted))
        df = dict(self.conn.execute(f"SELECT term, df FROM terms WHERE term IN ({marks})", wanted))
        limit = max(COMMON_FRACTION * total, 50)
        out: list[list[str]] = []
        for group in groups:
            present = sorted(t for t in group if df.get(t))
            rare = [t for t in present if df[t] <= limit] or present
            if rare and rare not in out:
                out.append(rare)
        out.sort(key=lambda g: sum(df[t] for t in g))
        return out, df, total

    def search(self, query: str, k: int = 5, *, refresh: bool = True) -> list[Hit]:
        """The ``k`` best skills for ``query`` (an empty list when nothing matches).

        Two stages keep a query fast at 100,000 skills.  FTS5 finds the skills holding
        the query's two rarest word groups (each group: a word or any of its synonyms)
        and ranks them with BM25; the best ``CANDIDATES`` are then re-ranked by how much
        of the *whole* query they cover, each group counting its IDF times the weight of
        the best column it appears in.  When that finds fewer than ``k`` skills, the
        query widens: two of the three rarest groups, then any of the four rarest.  When
        those groups are rare enough to be cheap, the search starts at two of three (a
        paraphrase seldom keeps every word, but rarely loses all but one).
        """
        if refresh:
            self.refresh()
        groups, df, total = self.term_groups(query)
        if k <= 0 or not groups:
            return []
        ors = ["(" + " OR ".join(f'"{t}"' for t in g) + ")" for g in groups]
        expressions = [" OR ".join(ors[:4])]
        if len(ors) >= 3:
            a, b, c = ors[:3]
            expressions.insert(0, f"({a} AND ({b} OR {c})) OR ({b} AND {c})")
        postings = sum(df[t] for g in groups[:3] for t in g)
        if len(ors) >= 2 and postings > WIDE_BUDGET:  # too costly to start wide
            expressions.insert(0, f"{ors[0]} AND {ors[1]}")
        idf = {t: math.log((total - n + 0.5) / (n + 0.5) + 1) for t, n in df.items()}
        ranked: dict[int, tuple[float, float]] = {}
        for expression in expressions:
            for row in self._candidates(expression):
                rowid, bm25, *columns = row
                if rowid not in ranked:
                    ranked[rowid] = (-coverage(groups, columns, idf), bm25)
            if len(ranked) >= k:
                break
        best = sorted(ranked, key=ranked.__getitem__)[:k]
        return self._hits(best, {r: ranked[r][0] for r in best})

    def _candidates(self, expression: str) -> list[tuple[Any, ...]]:
        weights = ", ".join(str(w) for w in WEIGHTS)
        rows: list[tuple[Any, ...]] = self.conn.execute(
            f"SELECT rowid, bm25(fts, {weights}) AS score, {', '.join(COLUMNS)} FROM fts "
            "WHERE fts MATCH ? ORDER BY score LIMIT ?",
            (expression, CANDIDATES),
        ).fetchall()
        return rows

    def _hits(self, rowids: list[int], scores: dict[int, float]) -> list[Hit]:
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        rows = self.conn.execute(
            f"SELECT id, name, version, description FROM docs WHERE id IN ({marks})", rowids
        ).fetchall()
        by_id = {r[0]: r for r in rows}
        return [Hit(by_id[r][1], scores[r], by_id[r][2], by_id[r][3]) for r in rowids if r in by_id]


def coverage(groups: list[list[str]], columns: list[str], idf: dict[str, float]) -> float:
    """How much of the query a skill covers: per group, IDF x the best column's weight."""
    owners: dict[str, list[int]] = {}
    for i, group in enumerate(groups):
        for term in group:
            owners.setdefault(term, []).append(i)
    best = [0.0] * len(groups)
    for weight, text in zip(WEIGHTS, columns, strict=True):
        for term in owners.keys() & set(text.split()):
            value = weight * idf.get(term, 0.0)
            for i in owners[term]:
                if value > best[i]:
                    best[i] = value
    return sum(best)
