"""What does the LLM compiler cost us, and what does a skill save an agent?

    python benchmarks/llm_compile.py [--repeat 3] [--model openai/gpt-4o-mini]

A loopback OpenAI-compatible stub (tests/llm/stub.py, 127.0.0.1 only) replays recorded
answers, so no real model is called and the figures are reproducible:

* the example tasks (order_status, cancel_order, latest_order_total,
  update_default_address): the model answers with the trace compiler's draft, as a model
  that accepts a good draft does (1 round);
* account_status, which the trace compiler cannot compile (a name must be split): the
  model first returns the whole record instead of the status (replay fails), then the fix
  (2 rounds).

For each promotion (``--compiler llm``, a fresh skills directory, so an empty cache) it prints
wall time, time inside ``litellm.completion`` (model latency as we see it: the stub's plus
litellm's own client work), our overhead (the rest: trace draft, prompt, parsing, static
checks, sandboxed replay per round, files, git commit), rounds and tokens (counted with
litellm's tokenizer for ``--model``; cost from litellm's bundled price map).  A second
table re-runs each promotion from the response cache.

The last table is the context an agent saves: tokens to call the skill (its tool schema,
one call, one result) versus doing the procedure itself (the schemas of the tools it used,
each call and each result as recorded).  No assertions; figures vary +-20-30 % between runs
on a shared 2-vCPU machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OPENAI_API_KEY", "sk-benchmark-dummy")
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

from skillforge import SkillLibrary  # noqa: E402
from skillforge.compile import compile_trace  # noqa: E402
from skillforge.compile.observe import expected_result  # noqa: E402
from skillforge.export.openai import openai_tool  # noqa: E402
from skillforge.trajectory import load  # noqa: E402
from skillforge.trajectory.model import Trajectory  # noqa: E402
from tests.conftest import write_run  # noqa: E402
from tests.llm.conftest import GOOD, WRONG_RESULT, account_runs  # noqa: E402
from tests.llm.stub import Action, StubModel, answer  # noqa: E402

EXAMPLES = ROOT / "examples" / "trajectories"
TASKS = ["order_status", "cancel_order", "latest_order_total", "update_default_address"]


class Timed:
    """Wraps litellm.completion (the real one) to sum the time spent inside it."""

    def __init__(self, litellm: Any) -> None:
        self.litellm, self.inner, self.seconds = litellm, litellm.completion, 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def scenarios(workdir: Path) -> list[tuple[str, list[str], list[str]]]:
    """(skill name, trajectory files, recorded answers) per task."""
    out = []
    for task in TASKS:
        files = [str(p) for p in sorted(EXAMPLES.glob(f"{task}_*.json"))]
        trajs = [t for f in files for t in load(f)]
        draft = compile_trace(trajs, task, files)
        out.append((task, files, [answer(draft.source, task, draft.description).text]))
    files = [
        str(write_run(workdir / f"account_{i}.json", run))
        for i, run in enumerate(account_runs(), 1)
    ]
    out.append(
        (
            "account_status",
            files,
            [answer(WRONG_RESULT, "account_status").text, answer(GOOD, "account_status").text],
        )
    )
    return out


def promote_once(
    stub: StubModel,
    timed: Timed,
    name: str,
    files: list[str],
    answers: list[str],
    model: str,
    cache_from: Path | None = None,
) -> tuple[float, float, dict[str, Any], Path]:
    skills = Path(tempfile.mkdtemp(prefix="bench-llm-")) / "skills"
    lib = SkillLibrary(skills).init()
    if cache_from is not None:
        cache = Path(".skillforge") / "llm-cache"
        shutil.copytree(cache_from / cache, skills / cache)
    else:
        stub.play(*[Action(text=text) for text in answers])
    timed.seconds = 0.0
    started = time.perf_counter()
    result = lib.promote(files, name=name, compiler="llm", model=model, api_base=stub.api_base)
    return time.perf_counter() - started, timed.seconds, result.manifest, skills


def tokens_saved(
    model: str, litellm: Any, name: str, files: list[str], manifest: dict[str, Any]
) -> tuple[int, int]:
    """(tokens to call the skill, tokens to do the procedure) averaged over the runs."""

    def count(value: Any) -> int:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return int(litellm.token_counter(model=model, text=text))

    skill, procedure = [], []
    for traj in (t for f in files for t in load(f)):
        assert isinstance(traj, Trajectory)
        used = {c.name for c in traj.tool_calls}
        specs = [s.model_dump() for s in traj.tools if s.name in used]
        procedure.append(
            count(specs)
            + sum(
                count({"name": c.name, "arguments": c.arguments}) + count(c.result)
                for c in traj.tool_calls
            )
        )
        skill.append(
            count(openai_tool(manifest))
            + count({"name": name, "arguments": traj.inputs})
            + count(expected_result(traj))
        )
    return round(statistics.mean(skill)), round(statistics.mean(procedure))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--model",
        default="openai/gpt-4o-mini",
        help="model name sent to the stub (sets tokenizer and prices)",
    )
    args = parser.parse_args()

    from skillforge.compile.llm import import_litellm

    litellm = import_litellm()
    timed = Timed(litellm)
    litellm.completion = timed
    tokenizer = args.model.split("/", 1)[-1]

    def count_tokens(body: dict[str, Any], text: str) -> tuple[int, int]:
        return (
            int(litellm.token_counter(model=tokenizer, messages=body["messages"])),
            int(litellm.token_counter(model=tokenizer, text=text)),
        )

    stub = StubModel("openai", count_tokens=count_tokens).start()
    work = Path(tempfile.mkdtemp(prefix="bench-llm-runs-"))
    rows, cached_rows, saved = [], [], []
    try:
        for name, files, answers in scenarios(work):
            walls: list[float] = []
            models: list[float] = []
            manifest: dict[str, Any] = {}
            skills = Path()
            for _ in range(args.repeat):
                wall, model_s, manifest, skills = promote_once(
                    stub, timed, name, files, answers, args.model
                )
                walls.append(wall)
                models.append(model_s)
            d = manifest["compiler_details"]
            wall, model_s = statistics.median(walls), statistics.median(models)
            rows.append(
                (
                    name,
                    len(files),
                    d["rounds"],
                    wall,
                    model_s,
                    wall - model_s,
                    d["prompt_tokens"],
                    d["completion_tokens"],
                    d["cost_usd"],
                )
            )
            c_wall, c_model, c_manifest, _ = promote_once(
                stub, timed, name, files, answers, args.model, cache_from=skills
            )
            cached_rows.append(
                (name, c_wall, c_model, c_manifest["compiler_details"]["cached_responses"])
            )
            saved.append((name, *tokens_saved(tokenizer, litellm, name, files, manifest)))
    finally:
        stub.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\nLLM compiler, stub model {args.model}, median of {args.repeat} promotions "
        "(fresh skills dir each)"
    )
    print(
        f"{'skill':24} {'runs':>4} {'rounds':>6} {'wall ms':>8} {'model ms':>9} "
        f"{'ours ms':>8} {'prompt tok':>10} {'compl tok':>9} {'cost $':>9}"
    )
    for name, runs, rounds, wall, model_s, ours, p, c, cost in rows:
        print(
            f"{name:24} {runs:>4} {rounds:>6} {wall * 1e3:>8.0f} {model_s * 1e3:>9.0f} "
            f"{ours * 1e3:>8.0f} {p:>10} {c:>9} {cost if cost is not None else '-':>9}"
        )
    print("\nre-run from the response cache (no model call)")
    print(f"{'skill':24} {'wall ms':>8} {'model ms':>9} {'cached answers':>14}")
    for name, wall, model_s, hits in cached_rows:
        print(f"{name:24} {wall * 1e3:>8.0f} {model_s * 1e3:>9.0f} {hits:>14}")
    print("\ncontext per use: calling the skill vs doing the procedure (tokens, mean per run)")
    print(f"{'skill':24} {'skill call':>10} {'procedure':>10} {'saved':>7} {'ratio':>6}")
    for name, skill, procedure in saved:
        print(
            f"{name:24} {skill:>10} {procedure:>10} {procedure - skill:>7} "
            f"{procedure / skill:>5.1f}x"
        )


if __name__ == "__main__":
    main()
