"""The skillforge demo: trajectories in, verified skills out, called as one tool each.

Runs with no model and no network:

1. creates a fresh git-backed skills directory (``./demo-skills`` by default);
2. promotes the bundled example trajectories (``examples/trajectories/``), grouped by
   task, into skills: each compiled by the trace compiler, verified by replay in the
   sandbox, committed and tagged;
3. lists the skills and shows the git history;
4. calls ``cancel_order`` on an order that appears in no trajectory, against a fresh
   example shop, and shows that the shop's state changed;
5. prints the library as OpenAI tool definitions.

Usage: ``python examples/demo.py [SKILLS_DIR]``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from examples.shop import ShopEnv  # noqa: E402
from skillforge import SkillLibrary  # noqa: E402


def banner(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}")


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "demo-skills")
    if target.exists():
        shutil.rmtree(target)
    lib = SkillLibrary(target).init(own_repo=True)  # never commit into your checkout
    banner(f"1. initialised a git-backed skills directory at {target}/")

    by_task: dict[str, list[Path]] = defaultdict(list)
    for path in sorted((HERE / "trajectories").glob("*.json")):
        by_task[path.name.split(".")[0].rsplit("_", 1)[0]].append(path)

    banner("2. promote the example trajectories (trace compiler, sandboxed replay, git commit)")
    for task, files in by_task.items():
        started = time.perf_counter()
        result = lib.promote(files, name=task)
        ms = (time.perf_counter() - started) * 1000
        print(
            f"  {task:<24} v{result.version}  from {len(files)} runs  "
            f"{result.manifest['verification']['summary']:<12} {result.commit[:10]}  {ms:5.0f} ms"
        )

    banner("3. the library")
    for skill in lib.list_skills():
        params = ", ".join(skill["parameters"])
        print(f"  {skill['name']}({params})")
        print(f"      {skill['description'][:100]}")
    print()
    log = subprocess.run(
        ["git", "log", "--oneline", "--decorate=short", "-n", "5"],
        cwd=target,
        capture_output=True,
        text=True,
        check=True,
    )
    print("  " + log.stdout.strip().replace("\n", "\n  "))

    banner("4. call cancel_order on an order no trajectory has seen")
    source = lib.source("cancel_order")
    print("  " + source[source.index("def cancel_order"):].rstrip().replace("\n", "\n  "))
    shop = ShopEnv.seeded(0)
    seen = {t["inputs"].get("order_id") for t in _stored(target / "cancel_order")}
    order_id = next(
        oid
        for oid, order in sorted(shop.state()["orders"].items())
        if order["status"] == "pending" and oid not in seen
    )
    state = shop.state()
    owner = state["users"][state["orders"][order_id]["user_id"]]["email"]
    inputs = {"order_id": order_id, "reason": "no longer needed", "email": owner}
    print(f"\n  inputs: {json.dumps(inputs)}")
    before = shop.state()["orders"][order_id]["status"]
    started = time.perf_counter()
    value = lib.call("cancel_order", inputs, tools=shop.tools())
    ms = (time.perf_counter() - started) * 1000
    after = shop.state()["orders"][order_id]["status"]
    print(f"  result: {value[:120]}{'...' if len(value) > 120 else ''}")
    print(f"  order {order_id}: {before} -> {after}   ({ms:.1f} ms in the sandbox)")

    banner("5. the library as OpenAI tools")
    print(json.dumps(lib.openai_tools(), indent=2)[:3000])
    print(
        f"\ndone: {len(by_task)} skills in {target}/ — try `skillforge --skills-dir {target} list`"
    )


def _stored(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((folder / "trajectories").glob("*.json"))]


if __name__ == "__main__":
    main()
