"""The history commands end to end: real CLI, real git, real sandbox verification."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, example_files


def sf(skills: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "--skills-dir", str(skills), *args],
        capture_output=True, text=True, timeout=120,
    )


def test_promote_review_accept_log_diff_rollback_blame(skills_dir: Path) -> None:
    runs = [str(p) for p in example_files("update_default_address")]
    name = "update_default_address"
    first = sf(skills_dir, "promote", *runs[:2], "--name", name, "--compiler", "trace", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["semver"] == "1.0.0"

    covered = sf(skills_dir, "promote", runs[2], "--name", "another_name", "--compiler", "trace")
    assert covered.returncode == 0, covered.stderr
    assert f"nothing promoted: {name} v1 already replays" in covered.stdout
    assert not (skills_dir / "another_name").exists()

    proposed = sf(skills_dir, "promote", runs[2], "--name", name, "--compiler", "trace",
                  "--force", "--review", "--json")
    assert proposed.returncode == 0, proposed.stderr
    assert json.loads(proposed.stdout)["review"] is True
    assert json.loads((skills_dir / name / "skill.json").read_text())["version"] == 1

    pending = sf(skills_dir, "review")
    assert f"review/{name}" in pending.stdout and "patch change" in pending.stdout
    assert json.loads(sf(skills_dir, "review", "--json").stdout)[0]["version"] == 2

    accepted = sf(skills_dir, "accept", name)
    assert accepted.returncode == 0 and f"accepted {name} v2" in accepted.stdout
    manifest = json.loads((skills_dir / name / "skill.json").read_text())
    assert manifest["version"] == 2 and manifest["semver"] == "1.0.1"

    log = json.loads(sf(skills_dir, "log", name, "--json").stdout)
    assert [e["version"] for e in log] == [2, 1]
    assert log[0]["verified"] == "replay 3/3" and len(log[0]["trajectories"]) == 3
    assert "v2" in sf(skills_dir, "log").stdout

    piped = sf(skills_dir, "diff", name)
    assert piped.returncode == 0 and "\033[" not in piped.stdout
    assert "v1 -> v2: patch change" in piped.stdout and "+++ b/" in piped.stdout
    assert "\033[32m" in sf(skills_dir, "diff", name, "v1", "2", "--color").stdout
    as_json = json.loads(sf(skills_dir, "diff", name, "--json").stdout)
    assert as_json["behaviour"]["verification"]["trajectories_added"] == 1

    rolled = sf(skills_dir, "rollback", name, "v1", "--json")
    assert rolled.returncode == 0, rolled.stderr
    assert json.loads(rolled.stdout)["version"] == 3
    blame = json.loads(sf(skills_dir, "blame", name, "--json").stdout)
    assert {line["version"] for line in blame["lines"]} <= {1, 2, 3}
    assert "commit" in sf(skills_dir, "blame", name).stdout

    status = subprocess.run(["git", "status", "--porcelain"], cwd=skills_dir,
                            capture_output=True, text=True, check=True).stdout
    assert status == ""


def test_history_errors_are_one_line_with_exit_codes(skills_dir: Path) -> None:
    missing = sf(skills_dir, "diff", "nope")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and len(missing.stderr.splitlines()) == 1
    no_review = sf(skills_dir, "accept", "nope")
    assert no_review.returncode == 2 and "no pending review for 'nope'" in no_review.stderr
    assert sf(skills_dir, "reject", "nope").returncode == 2
    bad_version = sf(skills_dir, "rollback", "nope", "latest")
    assert bad_version.returncode == 2 and "no skill named 'nope'" in bad_version.stderr
    assert sf(skills_dir, "review").stdout.strip() == "no pending reviews"
