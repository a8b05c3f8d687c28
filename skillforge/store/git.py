"""The git command line, run as a subprocess: the only place skillforge executes git.

We use the git CLI rather than GitPython: on this machine kind a commit through the CLI
plumbing is 2-6x faster than GitPython's ``index.add``/``index.commit`` and leaves no
``git cat-file`` helper processes behind (see NOTES-performance.md).
"""

from __future__ import annotations

import os
import subprocess
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
        full_env = {**os.environ, **_ENV_OVERRIDES, **(env or {})}
        proc = subprocess.run(
            ["git", *args],
            cwd=self.cwd,
            input=input,
            capture_output=True,
            text=True,
            env=full_env,
        )
        if check and proc.returncode != 0:
            message = (proc.stderr or proc.stdout).strip().splitlines()
            raise StoreError(
                f"git {args[0]} failed: {message[-1] if message else proc.returncode}",
                path=str(self.cwd),
                hint="see the git message; fix the repository state and retry",
            )
        return proc.stdout

    def _rc(self, *args: str) -> int:
        env = {**os.environ, **_ENV_OVERRIDES}
        return subprocess.run(["git", *args], cwd=self.cwd, capture_output=True, env=env).returncode

    def succeeds(self, *args: str) -> bool:
        return self._rc(*args) == 0
