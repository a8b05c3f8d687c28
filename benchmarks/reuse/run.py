"""Reuse benchmark: promote 3 noisy runs per task family, then solve unseen tasks with the skill.

For each family (see ``families.py``): the scripted agent solves k=3 generated tasks and
its trajectories (chatter, failed calls and retries, unused reads included) are promoted
through the CLI (``skillforge promote --compiler trace``).  Then the skill is called
through ``SkillLibrary.call`` on unseen generated tasks, each against a fresh environment;
a task is solved only when the environment's final state equals the one the scripted
agent leaves.  Repeat-5 consistency runs the same task five times on fresh environments
and requires the same state and return value every time.

Usage: ``python benchmarks/reuse/run.py [--tasks 100] [--families a,b] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.reuse.agent import Agent  # noqa: E402
from benchmarks.reuse.families import FAMILIES, SERVICES, Family  # noqa: E402

TRAIN_NOISE = [
    frozenset({"chatter"}),
    frozenset({"chatter", "retry", "extra"}),
    frozenset({"retry", "extra"}),
]


WORLDS = 40  # environment seeds tasks are drawn from (each seed is a different desk/shop)
Task = tuple[int, str, dict[str, Any], dict[str, Any]]  # seed, text, inputs, expected state


class Service:
    """Fresh environments of one service, from cached initial states per seed."""

    def __init__(self, name: str) -> None:
        self.factory, self.specs = SERVICES[name]
        self.initial: dict[int, dict[str, Any]] = {}
        self.cls = type(self.factory(0))

    def state(self, seed: int) -> dict[str, Any]:
        if seed not in self.initial:
            self.initial[seed] = self.factory(seed).state()
        return self.initial[seed]

    def fresh(self, seed: int) -> Any:
        return self.cls(self.state(seed))


def play(
    family: Family,
    service: Service,
    seed: int,
    text: str,
    inputs: dict[str, Any],
    noise: frozenset[str] = frozenset(),
) -> tuple[Agent, dict[str, Any]]:
    env = service.fresh(seed)
    agent = Agent(env.tools(), service.specs, text, inputs, noise)
    try:
        family.solve(agent, inputs)
    except (StopIteration, KeyError, TypeError):
        agent.failed = True  # the task is not solvable as generated
    return agent, env.state()


def tasks(family: Family, service: Service, seed: int, count: int, exclude: set[str]) -> list[Task]:
    """``count`` solvable tasks with the state the scripted agent leaves, none in ``exclude``."""
    rng = random.Random(seed)
    out: list[Task] = []
    for _ in range(count * 50):
        if len(out) == count:
            break
        world = rng.randrange(WORLDS)
        drawn = family.sample(service.state(world), rng)
        if drawn is None:
            continue
        text, inputs = drawn
        key = json.dumps([world, inputs], sort_keys=True)
        if key in exclude:
            continue
        agent, state = play(family, service, world, text, inputs)
        if agent.failed:
            continue
        exclude.add(key)
        out.append((world, text, inputs, state))
    return out


def training(family: Family, service: Service, seed: int) -> list[Task]:
    """Three tasks, covering every way the family's inputs come (email or name, ...)."""
    pool = tasks(family, service, seed, 30, set())
    groups: dict[str, list[Task]] = {}
    for task in pool:
        groups.setdefault(",".join(sorted(task[2])), []).append(task)
    chosen: list[Task] = []
    while len(chosen) < 3:
        for group in groups.values():
            if group and len(chosen) < 3:
                chosen.append(group.pop(0))
    return chosen


