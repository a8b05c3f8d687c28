"""The command line end to end, as a user runs it: real git, real sandbox, real files.

Each error case checks the exit code (2 bad input, 1 failed operation), a one-line message
naming the file or field, and that nothing was left behind (no folder, no commit).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, chat_run, example_files, write_run


def sf(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=120,
    )


def commits(skills: Path) -> int:
    out = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"],
        cwd=skills,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout)


@pytest.fixture
def lib_dir(tmp_path: Path) -> Path:
    target = tmp_path / "skills"
    result = sf("init", str(target))
    assert result.returncode == 0, result.stderr
    return target


def test_version_and_help_are_fast_paths() -> None:
    assert sf("--version").stdout.strip().endswith("0.1.0")
    help_text = sf("--help").stdout
    for command in ("init", "promote", "list", "show", "run", "export", "doctor"):
        assert command in help_text


def test_promote_list_show_run_export(lib_dir: Path) -> None:
    files = [str(p) for p in example_files("update_default_address")]
    promoted = sf(
        "--skills-dir",
        str(lib_dir),
        "promote",
        *files[:2],
        "--name",
        "update_default_address",
        "--json",
    )
    assert promoted.returncode == 0, promoted.stderr
    report = json.loads(promoted.stdout)
    assert report["version"] == 1 and report["tag"] == "skill/update_default_address/v1"
    assert report["verification"]["summary"] == "replay 2/2"
    folder = lib_dir / "update_default_address"
    for rel in ("skill.py", "SKILL.md", "skill.json", "tests/test_update_default_address.py"):
        assert (folder / rel).is_file(), rel
    assert len(list((folder / "trajectories").glob("*.json"))) == 2
    message = subprocess.run(
        ["git", "log", "-1", "--format=%B"], cwd=lib_dir, capture_output=True, text=True, check=True
    ).stdout
    assert "Skill-Name: update_default_address" in message
    assert message.count("Source-Trajectory: sha256:") == 2
    assert "Compiler: trace" in message and "Verified: replay 2/2" in message

    again = sf(
        "--skills-dir",
        str(lib_dir),
        "promote",
        files[2],
        "--name",
        "update_default_address",
        "--json",
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["version"] == 2
    assert json.loads(again.stdout)["verification"]["summary"] == "replay 3/3"

    listed = json.loads(sf("--skills-dir", str(lib_dir), "list", "--json").stdout)
    assert [s["name"] for s in listed] == ["update_default_address"]
    assert listed[0]["version"] == 2
    shown = sf("--skills-dir", str(lib_dir), "show", "update_default_address")
    assert "def update_default_address(" in shown.stdout

    args = {
        "first_name": "Aisha",
        "last_name": "Nguyen",
        "zip": "98120",
        "address1": "1 New Street",
        "address2": "",
        "city": "Portland",
        "state": "OR",
        "country": "USA",
        "new_zip": "97201",
    }
    ran = sf(
        "--skills-dir",
        str(lib_dir),
        "run",
        "update_default_address",
        "--args",
        json.dumps(args),
        "--tools",
        "examples/shop/tools.py:tools",
        "--json",
    )
    if ran.returncode != 0:
        # the user in args must exist in the seeded shop; fall back to one from a trajectory
        pytest.fail(ran.stderr + ran.stdout)
    out = json.loads(ran.stdout)
    assert out["ok"] and "1 New Street" in out["value"]
    assert [c["name"] for c in out["tool_calls"]] == [
        "find_user_id_by_name_zip",
        "modify_user_address",
    ]

    exported = json.loads(sf("--skills-dir", str(lib_dir), "export", "--format", "openai").stdout)
    fn = exported[0]["function"]
    assert fn["name"] == "update_default_address"
    assert "new_zip" in fn["parameters"]["properties"]


def _no_skill_left(lib_dir: Path, name: str, before: int) -> None:
    assert not (lib_dir / name).exists()
    assert commits(lib_dir) == before


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"task": "x", "messages": [', "not valid JSON"),
        ('{"hello": "world"}', "not a trajectory in any format"),
        (
            '{"task": "x", "inputs": {}, "messages": [{"role": "user", "content": "hi"}]}',
            "no successful tool call",
        ),
        (
            json.dumps(
                {
                    "task": "x",
                    "messages": [
                        {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [
                                {
                                    "id": "c1",
                                    "type": "function",
                                    "function": {"name": "get_x", "arguments": "{}"},
                                }
                            ],
                        }
                    ],
                }
            ),
            "has no result",
        ),
    ],
    ids=["malformed-json", "unknown-format", "no-tool-calls", "missing-result"],
)
def test_bad_trajectories_exit_2_with_one_line(
    lib_dir: Path, tmp_path: Path, content: str, needle: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    before = commits(lib_dir)
    result = sf("--skills-dir", str(lib_dir), "promote", str(bad), "--name", "broken")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    _no_skill_left(lib_dir, "broken", before)


def test_bad_name_missing_dir_and_uninitialised_dir(lib_dir: Path, tmp_path: Path) -> None:
    traj = str(example_files("order_status")[0])
    result = sf("--skills-dir", str(lib_dir), "promote", traj, "--name", "Bad-Name")
    assert result.returncode == 2 and "not a valid skill name" in result.stderr
    result = sf("--skills-dir", str(tmp_path / "missing"), "promote", traj, "--name", "x")
    assert result.returncode == 2 and "does not exist" in result.stderr
    (tmp_path / "plain").mkdir()
    result = sf("--skills-dir", str(tmp_path / "plain"), "list")
    assert result.returncode == 2 and "skillforge init" in result.stderr
    result = sf("--skills-dir", str(lib_dir), "show", "nope")
    assert result.returncode == 2 and "no skill named 'nope'" in result.stderr


def test_a_draft_that_fails_verification_exits_1_and_leaves_nothing(
    lib_dir: Path, tmp_path: Path
) -> None:
    # A tool whose name is private cannot be called under the sandbox's policy, so the
    # static check (the verifier's first stage) must refuse the draft.
    run = chat_run(
        "Cancel #W100",
        {"order_id": "#W100"},
        [("_internal_cancel", {"order_id": "#W100"}, "cancelled")],
    )
    path = write_run(tmp_path / "run.json", run)
    before = commits(lib_dir)
    result = sf("--skills-dir", str(lib_dir), "promote", str(path), "--name", "cancel")
    assert result.returncode == 1, result.stderr
    assert "failed verification" in result.stderr and "private attribute" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    _no_skill_left(lib_dir, "cancel", before)


def test_tool_names_that_are_not_identifiers_are_bad_input(lib_dir: Path, tmp_path: Path) -> None:
    run = chat_run("x", {"order_id": "#W100"}, [("cancel-order", {"order_id": "#W100"}, "ok")])
    path = write_run(tmp_path / "run.json", run)
    result = sf("--skills-dir", str(lib_dir), "promote", str(path), "--name", "cancel")
    assert result.returncode == 2 and "cancel-order" in result.stderr, result.stderr


def test_run_reports_bad_args_and_missing_tools(lib_dir: Path) -> None:
    files = [str(p) for p in example_files("order_status")]
    assert (
        sf("--skills-dir", str(lib_dir), "promote", *files, "--name", "order_status").returncode
        == 0
    )
    bad_json = sf(
        "--skills-dir",
        str(lib_dir),
        "run",
        "order_status",
        "--args",
        "{",
        "--tools",
        "examples/shop/tools.py:tools",
    )
    assert bad_json.returncode == 2 and "--args" in bad_json.stderr
    unknown = sf(
        "--skills-dir",
        str(lib_dir),
        "run",
        "order_status",
        "--args",
        '{"order": "#W1"}',
        "--tools",
        "examples/shop/tools.py:tools",
    )
    assert unknown.returncode == 2 and "no parameter 'order'" in unknown.stderr
    no_tools = sf(
        "--skills-dir",
        str(lib_dir),
        "run",
        "order_status",
        "--args",
        '{"order_id": "#W1"}',
        "--tools",
        "json:decoder",
    )
    assert no_tools.returncode == 2 and "get_order_details" in no_tools.stderr


def test_json_errors_are_a_json_document_on_stdout_too(tmp_path: Path) -> None:
    skills = tmp_path / "skills"
    assert sf("init", str(skills)).returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"messages": [')
    out = sf("--skills-dir", str(skills), "promote", str(bad), "--name", "x", "--json")
    assert out.returncode == 2
    doc = json.loads(out.stdout)
    assert doc["ok"] is False and doc["exit_code"] == 2 and "bad.json" in doc["error"]
    assert out.stderr.startswith("error: ")
    plain = sf("--skills-dir", str(skills), "promote", str(bad), "--name", "x")
    assert plain.returncode == 2 and plain.stdout == ""
