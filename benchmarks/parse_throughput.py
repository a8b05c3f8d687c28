"""Parse throughput of ``skillforge.trajectory.load`` on a large generated corpus.

For each format, the real-library fixture of tests/fixtures/trajectories is copied into a
JSONL file of many runs (ids, values and trace ids varied per copy so nothing is shared),
then read three ways in the same process:

* ``json.loads`` of every line of the same bytes (the baseline: decoding alone),
* ``load(path, redact=False)``: decode, split, detect, normalise,
* ``load(path)``: the same plus secret redaction (what skillforge does by default).

It prints MB/s and trajectories/s for each, and skillforge's time as a multiple of the
baseline's.  Usage::

    .venv/bin/python benchmarks/parse_throughput.py [--mb 40] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skillforge.trajectory import load  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "trajectories"


def variants(name: str, count: int) -> list[str]:
    """``count`` JSON lines, each the fixture with its ids and order numbers made unique."""
    text = (FIXTURES / name).read_text()
    compact = json.dumps(json.loads(text), ensure_ascii=False)
    lines = []
    for n in range(count):
        line = compact.replace("W2378156", f"W{2378156 + n}").replace("jane_doe_1234",
                                                                        f"user_{n}")
        line = line.replace("5eed0000000000000000000000000001", f"{n + 1:032x}")
        line = line.replace("0x5eed0000000000000000000000000001", f"0x{n + 1:032x}")
        lines.append(line)
    return lines


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(path: Path, repeat: int) -> dict[str, Any]:
    """Best of ``repeat`` rounds; each round runs all three readers back to back, so a
    busy machine slows them alike and the ratio stays meaningful."""
    size = path.stat().st_size

    def baseline() -> int:
        return len([json.loads(line) for line in path.read_bytes().decode().splitlines()])

    t_json = t_raw = t_full = float("inf")
    for _ in range(repeat):
        t, lines = timed(baseline)
        t_json = min(t_json, t)
        t, runs = timed(lambda: load(path, redact=False, limit=size + 1))
        t_raw = min(t_raw, t)
        t, runs_full = timed(lambda: load(path, limit=size + 1))
        t_full = min(t_full, t)
    assert len(runs) == len(runs_full) == lines, (path, len(runs), lines)
    mb = size / 1e6
    return {
        "file": path.name, "mb": round(mb, 2), "runs": len(runs),
        "json_mb_s": round(mb / t_json, 1),
        "parse_mb_s": round(mb / t_raw, 1), "parse_runs_s": round(len(runs) / t_raw),
        "redact_mb_s": round(mb / t_full, 1), "redact_runs_s": round(len(runs) / t_full),
        "vs_json": round(t_full / t_json, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=40.0, help="corpus size in MB (all formats)")
    parser.add_argument("--repeat", type=int, default=5, help="best of N rounds")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    manifest = json.loads((FIXTURES / "MANIFEST.json").read_text())
    per_format = args.mb * 1e6 / len(manifest)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(manifest):
            one = len(variants(name, 1)[0]) + 1
            count = max(2, int(per_format // one))
            path = Path(tmp) / f"{name.removesuffix('.json')}.jsonl"
            path.write_text("\n".join(variants(name, count)) + "\n")
            rows.append({"format": manifest[name]["format"], **measure(path, args.repeat)})
    total_mb = sum(r["mb"] for r in rows)
    total_runs = sum(r["runs"] for r in rows)

    def total(key: str) -> float:
        return sum(r["mb"] / r[key] for r in rows)  # seconds

    summary = {
        "mb": round(total_mb, 1), "runs": total_runs,
        "json_mb_s": round(total_mb / total("json_mb_s"), 1),
        "parse_mb_s": round(total_mb / total("parse_mb_s"), 1),
        "redact_mb_s": round(total_mb / total("redact_mb_s"), 1),
        "vs_json": round(total("redact_mb_s") / total("json_mb_s"), 1),
    }
    summary["redact_runs_s"] = round(total_runs / total("redact_mb_s"))
    summary["parse_runs_s"] = round(total_runs / total("parse_mb_s"))
    if args.json:
        print(json.dumps({"formats": rows, "total": summary}, indent=2))
        return
    head = (f"{'fixture':<34}{'MB':>7}{'runs':>8}{'json MB/s':>11}{'parse MB/s':>12}"
            f"{'+redact MB/s':>14}{'runs/s':>9}{'x json':>8}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['file']:<34}{r['mb']:>7}{r['runs']:>8}{r['json_mb_s']:>11}"
              f"{r['parse_mb_s']:>12}{r['redact_mb_s']:>14}{r['redact_runs_s']:>9}"
              f"{r['vs_json']:>8}")
    print("-" * len(head))
    s = summary
    print(f"{'all formats':<34}{s['mb']:>7}{s['runs']:>8}{s['json_mb_s']:>11}"
          f"{s['parse_mb_s']:>12}{s['redact_mb_s']:>14}{s['redact_runs_s']:>9}{s['vs_json']:>8}")
    print(f"\nskillforge reads {s['redact_mb_s']} MB/s, {s['redact_runs_s']} trajectories/s "
          f"with redaction ({s['parse_mb_s']} MB/s, {s['parse_runs_s']} trajectories/s "
          f"without); plain json.loads of the same bytes is {s['vs_json']}x faster.")


if __name__ == "__main__":
    main()
