"""Shared fixtures for the sandbox suite: one warm pool per session (workers are reused,
which is exactly what state-poisoning tests need), and a check, made by scanning ``/proc``
rather than by asking the sandbox, that no worker process outlives the run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

import sandbox
from sandbox import Limits, Sandbox
from sandbox.pool import WorkerProcess

FAST = Limits(cpu_seconds=2, wall_seconds=5, memory_mb=256)


@pytest.fixture(scope="session")
def box() -> Iterator[Sandbox]:
    with Sandbox(workers=2, limits=FAST) as pool:
        yield pool


_RECORDING = False
_STARTED_HERE: set[int] = set()
_original_init = WorkerProcess.__init__


def _recording_init(self: WorkerProcess, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    if _RECORDING:
        _STARTED_HERE.add(self.pid)


WorkerProcess.__init__ = _recording_init  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def record_workers() -> Iterator[None]:
    """Remember the pid of every worker started while a test of this directory runs (only
    those: in a whole-project run other suites may legitimately keep pools of their own)."""
    global _RECORDING
    _RECORDING = True
    yield
    _RECORDING = False


@pytest.fixture(scope="session", autouse=True)
def no_stray_workers() -> Iterator[None]:
    """After the session (pools closed, default pool shut down) none of the workers these
    tests started may still run -- checked in /proc, not by asking the sandbox."""
    yield
    sandbox.shutdown()
    deadline = time.monotonic() + 5
    alive = {pid for pid in _STARTED_HERE if _alive(pid)}
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = {pid for pid in alive if _alive(pid)}
    assert _STARTED_HERE, "no worker was recorded: the check would be vacuous"
    assert not alive, f"worker processes outlived the test session: {sorted(alive)}"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
