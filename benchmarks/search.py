"""Can an agent find the right skill among 1,000 / 10,000 / 100,000?

    python benchmarks/search.py [--sizes 1000,10000,100000] [--queries 500] [--seed 0]

For each size we generate a library of varied skill manifests (30 systems x 20 actions x
25 entities x 15 qualifiers, each with its own description template, parameters, tools and
a source task text) and write them straight into a fresh search index (the same
``SkillIndex.add`` a refresh uses; no promotions).  Then 500 queries, each phrased
differently from its target skill's text: the action and often the entity replaced by a
synonym (half of those synonyms are NOT in the index's synonym table), the qualifier
reworded, the words reordered, and filler added ("could you", "for me").  We report
recall@1 and recall@5 (is the target first / in the top five), the median and p95 query
latency (``search(..., refresh=False)``: the index is fresh), the index build time, and
what the freshness check (stat of every ``skill.json``) costs for a directory of that size.
Targets: median query < 10 ms at 100,000 skills; recall@5 >= 0.9 at 10,000.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skillforge.index import SkillIndex, skill_stamps

SYSTEMS = """shopify stripe github jira zendesk salesforce hubspot slack gmail notion asana trello
quickbooks xero twilio mailchimp intercom freshdesk workday bamboohr greenhouse okta aws
datadog pagerduty linear airtable dropbox calendly docusign""".split()  # noqa: SIM905

# action -> (synonyms in the index's table, synonyms it has never heard of)
ACTIONS: dict[str, tuple[list[str], list[str]]] = {
    "cancel": (["revoke", "abort"], ["call off", "rescind"]),
    "refund": (["reimburse"], ["pay back", "credit back"]),
    "get": (["fetch", "retrieve", "look up"], ["pull up", "dig out"]),
    "list": (["enumerate"], ["go through every", "give me all the"]),
    "create": (["add", "make a new"], ["set up", "spin up"]),
    "update": (["change", "modify", "edit"], ["tweak", "revise"]),
    "delete": (["remove", "erase"], ["get rid of", "wipe"]),
    "send": (["email", "notify about"], ["forward", "ping about"]),
    "archive": (["store away"], ["shelve", "put away"]),
    "assign": (["allocate", "delegate"], ["hand over", "route"]),
    "close": (["resolve", "finish"], ["wrap up", "settle"]),
    "export": (["download"], ["dump", "extract"]),
    "approve": (["accept"], ["sign off on", "okay"]),
    "reject": (["decline"], ["turn down", "deny"]),
    "schedule": (["book", "arrange"], ["pencil in", "line up"]),
    "duplicate": (["copy", "clone"], ["replicate", "make a twin of"]),
    "merge": (["combine"], ["fuse", "unify"]),
    "tag": (["label"], ["mark", "flag"]),
    "count": (["total"], ["tally", "how many"]),
    "sync": (["synchronize"], ["mirror", "reconcile"]),
}
ENTITIES: dict[str, list[str]] = {
    "order": ["purchase"],
    "invoice": ["bill"],
    "ticket": ["support case", "incident"],
    "customer": ["client", "buyer"],
    "user account": ["member", "login"],
    "subscription": ["membership"],
    "payment": ["charge", "transaction"],
    "shipment": ["delivery", "parcel"],
    "product": ["item", "sku"],
    "repository": ["codebase"],
    "pull request": ["code review"],
    "meeting": ["appointment", "call"],
    "employee": ["staff member", "worker"],
    "candidate": ["applicant"],
    "document": ["file"],
    "contact": ["lead"],
    "campaign": ["newsletter"],
    "alert": ["alarm", "page"],
    "deployment": ["release", "rollout"],
    "expense": ["spending", "reimbursement claim"],
    "task": ["to-do", "chore"],
    "coupon": ["discount code", "voucher"],
    "webhook": ["callback"],
    "refund request": ["return request"],
    "survey": ["questionnaire", "poll"],
}
# qualifier -> (its words in the skill, a rewording, parameter names it implies)
QUALIFIERS: list[tuple[str, str, list[str]]] = [
    ("by email address", "using their email", ["email"]),
    ("by id", "given its identifier", ["record_id"]),
    ("latest", "most recent", ["owner_email"]),
    ("that are pending", "still outstanding", ["status"]),
    ("that are overdue", "running late", ["days_overdue"]),
    ("in bulk", "several at once", ["ids"]),
    ("for a date range", "between two dates", ["start_date", "end_date"]),
    ("with a note", "adding a comment", ["note"]),
    ("by name and zip code", "from the name and postal code", ["name", "zip"]),
    ("from last week", "of the previous week", ["week_start"]),
    ("that failed", "which errored", ["error_code"]),
    ("that are unpaid", "with money still owed", ["amount_due"]),
    ("with high priority", "marked urgent", ["priority"]),
    ("for a team", "for a whole department", ["team_id"]),
    ("as a draft", "left unpublished", ["draft_title"]),
]
TEMPLATES = [
    "{Action} a {system} {entity} {qual}.",
    "{Action} the {entity} in {System} {qual}, then confirm the result.",
    "In {System}: {action} {entity} records {qual}.",
    "Uses the {System} API to {action} one {entity} {qual} and return its summary.",
]
FILLERS = ["", "could you ", "please ", "i need to ", "help me ", "can you quickly "]
ENDINGS = ["", " for me", " please", " right now", " today"]


def slug(text: str) -> str:
    return "_".join(text.replace("-", " ").split())


def skill(system: str, action: str, entity: str, q: int, rng: random.Random) -> dict[str, Any]:
    qual, _, params = QUALIFIERS[q]
    name = f"{system}_{action}_{slug(entity)}_{slug(qual.replace('that are ', ''))}"
    words = {
        "action": action,
        "Action": action.capitalize(),
        "system": system,
        "System": system.capitalize(),
        "entity": entity,
        "qual": qual,
    }
    description = rng.choice(TEMPLATES).format(**words)
    properties = {
        p: {"type": "string", "description": f"The {p.replace('_', ' ')}."} for p in params
    }
    tools = [f"{system}_{action}_{slug(entity)}", f"{system}_get_{slug(entity)}"]
    task = f"Please {action} my {entity} on {system.capitalize()} {qual}."
    return {
        "name": name,
        "version": 1,
        "description": description,
        "parameters": {"type": "object", "properties": properties, "required": params},
        "tools": tools,
        "provenance": {"trajectories": [{"task": task}]},
    }


def library(size: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    combos = [
        (s, a, e, q)
        for s in SYSTEMS
        for a in ACTIONS
        for e in ENTITIES
        for q in range(len(QUALIFIERS))
    ]
    rng.shuffle(combos)
    return [skill(*c, rng) for c in combos[:size]]


def paraphrase(manifest: dict[str, Any], rng: random.Random) -> tuple[str, bool]:
    """A request for this skill worded the way a user might, not the way it is written."""
    system, action = manifest["name"].split("_")[:2]
    entity = next(e for e in ENTITIES if f"_{slug(e)}_" in manifest["name"] + "_")
    q = next(
        i
        for i, (qual, _, _) in enumerate(QUALIFIERS)
        if manifest["name"].endswith(slug(qual.replace("that are ", "")))
    )
    known, unknown = ACTIONS[action]
    roll = rng.random()
    # half a synonym the index knows, a quarter one it does not, a quarter the same verb
    verb = rng.choice(known) if roll < 0.5 else rng.choice(unknown) if roll < 0.75 else action
    noun = rng.choice(ENTITIES[entity]) if rng.random() < 0.5 else entity
    reworded = QUALIFIERS[q][1]
    where = rng.choice([f"in {system}", f"on {system.capitalize()}", f"using {system}"])
    parts = rng.choice(
        [
            [verb, "the", noun, reworded, where],
            [where + ",", verb, noun, reworded],
            [verb, reworded, noun, where],
            ["the", noun, reworded, where, "-", verb, "it"],
        ]
    )
    text = rng.choice(FILLERS) + " ".join(parts) + rng.choice(ENDINGS)
    return text, verb in unknown


def stat_cost(size: int) -> float:
    """ms to stat every skill.json of a directory of ``size`` skill folders."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(size):
            (root / f"s{i}").mkdir()
            (root / f"s{i}" / "skill.json").write_text("{}")
        skill_stamps(root)  # warm the dentry cache as a running server would
        t = time.perf_counter()
        skill_stamps(root)
        return (time.perf_counter() - t) * 1000


