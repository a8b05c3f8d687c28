"""Finding worker processes from the outside (``/proc``), without asking the sandbox."""

from __future__ import annotations

import os


def worker_processes() -> set[int]:
    """PIDs of live (non-zombie) processes whose parent is us and that run a sandbox worker."""
    found: set[int] = set()
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, ppid = fields[0], int(fields[1])
        if ppid == me and state != "Z" and b"sandbox._worker" in cmdline:
            found.add(int(entry))
    return found
