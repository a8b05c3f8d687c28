"""The search index: derived data that follows the skill files, and what it finds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from skillkit import FAILING_SOURCE, add_skill

from skillforge import SkillLibrary
from skillforge.index import SkillIndex, document
from skillforge.index_text import expand, stem, terms

ROOT = Path(__file__).resolve().parents[2]


def names(hits: list[dict]) -> list[str]:
    return [h["name"] for h in hits]


def test_paraphrased_requests_find_the_skill(skills: Path) -> None:
    lib = SkillLibrary(skills)
    assert names(lib.search("I want to revoke my purchase", k=1)) == ["cancel_order"]
    assert names(lib.search("how much did I pay for my newest order?", k=1)) == [
        "latest_order_total"
    ]
    assert names(lib.search("moved house, change my shipping location", k=1)) == [
        "update_default_address"
    ]
    assert names(lib.search("where is my package? order state", k=2))[0] == "order_status"
    assert names(lib.search("overview of an order and how many items", k=1)) == ["order_summary"]


def test_results_are_ranked_and_limited(skills: Path) -> None:
    hits = SkillLibrary(skills).search("order", k=3)
    assert len(hits) == 3
    assert [h["score"] for h in hits] == sorted(h["score"] for h in hits)
    assert {"name", "score", "version", "description"} <= set(hits[0])
    assert SkillLibrary(skills).search("zebra giraffe", k=3) == []
    assert SkillLibrary(skills).search("the of and", k=3) == []


def test_index_is_derived_data_in_the_gitignored_state_dir(skills: Path) -> None:
    SkillLibrary(skills).search("cancel")
    db = skills / ".skillforge" / "index.sqlite3"
    assert db.is_file()
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--", ".skillforge"],
        cwd=skills,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "!! .skillforge/" in status  # ignored, never committed
    db.unlink()
    assert names(SkillLibrary(skills).search("cancel my order", k=1)) == ["cancel_order"]


def test_index_follows_added_changed_and_removed_skills(skills: Path) -> None:
    lib = SkillLibrary(skills)
    assert "always_fails" not in names(lib.search("give up on an order lookup", k=10))
    add_skill(skills, FAILING_SOURCE, "always_fails", tools=["get_order_details"])
    assert names(lib.search("give up on an order lookup", k=1)) == ["always_fails"]

    manifest_path = skills / "always_fails" / "skill.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["description"] = "Translate a poem into Klingon."
    manifest_path.write_text(json.dumps(manifest))
    os.utime(manifest_path, ns=(1, 1))  # a different stamp even within the same tick
    assert names(lib.search("klingon poem", k=1)) == ["always_fails"]
    assert "always_fails" not in names(lib.search("give up lookup", k=10))

    manifest_path.unlink()
    assert lib.search("klingon poem") == []


def test_term_frequencies_stay_exact_through_replacements(skills: Path) -> None:
    index = SkillIndex(skills)
    index.refresh()
    add_skill(skills, FAILING_SOURCE, "always_fails", tools=["get_order_details"])
    index.refresh()
    (skills / "always_fails" / "skill.json").unlink()
    (skills / "cancel_order" / "skill.json").write_text(
        (skills / "cancel_order" / "skill.json").read_text().replace("cancel", "annul")
    )
    index.refresh()
    expected: Counter[str] = Counter()
    for name in SkillLibrary(skills).names():
        manifest = json.loads((skills / name / "skill.json").read_text())
        doc = document({**manifest, "name": name})  # the folder names the skill
        expected.update(set(" ".join(doc.values()).split()))
    stored = dict(index.conn.execute("SELECT term, df FROM terms"))
    assert stored == dict(expected)


def test_a_broken_manifest_is_skipped_not_fatal(skills: Path) -> None:
    (skills / "broken").mkdir()
    (skills / "broken" / "skill.json").write_text("{not json")
    assert names(SkillLibrary(skills).search("cancel my order", k=1)) == ["cancel_order"]


def test_text_normalisation() -> None:
    assert {stem(w) for w in ("orders", "ordered", "ordering", "order")} == {"order"}
    assert stem("cancelled") == stem("cancel")
    assert terms("Cancel_the ORDER, please!") == ["cancel", "order"]
    assert stem("purchase") in expand(stem("order"))


def test_search_cli(skills: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(ROOT / "cli.py"), "--skills-dir", str(skills), "search", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    out = run("cancel", "my", "purchase", "--json", "--k", "2")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert hits[0]["name"] == "cancel_order" and len(hits) <= 2

    text = run("cancel my purchase")
    assert text.returncode == 0 and text.stdout.splitlines()[0].startswith("cancel_order")

    none = run("zebra")
    assert none.returncode == 0 and none.stdout == "" and "no matching skills" in none.stderr

    missing = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "--skills-dir", str(skills / "nope"), "search", "x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