def bench(size: int, queries: int, seed: int, stat_sizes: set[int]) -> dict[str, Any]:
    manifests = library(size, seed)
    rng = random.Random(seed + 1)
    targets = rng.sample(manifests, min(queries, size))
    asks = [(*paraphrase(m, rng), m["name"]) for m in targets]
    with tempfile.TemporaryDirectory() as tmp:
        index = SkillIndex(tmp, db=os.path.join(tmp, "index.sqlite3"))
        t = time.perf_counter()
        index.add((m, "0:0") for m in manifests)
        build = time.perf_counter() - t
        for q, _, _ in asks[:20]:  # warm the page cache
            index.search(q, k=5, refresh=False)
        latencies, cpu, top1, top5, unknown, unknown5 = [], [], 0, 0, 0, 0
        for q, novel, want in asks:
            t, c = time.perf_counter(), time.process_time()
            hits = index.search(q, k=5, refresh=False)
            latencies.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            names = [h.name for h in hits]
            top1 += bool(names) and names[0] == want
            top5 += want in names
            unknown += novel
            unknown5 += novel and want in names
        index.close()
    latencies.sort()
    return {
        "size": size,
        "recall@1": top1 / len(asks),
        "recall@5": top5 / len(asks),
        "unknown@5": unknown5 / max(unknown, 1),
        "unknown": unknown,
        "median_ms": statistics.median(latencies),
        "cpu_ms": statistics.median(cpu),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
        "build_s": build,
        "stat_ms": stat_cost(size) if size in stat_sizes else None,
        "example": (asks[0][0], asks[0][2]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--stat-sizes",
        default="1000,10000",
        help="sizes for which to time the freshness check on real folders",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    stat_sizes = {int(s) for s in args.stat_sizes.split(",") if s}
    rows = [bench(n, args.queries, args.seed, stat_sizes) for n in sizes]
    print(
        f"{args.queries} paraphrased queries per size; latency = search() on a fresh index, "
        f"wall clock (CPU time of this process in brackets; the machine may be shared)\n"
    )
    print(
        "| skills | recall@1 | recall@5 | recall@5, verb unknown to the index | median query "
        "(CPU) | p95 query | index build | freshness check |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        stat = f"{r['stat_ms']:.1f} ms" if r["stat_ms"] is not None else "n/a"
        print(
            f"| {r['size']:,} | {r['recall@1']:.3f} | {r['recall@5']:.3f} | "
            f"{r['unknown@5']:.3f} (n={r['unknown']}) | "
            f"{r['median_ms']:.2f} ms ({r['cpu_ms']:.2f} ms) | {r['p95_ms']:.2f} ms | "
            f"{r['build_s']:.2f} s | {stat} |"
        )
    print("\nexample query -> target:", " -> ".join(rows[0]["example"]))
    ok_latency = all(r["median_ms"] < 10 for r in rows if r["size"] >= 100_000)
    ok_cpu = all(r["cpu_ms"] < 10 for r in rows if r["size"] >= 100_000)
    ok_recall = all(r["recall@5"] >= 0.9 for r in rows if r["size"] == 10_000)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"targets: median < 10 ms at 100k: wall {'met' if ok_latency else 'MISSED'}, "
        f"CPU {'met' if ok_cpu else 'MISSED'} (1-min load average {load:.1f} on "
        f"{os.cpu_count()} CPUs); recall@5 >= 0.9 at 10k: {'met' if ok_recall else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
