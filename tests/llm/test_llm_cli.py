"""``skillforge promote`` with a model, as a user runs it; and skillforge without litellm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.llm.conftest import GOOD, STUB_MODEL
from tests.llm.stub import StubModel, answer

#: Runs the CLI with litellm unimportable, as on an install without the ``llm`` extra.
NO_LITELLM = (
    "import sys; sys.modules['litellm'] = None; from skillforge.cli import main; main(sys.argv[1:])"
)


def sf(*args: str, block_litellm: bool = False) -> subprocess.CompletedProcess[str]:
    head = ["-c", NO_LITELLM] if block_litellm else [str(ROOT / "cli.py")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *head, *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_cli_llm_promote_with_proposed_name(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    openai_stub.play(answer(GOOD, "account_status", "Check an account."))
    out = sf(
        "--skills-dir",
        str(skills_dir),
        "promote",
        *account_files,
        "--compiler",
        "llm",
        "--model",
        STUB_MODEL,
        "--api-base",
        openai_stub.api_base,
        "--rounds",
        "2",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["name"] == "account_status"
    assert report["compiler"] == f"llm:{STUB_MODEL}"
    assert report["verification"]["summary"] == "replay 2/2"
    assert report["compiler_details"]["rounds"] == 1
    assert out.stderr.count(f"llm: round 1/2 ({STUB_MODEL}): verified") == 1  # not twice


def test_cli_auto_without_model_explains(skills_dir: Path, account_files: list[str]) -> None:
    out = sf("--skills-dir", str(skills_dir), "promote", *account_files, "--name", "acct")
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "cannot be explained" in out.stderr and "SKILLFORGE_MODEL" in out.stderr
    missing = sf("--skills-dir", str(skills_dir), "promote", *account_files)
    assert missing.returncode == 2 and "--name: a skill name is needed" in missing.stderr


def test_cli_rounds_exhausted_exit_1_with_report(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    bad = GOOD.replace("tools.get_account_status(", "tools.drop_table(")
    openai_stub.play(answer(bad, "account_status"))
    out = sf(
        "--skills-dir",
        str(skills_dir),
        "promote",
        *account_files,
        "--name",
        "account_status",
        "--compiler",
        "llm",
        "--model",
        STUB_MODEL,
        "--api-base",
        openai_stub.api_base,
        "--rounds",
        "1",
        "--json",
    )
    assert out.returncode == 1
    report = json.loads(out.stdout)
    assert report["ok"] is False and "in 1 round(s)" in report["error"]
    assert "drop_table" in report["verification"]["static"][0]
    assert "llm: round 1/1 (openai/stub-model): rejected: line 12: calls tool 'drop_table'" in (
        out.stderr
    )


def test_skillforge_works_without_litellm(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    help_text = sf("promote", "--help", block_litellm=True)
    assert help_text.returncode == 0 and "--api-base" in help_text.stdout
    out = sf(
        "--skills-dir",
        str(skills_dir),
        "promote",
        *account_files,
        "--name",
        "acct",
        "--compiler",
        "llm",
        "--model",
        STUB_MODEL,
        "--api-base",
        openai_stub.api_base,
        block_litellm=True,
    )
    assert out.returncode == 2, out.stderr
    assert "needs litellm" in out.stderr and "pip install 'skillforge[llm]'" in out.stderr
    assert openai_stub.requests == []
    auto = sf(
        "--skills-dir",
        str(skills_dir),
        "promote",
        *account_files,
        "--name",
        "acct",
        "--model",
        STUB_MODEL,
        block_litellm=True,
    )
    assert auto.returncode == 2
    assert "trace compiler failed: 'first_name' argument" in auto.stderr
    assert "and the LLM compiler needs litellm" in auto.stderr
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; import skillforge, skillforge.compile.llm, "
            "skillforge.compile.choose, skillforge.config; print('litellm' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert probe.returncode == 0 and probe.stdout.strip() == "False"  # imported lazily
