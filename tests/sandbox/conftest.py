"""Shared fixtures for the sandbox suite: one warm pool per session (workers are reused,
which is exactly what state-poisoning tests need), and a check, made by scanning ``/proc``
rather than by asking the sandbox, that no worker process outlives the run."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

import sandbox
from sandbox import Limits, Sandbox

FAST = Limits(cpu_seconds=2, wall_seconds=5, memory_mb=256)


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


def wait_no_workers(timeout: float = 5.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = worker_processes()
        if not left:
            return left
        time.sleep(0.05)
    return worker_processes()


@pytest.fixture(scope="session")
def box() -> Iterator[Sandbox]:
    with Sandbox(workers=2, limits=FAST) as pool:
        yield pool


@pytest.fixture(scope="session", autouse=True)
def no_stray_workers() -> Iterator[None]:
    """After the whole session (pools closed, default pool shut down) no worker may remain."""
    yield
    sandbox.shutdown()
    assert not wait_no_workers(), "worker processes outlived the test session"
