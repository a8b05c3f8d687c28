"""The reuse benchmark stays runnable: one family, a few unseen tasks, end to end."""

from __future__ import annotations

from pathlib import Path

from benchmarks.reuse.run import main


def test_the_benchmark_solves_unseen_tasks(tmp_path: Path, capsys) -> None:
    code = main(
        [
            "--tasks",
            "3",
            "--consistency",
            "1",
            "--families",
            "comment_latest",
            "--keep",
            str(tmp_path),
        ]
    )
    table = capsys.readouterr().out
    assert "| comment_latest | helpdesk | 3/3 (100%) |" in table
    assert code == 0
    assert (tmp_path / "skills" / "comment_latest" / "skill.py").exists()
