"""Tree plumbing: build a skill folder's tree, splice it into a commit's tree, read it back.

Why not a private index over the whole repository?  ``read-tree HEAD`` of a 10,000-skill
repository writes a 50,000-entry index three times per commit.  Splicing with ``mktree``
costs one ``ls-tree``/``mktree`` pair per directory level between the repository root and
the skill, so a commit's cost barely grows with the number of skills.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from .git import Git

# Files that tools create next to a skill and that git should not see as changes.
_SCRATCH_DIRS = {"__pycache__", ".pytest_cache", ".hypothesis"}


def blob_sha(data: bytes) -> str:
    """The object id git gives ``data`` as a blob (no process needed)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def folder_files(folder: Path) -> dict[str, Path]:
    """Every file under ``folder`` (relative posix path -> path), without scratch files."""
    out: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in _SCRATCH_DIRS]
        for fname in filenames:
            if fname.endswith((".pyc", ".pyo")):
                continue
            full = Path(dirpath) / fname
            out[full.relative_to(folder).as_posix()] = full
    return out


def ls_blobs(git: Git, treeish: str, path: str) -> dict[str, str]:
    """Blobs under ``path`` in ``treeish`` (path relative to ``path`` -> object id)."""
    if not treeish:
        return {}
    out = git.run("ls-tree", "-r", "-z", "--full-tree", treeish, "--", path + "/")
    found: dict[str, str] = {}
    cut = len(path) + 1
    for record in out.split("\0"):
        if record:
            meta, full = record.split("\t", 1)
            found[full[cut:]] = meta.split()[2]
    return found


def subtree(git: Git, treeish: str, path: str) -> str | None:
    """The tree id at ``path`` in ``treeish``, or None when there is none."""
    if not treeish:
        return None
    out = git.run("rev-parse", "-q", "--verify", f"{treeish}:{path}", check=False)
    return out.strip() or None


def build_tree(git: Git, tmp: Path, files: dict[str, Path]) -> str:
    """Write the blobs and the tree of one folder (relative path -> file) into the repo."""
    rels = sorted(files)
    blobs = git.run(
        "hash-object",
        "-w",
        "--no-filters",
        "--stdin-paths",
        input="".join(f"{files[rel]}\n" for rel in rels),
    ).split()
    index_file = tmp / f"index-{uuid.uuid4().hex}"
    env = {  # a throw-away index: never split (that would leave a sharedindex.* behind)
        "GIT_INDEX_FILE": str(index_file),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "core.splitIndex",
        "GIT_CONFIG_VALUE_0": "false",
    }
    try:
        lines = "".join(
            f"100644 {blob}\t{rel}\n" for rel, blob in zip(rels, blobs, strict=True)
        )
        git.run("update-index", "--add", "--index-info", input=lines, env=env)
        return git.run("write-tree", env=env).strip()
    finally:
        index_file.unlink(missing_ok=True)


def _parse(raw: bytes) -> dict[bytes, tuple[bytes, bytes]]:
    """A raw tree's entries (name -> (mode, 20-byte id))."""
    entries: dict[bytes, tuple[bytes, bytes]] = {}
    pos = 0
    while pos < len(raw):
        space = raw.index(b" ", pos)
        nul = raw.index(b"\0", space)
        entries[raw[space + 1 : nul]] = (raw[pos:space], raw[nul + 1 : nul + 21])
        pos = nul + 21
    return entries


def _write_tree(git: Git, entries: dict[bytes, tuple[bytes, bytes]]) -> str:
    """Serialise a tree in git's order (a subtree sorts as if its name ended in '/').

    ``mktree`` would do this too, but it costs 200 ms for the 10,000 entries of a large
    skills directory; building the bytes here and hashing them costs a few ms."""

    def order(name: bytes) -> bytes:
        return name + b"/" if entries[name][0] == b"40000" else name

    body = b"".join(
        entries[name][0] + b" " + name + b"\0" + entries[name][1]
        for name in sorted(entries, key=order)
    )
    out = git.run_bytes("hash-object", "-t", "tree", "-w", "--stdin", "--literally", input=body)
    return out.decode().strip()


