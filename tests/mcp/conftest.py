"""Fixtures for the MCP tests: a skills directory, free ports, processes on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "export"))

from mcpkit import ROOT, wait_for_port
from skillkit import FAILING_SOURCE, SUMMARY_SOURCE, add_skill, make_library


@pytest.fixture
def skills(tmp_path: Path) -> Path:
    root = make_library(tmp_path / "skills")
    add_skill(root, SUMMARY_SOURCE, "order_summary", tools=["get_order_details"])
    add_skill(root, FAILING_SOURCE, "always_fails", tools=["get_order_details"])
    return root


@pytest.fixture
def spawn() -> Iterator:  # type: ignore[type-arg]
    """Start a process listening on a port; every one is stopped after the test."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(args: list[str], port: int) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
        procs.append(proc)
        wait_for_port(port, proc)
        return proc

    yield start
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
