"""A skill's history read from its refs: log, version snapshots, diff, blame.

Why tags and not ``git log -- <folder>``?  Walking history with a path filter costs
time proportional to the whole repository (1.4 s at 10,000 skills, 257 ms even with
Bloom filters); every version of a skill has a tag ``skill/NAME/vN``, so one prefix lookup
in the refs plus one read per version answers ``log NAME``, ``diff`` and ``blame`` in time
that depends on that skill alone.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError, SkillNotFoundError

if TYPE_CHECKING:
    from .repo import SkillStore

_FMT = (
    "%(refname)%00%(objecttype)%00%(objectname)%00%(*objectname)%00"
    "%(creatordate:iso-strict)%00%(contents)%00%(*contents)%1e"
)


@dataclass
class LogEntry:
    """One event in a skill's life: a version, a pending review or a rejected one."""

    name: str
    kind: str  # "version" | "review" | "rejected"
    version: int | None
    commit: str
    date: str
    subject: str
    compiler: str | None = None
    verified: str | None = None
    trajectories: list[str] = field(default_factory=list)
    ref: str = ""
    reason: str | None = None
    restores: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def trailers(message: str) -> dict[str, list[str]]:
    """The ``Key: value`` trailers of a commit message's last paragraph."""
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    found: dict[str, list[str]] = {}
    if paragraphs:
        for line in paragraphs[-1].splitlines():
            match = re.fullmatch(r"([A-Za-z][A-Za-z0-9-]*): (.*)", line.strip())
            if match:
                found.setdefault(match.group(1), []).append(match.group(2))
    return found


def _entry(name: str, kind: str, commit: str, date: str, message: str, ref: str) -> LogEntry:
    tr = trailers(message)
    version = tr.get("Skill-Version", [None])[0]
    restores = tr.get("Restores-Version", [None])[0]
    return LogEntry(
        name=tr.get("Skill-Name", [name])[0],
        kind=kind,
        version=int(version) if version and version.isdigit() else None,
        commit=commit,
        date=date,
        subject=message.strip().splitlines()[0] if message.strip() else "",
        compiler=tr.get("Compiler", [None])[0],
        verified=tr.get("Verified", [None])[0],
        trajectories=[t.removeprefix("sha256:") for t in tr.get("Source-Trajectory", [])],
        ref=ref,
        restores=int(restores) if restores and restores.isdigit() else None,
    )


def log(store: SkillStore, name: str | None = None, limit: int = 50) -> list[LogEntry]:
    """Versions newest first (with pending and rejected reviews when ``name`` is given)."""
    if name is None:
        return _log_all(store, limit)
    out = store.git.run(
        "for-each-ref", f"--format={_FMT}", f"refs/tags/skill/{name}/", f"refs/heads/review/{name}"
    )
    entries: list[LogEntry] = []
    for record in out.split("\x1e"):
        record = record.lstrip("\n")
        if not record:
            continue
        ref, otype, obj, deref, date, contents, deref_contents = record.split("\0")
        if ref.startswith("refs/heads/review/"):
            entries.append(_entry(name, "review", obj, date, contents, ref))
        elif "/rejected/" in ref and otype == "tag":
            entry = _entry(name, "rejected", deref, date, deref_contents, ref)
            entry.reason = contents.strip().split(": ", 1)[-1] or None
            entries.append(entry)
        elif re.fullmatch(rf"refs/tags/skill/{re.escape(name)}/v\d+", ref):
            entry = _entry(name, "version", deref or obj, date, deref_contents or contents, ref)
            entry.version = int(ref.rsplit("/v", 1)[1])
            entries.append(entry)
    if not entries and not store.exists(name):
        raise SkillNotFoundError(f"no skill named {name!r}", hint="`skillforge list` shows them")
    order = {"review": 2, "version": 1, "rejected": 0}
    entries.sort(key=lambda e: (e.date, order[e.kind], e.version or 0), reverse=True)
    return entries[:limit] if limit else entries


def _log_all(store: SkillStore, limit: int) -> list[LogEntry]:
    fmt = "--format=%H%x00%cI%x00%B%x1e"
    path = ["--", store.prefix] if store.prefix else []
    out = store.git.run(
        "log", "--first-parent", f"-n{max(limit, 1) * 2}", fmt, "HEAD", *path, check=False
    )
    entries = []
    for record in out.split("\x1e"):
        record = record.lstrip("\n")
        if record:
            sha, date, message = record.split("\0")
            if "Skill-Name:" in message:
                entries.append(_entry("", "version", sha, date, message, ""))
    return entries[:limit]


def parse_version(text: str) -> int:
    """``3`` or ``v3`` (as users write versions on the command line)."""
    match = re.fullmatch(r"[vV]?(\d+)", text.strip())
    if not match:
        raise InputError(f"not a version: {text!r}", field="VERSION", hint="write 3 or v3")
    return int(match.group(1))