def promote(skills: Path, family: Family, files: list[Path]) -> tuple[float, str]:
    cmd = [
        sys.executable,
        str(ROOT / "cli.py"),
        "--skills-dir",
        str(skills),
        "promote",
        *map(str, files),
        "--name",
        family.name,
        "--compiler",
        "trace",
        "--json",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return float("nan"), (done.stderr.strip() or done.stdout.strip())[-400:]
    if not report.get("ok"):
        return float("nan"), str(report.get("error"))[:400]
    return float(report["seconds"]), ""


def bench(
    family: Family, skills: Path, traj_dir: Path, count: int, repeat: int, consistency: int
) -> dict[str, Any]:
    from skillforge import SkillLibrary
    from skillforge.errors import SkillforgeError

    service = Service(family.service)
    seed = sum(map(ord, family.name))
    files, seen = [], set()
    for n, ((world, text, inputs, _), noise) in enumerate(
        zip(training(family, service, seed), TRAIN_NOISE, strict=True), 1
    ):
        agent, _ = play(family, service, world, text, inputs, noise)
        path = traj_dir / f"{family.name}_{n}.json"
        path.write_text(agent.trajectory().to_json() + "\n")
        files.append(path)
        seen.add(json.dumps([world, inputs], sort_keys=True))
    promote_s, error = promote(skills, family, files)
    row: dict[str, Any] = {
        "family": family.name,
        "service": family.service,
        "promote_s": promote_s,
        "error": error,
    }
    unseen = tasks(family, service, seed + 1, count, seen)
    row["total"] = len(unseen)
    if error:
        row.update(solved=0, call_ms=float("nan"), consistent="-", loo="-", failures=[error])
        return row
    lib = SkillLibrary(skills)
    verification = lib.manifest(family.name)["verification"]
    row["loo"] = verification.get("generalization", {}).get("summary", "-").split()[-1]
    solved, times, failures = 0, [], []
    for world, _, inputs, expected in unseen:
        env = service.fresh(world)
        started = time.perf_counter()
        try:
            lib.call(family.name, inputs, tools=env.tools())
        except SkillforgeError as exc:
            failures.append(f"{json.dumps(inputs)}: {exc}"[:300])
        times.append(time.perf_counter() - started)
        if env.state() == expected:
            solved += 1
        elif len(failures) < 3:
            failures.append(f"{json.dumps(inputs)}: final state differs")
    stable = 0
    checked = unseen[:consistency]
    for world, _, inputs, _ in checked:
        outcomes = set()
        for _ in range(repeat):
            env = service.fresh(world)
            try:
                value = lib.call(family.name, inputs, tools=env.tools())
            except SkillforgeError as exc:
                value = f"error: {exc}"
            outcomes.add(json.dumps([value, env.state()], sort_keys=True, default=str))
        stable += len(outcomes) == 1
    row.update(
        solved=solved,
        call_ms=1000 * sum(times) / max(len(times), 1),
        consistent=f"{stable}/{len(checked)}",
        failures=failures[:3],
    )
    return row


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| family | service | solved / unseen | promote (s) | mean call (ms) | repeat-5 "
        "| leave-one-out |"
    )
    lines = [head, "|---|---|---|---|---|---|---|"]
    for r in rows:
        pct = 100 * r["solved"] / r["total"] if r["total"] else 0.0
        lines.append(
            f"| {r['family']} | {r['service']} | {r['solved']}/{r['total']} ({pct:.0f}%) | "
            f"{r['promote_s']:.2f} | {r['call_ms']:.1f} | {r['consistent']} | {r['loo']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--tasks", type=int, default=100, help="unseen tasks per family")
    parser.add_argument("--repeat", type=int, default=5, help="runs per consistency check")
    parser.add_argument(
        "--consistency",
        type=int,
        default=20,
        help="tasks per family checked for repeat consistency",
    )
    parser.add_argument("--families", default="", help="comma-separated subset")
    parser.add_argument("--keep", type=Path, default=None, help="keep skills and runs here")
    args = parser.parse_args(argv)
    wanted = {f for f in args.families.split(",") if f}
    families = [f for f in FAMILIES if not wanted or f.name in wanted]
    work = args.keep or Path(tempfile.mkdtemp(prefix="skillforge-reuse-"))
    skills, traj_dir = work / "skills", work / "trajectories"
    traj_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "--skills-dir", str(skills), "init"],
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    rows = []
    for family in families:
        row = bench(family, skills, traj_dir, args.tasks, args.repeat, args.consistency)
        rows.append(row)
        print(f"{family.name}: {row['solved']}/{row['total']}", file=sys.stderr)
        for failure in row["failures"]:
            print(f"  {failure}", file=sys.stderr)
    print(table(rows))
    print(f"\nskills and trajectories: {work}", file=sys.stderr)
    ok = all(r["total"] and r["solved"] / r["total"] >= 0.95 for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