def splice(git: Git, root: str | None, parts: list[str], new: str | None) -> str:
    """``root`` (a tree or commit) with the tree at ``parts`` replaced by ``new`` (None
    removes it)."""
    raw = (git.read_blobs([f"{root}^{{tree}}"])[0] or b"") if root else b""
    head, rest = parts[0].encode(), parts[1:]
    at = _find_subtree(raw, head)
    if at >= 0 and new is not None:
        # The common case, a new version of an existing skill: patch 20 bytes in place
        # instead of parsing and re-serialising 10,000 entries.
        if rest:
            new = splice(git, raw[at : at + 20].hex(), rest, new)
        body = raw[:at] + bytes.fromhex(new) + raw[at + 20 :]
        out = git.run_bytes("hash-object", "-t", "tree", "-w", "--stdin", "--literally", input=body)
        return out.decode().strip()
    entries = _parse(raw)
    if rest:
        mode, oid = entries.get(head, (b"", b""))
        child = oid.hex() if mode == b"40000" else None
        new = splice(git, child, rest, new) if (child or new) else None
    if new is None:
        entries.pop(head, None)
    else:
        entries[head] = (b"40000", bytes.fromhex(new))
    return _write_tree(git, entries)


def _find_subtree(raw: bytes, name: bytes) -> int:
    """Offset of the object id of subtree ``name`` in a raw tree, or -1.

    An entry is ``40000 <name>\\0<20-byte id>`` and follows a 20-byte id (or starts the
    tree), so a hit must sit at offset 0 or 21 bytes after a NUL; names hold no NUL."""
    needle = b"40000 " + name + b"\0"
    pos = raw.find(needle)
    while pos >= 0:
        if pos == 0 or (pos >= 21 and raw[pos - 21] == 0):
            return pos + len(needle)
        pos = raw.find(needle, pos + 1)
    return -1


def read_tree_files(git: Git, tree: str) -> dict[str, bytes]:
    """Every file of a tree (relative path -> bytes), through one cat-file process."""
    out = git.run("ls-tree", "-r", "-z", tree)
    rels, shas = [], []
    for record in out.split("\0"):
        if record:
            meta, rel = record.split("\t", 1)
            rels.append(rel)
            shas.append(meta.split()[2])
    blobs = git.read_blobs(shas)
    return {rel: blob for rel, blob in zip(rels, blobs, strict=True) if blob is not None}


def write_folder(dest: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` under ``dest`` (a private staging folder: a rename publishes it whole;
    no fsync, because git does not fsync its objects either and a killed process loses
    nothing that reached the page cache)."""
    for rel, data in files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def merge_root(git: Git, head: str, tree: str) -> str:
    """HEAD's root tree plus the entries of ``tree`` (init at the top of a repository)."""
    if not head:
        return tree
    entries: dict[str, str] = {}
    for source in (head, tree):
        for record in git.run("ls-tree", "-z", source).split("\0"):
            if record:
                meta, fname = record.split("\t", 1)
                entries[fname] = meta
    body = "".join(f"{meta}\t{fname}\0" for fname, meta in entries.items())
    return git.run("mktree", "-z", input=body).strip()


def changed_files(git: Git, treeish: str, path: str, folder: Path) -> list[str]:
    """Files of ``folder`` that differ from ``path`` in ``treeish`` (hashed here: ``git
    status`` reads and refreshes the whole index, 0.8 s at 10,000 skills)."""
    committed = ls_blobs(git, treeish, path)
    on_disk = folder_files(folder) if folder.is_dir() else {}
    changed = [rel for rel in committed if rel not in on_disk]
    for rel, file in on_disk.items():
        if committed.get(rel) != blob_sha(file.read_bytes()):
            changed.append(rel)
    return sorted(changed)