def snapshots(store: SkillStore, name: str, commits: list[str]) -> list[dict[str, Any] | None]:
    """``{"source", "manifest"}`` of ``name`` at each commit, through one cat-file process."""
    specs = [f"{c}:{store.repo_path(name, f)}" for c in commits for f in ("skill.py", "skill.json")]
    blobs = store.git.read_blobs(specs)
    out: list[dict[str, Any] | None] = []
    for i in range(len(commits)):
        src, man = blobs[2 * i], blobs[2 * i + 1]
        if src is None:
            out.append(None)
            continue
        manifest = json.loads(man) if man else {}
        out.append({"source": src.decode(), "manifest": manifest})
    return out


def resolve(store: SkillStore, name: str, spec: str) -> tuple[str, str]:
    """A version spec (``3``, ``v3``, ``review``, ``head``, ``none``) -> (label, commit)."""
    if spec == "none":
        return "", ""
    if spec in ("review", "head"):
        ref = f"refs/heads/review/{name}" if spec == "review" else "HEAD"
        sha = store.head(ref)
        if not sha:
            raise InputError(f"{name} has no {spec}", hint="see `skillforge log " + name + "`")
        return spec, sha
    version = parse_version(spec)
    return f"v{version}", store.version_commit(name, version)


def diff(
    store: SkillStore, name: str, a: str | None = None, b: str | None = None
) -> dict[str, Any]:
    """Behaviour diff then code diff.  No A: the latest version against the one before;
    A only: A against the latest."""
    from .diff import behaviour, unified

    versions = store.versions(name)
    if not versions and b is not None:
        versions = [0]  # diff against a pending review of a new skill
    elif not versions:
        if not store.exists(name):
            raise SkillNotFoundError(f"no skill named {name!r}", hint="`skillforge list`")
        raise InputError(f"{name} has no versions yet", hint="promote it first")
    if a is None:
        b_label, b_sha = resolve(store, name, str(versions[-1]))
        older = [v for v in versions if v < versions[-1]]
        a_label, a_sha = resolve(store, name, str(older[-1])) if older else ("", "")
    else:
        a_label, a_sha = resolve(store, name, a)
        b_label, b_sha = resolve(store, name, b if b is not None else str(versions[-1]))
    snaps = snapshots(store, name, [a_sha, b_sha] if a_sha else [b_sha])
    old, new = (snaps[0], snaps[1]) if a_sha else (None, snaps[0])
    if a_sha and old is None:
        raise InputError(f"{name} does not exist at {a_label}", hint=f"see `skillforge log {name}`")
    if new is None:
        raise InputError(f"{name} does not exist at {b_label}", hint=f"see `skillforge log {name}`")
    changes = behaviour(old, new, name)
    path = store.repo_path(name, "skill.py")
    code = unified(
        old["source"] if old else "", new["source"],
        f"a/{path} ({a_label})" if old else "/dev/null", f"b/{path} ({b_label})",
    )
    semver = {
        "old": (old or {}).get("manifest", {}).get("semver"),
        "new": new["manifest"].get("semver"),
    }
    return {"name": name, "from": a_label or None, "to": b_label, "behaviour": changes,
            "semver": semver, "code": code}


def blame(store: SkillStore, name: str) -> dict[str, Any]:
    """Which version (and so which commit, compiler and trajectories) wrote each line."""
    entries = [e for e in log(store, name, limit=0) if e.kind == "version"]
    entries.sort(key=lambda e: e.version or 0)
    if not entries:
        raise SkillNotFoundError(f"{name} has no versions", hint="`skillforge list`")
    snaps = snapshots(store, name, [e.commit for e in entries])
    origin: list[int] = []
    lines: list[str] = []
    seen: set[str] = set()
    versions: dict[int, dict[str, Any]] = {}
    seen_lines: dict[int, tuple[list[str], list[int]]] = {}
    for entry, snap in zip(entries, snaps, strict=True):
        if snap is None:
            continue
        v = entry.version or 0
        new_lines = snap["source"].splitlines()
        if entry.restores in seen_lines:  # a rollback: lines keep the restored version's origin
            lines, origin = seen_lines[entry.restores]
        matcher = difflib.SequenceMatcher(a=lines, b=new_lines, autojunk=False)
        new_origin = [v] * len(new_lines)
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                new_origin[block.b + k] = origin[block.a + k]
        lines, origin = new_lines, new_origin
        seen_lines[v] = (lines, origin)
        trajs = snap["manifest"].get("provenance", {}).get("trajectories", [])
        versions[v] = {
            "commit": entry.commit,
            "date": entry.date,
            "compiler": entry.compiler or snap["manifest"].get("compiler"),
            "verified": entry.verified,
            "restores": entry.restores,
            "new_trajectories": [
                {"sha256": t["sha256"], "file": t.get("file"), "task": t.get("task")}
                for t in trajs
                if t["sha256"] not in seen
            ],
        }
        seen |= {t["sha256"] for t in trajs}
    return {
        "name": name,
        "lines": [{"line": i + 1, "version": o, "text": t}
                  for i, (o, t) in enumerate(zip(origin, lines, strict=True))],
        "versions": versions,
    }
