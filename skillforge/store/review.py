"""Review branches and rollback: change a skill like a pull request, and undo it.

``promote --review`` commits onto ``review/NAME`` (see :meth:`SkillStore.commit_skill`).
``accept`` publishes that commit on the checked-out branch, fast-forward when the branch
has not moved and a merge commit otherwise; ``reject`` deletes the branch but keeps the
commit under an annotated tag ``skill/NAME/rejected/<sha>`` whose message is the reason,
so ``log`` can say what was turned down and why.  ``rollback`` never rewrites history: it
commits the old files again as a new version.  Every function here expects the caller to
hold the store lock (as ``commit_skill`` does).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, StoreError
from .history import trailers
from .repo import CommitInfo
from .trees import subtree, write_folder

if TYPE_CHECKING:
    from .repo import SkillStore


def pending(store: SkillStore) -> list[dict[str, Any]]:
    """Pending reviews: name, commit, version and the commit it was based on."""
    out = store.git.run(
        "for-each-ref", "--format=%(refname)%00%(objectname)%00%(contents)%1e", "refs/heads/review/"
    )
    found = []
    for record in out.split("\x1e"):
        record = record.lstrip("\n")
        if record:
            ref, sha, message = record.split("\0")
            version = trailers(message).get("Skill-Version", ["0"])[0]
            found.append(
                {
                    "name": ref.removeprefix("refs/heads/review/"),
                    "commit": sha,
                    "version": int(version) if version.isdigit() else None,
                    "subject": message.strip().splitlines()[0] if message.strip() else "",
                }
            )
    return found


def review_diff(store: SkillStore, name: str) -> dict[str, Any]:
    """The behaviour and code diff a reviewer sees: latest version -> the review."""
    from .history import diff

    versions = store.versions(name)
    return diff(store, name, str(versions[-1]) if versions else "none", "review")


def _review(store: SkillStore, name: str) -> tuple[str, str, str]:
    ref = f"refs/heads/review/{name}"
    sha = store.head(ref)
    if not sha:
        raise InputError(
            f"no pending review for {name!r}",
            hint="`skillforge review` lists them; `promote --review` makes one",
        )
    return ref, sha, store.git.run("log", "-1", "--format=%B", sha)


def accept(store: SkillStore, name: str) -> CommitInfo:
    """Publish the review of ``name`` on the current branch and tag its version."""
    ref, sha, message = _review(store, name)
    branch = store.check_safe(name)
    version = int(trailers(message).get("Skill-Version", ["0"])[0] or 0)
    latest = max(store.versions(name), default=0)
    if version <= latest:
        raise StoreError(
            f"the review of {name} v{version} is stale: {name} is at v{latest} now",
            hint=f"run `skillforge reject {name}` and promote again with --review",
        )
    base = store.git.run("rev-parse", f"{sha}^").strip()
    head = store.head(branch)
    path = store.repo_path(name)
    if head != base and subtree(store.git, head, path) != subtree(store.git, base, path):
        raise StoreError(
            f"{name} changed on {branch} since its review was made",
            hint=f"run `skillforge reject {name}` and promote again with --review",
        )
    tree = subtree(store.git, sha, path)
    staged = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=store._tmp()))
    write_folder(staged, store.files_at(sha, name))
    merge = f"skill({name}): accept review of v{version}\n\n" + _body(message)
    tag = f"skill/{name}/v{version}"
    commit = store.publish(
        name, tree, merge, ref=branch, staged=staged, tag=tag,
        extra_parent=sha, delete_ref=(ref, sha), fast_forward=(sha, base),
    )
    return CommitInfo(commit, version, tag)


def _body(message: str) -> str:
    """A message without its subject line (the trailers stay, so ``log`` reads them)."""
    parts = message.strip().split("\n\n", 1)
    return (parts[1] if len(parts) > 1 else "").strip() + "\n"


def reject(store: SkillStore, name: str, reason: str | None = None) -> dict[str, Any]:
    """Delete the review branch of ``name``, keeping the commit under a tag with the reason."""
    ref, sha, message = _review(store, name)
    version = trailers(message).get("Skill-Version", ["?"])[0]
    tag = f"skill/{name}/rejected/{sha[:12]}"
    text = f"rejected review of {name} v{version}: {reason or 'no reason given'}\n"
    store.git.run("tag", "-a", "-f", "-F", "-", tag, sha, input=text)
    store.git.run("update-ref", "-d", ref, sha)
    return {"name": name, "commit": sha, "version": version, "tag": tag, "reason": reason}


def rollback(store: SkillStore, name: str, version: int) -> CommitInfo:
    """A new version whose files are those of ``version`` (manifest renumbered)."""
    from .diff import semver_for

    versions = store.versions(name)
    if version not in versions:
        known = ", ".join(f"v{v}" for v in versions) or "none"
        raise InputError(f"{name} has no version {version}", hint=f"versions: {known}")
    current = max(versions)
    old_commit = store.version_commit(name, version)
    files = store.files_at(old_commit, name)
    now = store.files_at(store.head(), name)
    if {k: v for k, v in files.items() if k not in ("skill.json", "SKILL.md")} == {
        k: v for k, v in now.items() if k not in ("skill.json", "SKILL.md")
    }:
        raise InputError(
            f"{name} already has the code of v{version}", hint=f"see `skillforge diff {name}`"
        )
    new_version = current + 1
    manifest = json.loads(files["skill.json"])
    now_manifest = json.loads(now.get("skill.json", b"{}"))
    before = {"source": now.get("skill.py", b"").decode(), "manifest": now_manifest}
    after = {"source": files["skill.py"].decode(), "manifest": manifest}
    manifest["version"] = new_version
    manifest["semver"] = semver_for(before, after, name)
    manifest["restored_from"] = {"version": version, "commit": old_commit}
    files["skill.json"] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    if "SKILL.md" in files:
        card = re.sub(
            r'^(\s+version: )"\d+"', rf'\g<1>"{new_version}"', files["SKILL.md"].decode(),
            count=1, flags=re.M,
        )
        files["SKILL.md"] = card.encode()
    summary = (manifest.get("verification") or {}).get("summary", "unknown")
    lines = [
        f"skill({name}): v{new_version} rolls back to v{version}",
        "",
        f"Restores the files of v{version} ({old_commit[:12]}) as a new version.",
        "",
        f"Skill-Name: {name}",
        f"Skill-Version: {new_version}",
        *[
            f"Source-Trajectory: sha256:{t['sha256']}"
            for t in manifest.get("provenance", {}).get("trajectories", [])
        ],
        f"Compiler: {manifest.get('compiler', 'unknown')}",
        f"Verified: {summary}",
        f"Restores-Version: {version}",
    ]
    return store.commit_skill(name, files, "\n".join(lines) + "\n", version=new_version)
