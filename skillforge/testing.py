"""Helpers the generated ``tests/test_<name>.py`` files call (plain pytest, no plugin)."""

from __future__ import annotations

import json
from pathlib import Path

from .trajectory import load


def stored_trajectories(skill_dir: Path) -> list[Path]:
    return sorted((skill_dir / "trajectories").glob("*.json"))


def replay_stored_trajectory(skill_dir: Path, trajectory: Path) -> None:
    """Replay one stored run of the skill in ``skill_dir``; raise AssertionError if it fails."""
    from .library import shared_sandbox
    from .verify.replay import replay
    from .verify.static import check

    manifest = json.loads((skill_dir / "skill.json").read_text())
    source = (skill_dir / "skill.py").read_text()
    (traj,) = load(trajectory)
    static = check(source, manifest["name"], set(manifest["tools"]))
    assert static.ok, static.problems
    params = [p[0] for p in static.facts.params]
    outcome = replay(shared_sandbox(), source, manifest["name"], params, traj, trajectory.name)
    assert outcome.ok, "; ".join(outcome.problems)
