from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from skillkit import FAILING_SOURCE, SUMMARY_SOURCE, add_skill, make_library


@pytest.fixture
def lib(tmp_path: Path):  # type: ignore[no-untyped-def]
    from skillforge import SkillLibrary

    root = make_library(tmp_path / "skills")
    add_skill(root, SUMMARY_SOURCE, "order_summary", tools=["get_order_details"])
    add_skill(root, FAILING_SOURCE, "always_fails", tools=["get_order_details"])
    return SkillLibrary(root)
