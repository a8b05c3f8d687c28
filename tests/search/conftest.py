from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "export"))

from skillkit import SUMMARY_SOURCE, add_skill, make_library


@pytest.fixture
def skills(tmp_path: Path) -> Path:
    root = make_library(tmp_path / "skills")
    add_skill(
        root,
        SUMMARY_SOURCE,
        "order_summary",
        tools=["get_order_details"],
        tasks=("Give me an overview of order #W1 with its item count",),
    )
    return root
