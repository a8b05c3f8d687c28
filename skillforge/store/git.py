"""The git command line, run as a subprocess: the only place skillforge executes git.

We use the git CLI rather than GitPython: on this machine kind a commit through the CLI
plumbing is 2-6x faster than GitPython's ``index.add``/``index.commit`` and leaves no
``git cat-file`` helper processes behind (see NOTES-performance.md).  Every process we
start is waited for before ``run`` returns, so nothing outlives a call.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from ..errors import StoreError

# A stable, non-interactive git: no pager, no prompts, no user config surprises in output.
_ENV_OVERRIDES = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "LC_ALL": "C",
    "GIT_AUTHOR_NAME": os.environ.get("GIT_AUTHOR_NAME", "skillforge"),
    "GIT_AUTHOR_EMAIL": os.environ.get("GIT_AUTHOR_EMAIL", "skillforge@localhost"),
    "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME", "skillforge"),
    "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL", "skillforge@localhost"),
}

# "Unable to create '/repo/.git/index.lock': File exists." and its ref-lock cousins: another
# git process (often the user's own) is mid-write.  These are worth a bounded wait.
_LOCK_HELD = re.compile(r"Unable to create '([^']+\.lock)': File exists")


def lock_wait() -> float:
    """Seconds to wait for git's own lock files (env SKILLFORGE_GIT_LOCK_TIMEOUT)."""
    return float(os.environ.get("SKILLFORGE_GIT_LOCK_TIMEOUT", "10"))


class Git:
    """Runs git in one work tree; ``env`` adds variables (e.g. a private GIT_INDEX_FILE)."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd

    def run(
        self,
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        check: bool = True,
    ) -> str:
        out = self.run_bytes(
            *args, input=None if input is None else input.encode(), env=env, check=check
        )
        return out.decode("utf-8", "surrogateescape")

    def run_bytes(
        self,
        *args: str,
        input: bytes | None = None,
        env: dict[str, str] | None = None,
        check: bool = True,
    ) -> bytes:
        """Run git; retry while another git process holds a ``*.lock`` (bounded wait)."""
        full_env = {**os.environ, **_ENV_OVERRIDES, **(env or {})}
        deadline = time.monotonic() + lock_wait()
        while True:
            proc = subprocess.run(
                ["git", *args], cwd=self.cwd, input=input, capture_output=True, env=full_env
            )
            if proc.returncode == 0 or not check:
                return proc.stdout
            stderr = proc.stderr.decode("utf-8", "replace")
            held = _LOCK_HELD.search(stderr)
            if held and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            if held:
                raise StoreError(
                    f"git lock {held.group(1)} was held for {lock_wait():.0f}s",
                    path=str(self.cwd),
                    hint="wait for the other git process; if none runs, delete that lock file",
                )
            message = (stderr or proc.stdout.decode("utf-8", "replace")).strip().splitlines()
            raise StoreError(
                f"git {args[0]} failed: {message[-1] if message else proc.returncode}",
                path=str(self.cwd),
                hint="see the git message; fix the repository state and retry",
            )

    def _rc(self, *args: str) -> int:
        env = {**os.environ, **_ENV_OVERRIDES}
        return subprocess.run(["git", *args], cwd=self.cwd, capture_output=True, env=env).returncode

    def succeeds(self, *args: str) -> bool:
        return self._rc(*args) == 0

    def read_blobs(self, specs: list[str]) -> list[bytes | None]:
        """Contents of many objects (ids or ``rev:path``) through one ``cat-file --batch``
        that exits when done; None for each one that does not exist."""
        if not specs:
            return []
        out = self.run_bytes("cat-file", "--batch", input=("\n".join(specs) + "\n").encode())
        blobs: list[bytes | None] = []
        pos = 0
        for _spec in specs:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            if len(header) != 3:  # "<spec> missing" / "ambiguous"
                blobs.append(None)
                pos = end + 1
                continue
            size = int(header[2])
            blobs.append(out[end + 1 : end + 1 + size])
            pos = end + 1 + size + 1
        return blobs
