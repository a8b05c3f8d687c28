"""What does the sandbox cost per call? One command, one run, one table.

    python benchmarks/sandbox_overhead.py [--calls 2000] [--workers 2]

Rows (all for the same skill: three tool calls, each a host callback):

* direct in-process call (no isolation at all) -- the lower bound;
* bare pipe round-trip floor: a warm child process that only echoes length-prefixed orjson
  frames, driven with the same messages as a sandboxed call: request -> tool call, then three
  times tool result -> next tool call / final reply (4 round trips, 8 frames);
* warm sandboxed call: ``Sandbox.run`` on a warm, fully confined worker;
* fresh interpreter per call: ``python -I`` started for each call, running the skill with
  its tool calls over pipes (no RestrictedPython, no confinement: the cheapest "new process
  per call" design);
* cold pool start: ``Sandbox(workers=N).start()`` until every worker reported ready;
* throughput with N workers: calls/second from N host threads.

Targets (issue 5): warm call within 3x of the floor; at least 30x faster than a fresh
interpreter per call. Figures vary +-20-30 % between runs on a shared 2-vCPU machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import orjson

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sandbox import Sandbox
from sandbox.protocol import HostChannel

SKILL = '''
import json

def main(tools, *, order_id: str) -> str:
    order = json.loads(tools.get_order(order_id=order_id))
    user = json.loads(tools.get_user(user_id=order["user_id"]))
    return tools.cancel(order_id=order_id, reason="no longer needed", email=user["email"])
'''

TOOLS: dict[str, Callable[..., Any]] = {
    "get_order": lambda order_id: json.dumps({"id": order_id, "user_id": "u1",
                                              "status": "pending"}),
    "get_user": lambda user_id: json.dumps({"id": user_id, "email": "jane@example.com"}),
    "cancel": lambda order_id, reason, email: "cancelled",
}

ECHO_CHILD = r'''
import os, sys
sys.path.insert(0, sys.argv[1])
from sandbox.protocol import BlockingReader, write_frame_blocking
reader = BlockingReader(0)
while True:
    try:
        message = reader.read_frame()
    except Exception:
        break
    write_frame_blocking(1, message)
'''

FRESH_CHILD = r'''
import json, os, sys
sys.path.insert(0, sys.argv[1])
from sandbox.protocol import BlockingReader, write_frame_blocking
reader = BlockingReader(0)
request = reader.read_frame()

class Tools:
    def __getattr__(self, name):
        def call(**kwargs):
            write_frame_blocking(1, {"op": "tool", "name": name, "arguments": kwargs})
            return reader.read_frame()["result"]
        return call

namespace = {"__name__": "skill"}
exec(compile(request["source"], "<skill>", "exec"), namespace)
value = namespace[request["entry"]](Tools(), **request["kwargs"])
write_frame_blocking(1, {"op": "done", "ok": True, "value": value})
'''

PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def per_call_us(fn: Callable[[], object], calls: int, repeats: int = 5) -> float:
    """Median over ``repeats`` batches of the mean time per call, in microseconds."""
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(samples)


def direct_call() -> Callable[[], object]:
    namespace: dict[str, Any] = {"__name__": "skill"}
    exec(compile(SKILL, "<skill>", "exec"), namespace)
    entry = namespace["main"]

    class Tools:
        def __getattr__(self, name: str) -> Callable[..., Any]:
            return TOOLS[name]

    tools = Tools()
    return lambda: entry(tools, order_id="#W1")


def echo_floor() -> tuple[Callable[[], object], Callable[[], None]]:
    """Five messages each way, exactly like a sandboxed call with three tool calls."""
    to_r, to_w = os.pipe()
    from_r, from_w = os.pipe()
    proc = subprocess.Popen([sys.executable, "-I", "-c", ECHO_CHILD, PKG_PARENT],
                            stdin=to_r, stdout=from_w, env={})
    os.close(to_r)
    os.close(from_w)
    channel = HostChannel(from_r, to_w)
    # What Sandbox.run sends a warm worker (the limits go only with a worker's first call
    # or when they change, so a warm call's request has none).
    request = {"op": "call", "source": SKILL, "entry": "main", "kwargs": {"order_id": "#W1"},
               "restricted": True}
    reply = {"ok": True, "result": TOOLS["get_order"]("#W1")}

    def one() -> object:
        # request -> (tool call 1), then 3 x reply -> (tool call 2, 3, done): 4 round trips
        deadline = time.monotonic() + 5
        channel.send(request, deadline)
        message = channel.receive(deadline, 1 << 20)
        for _ in range(3):
            channel.send(reply, deadline)
            message = channel.receive(deadline, 1 << 20)
        return message

    def close() -> None:
        channel.close()
        proc.wait(5)

    return one, close


def fresh_interpreter_call() -> object:
    to_r, to_w = os.pipe()
    from_r, from_w = os.pipe()
    proc = subprocess.Popen([sys.executable, "-I", "-c", FRESH_CHILD, PKG_PARENT],
                            stdin=to_r, stdout=from_w, env={})
    os.close(to_r)
    os.close(from_w)
    channel = HostChannel(from_r, to_w)
    deadline = time.monotonic() + 10
    channel.send({"op": "call", "source": SKILL, "entry": "main",
                  "kwargs": {"order_id": "#W1"}}, deadline)
    while True:
        message = channel.receive(deadline, 1 << 20)
        if message["op"] == "done":
            break
        result = TOOLS[message["name"]](**message["arguments"])
        channel.send({"ok": True, "result": result}, deadline)
    channel.close()
    proc.wait(5)
    return message["value"]


def throughput(box: Sandbox, threads: int, seconds: float) -> float:
    done = [0] * threads
    stop = time.monotonic() + seconds

    def loop(index: int) -> None:
        while time.monotonic() < stop:
            result = box.run(SKILL, kwargs={"order_id": "#W1"}, tools=TOOLS)
            assert result.ok, result
            done[index] += 1

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    start = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / (time.monotonic() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=500, help="calls per timed batch")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved floor/warm rounds")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--fresh", type=int, default=20, help="fresh-interpreter calls")
    args = parser.parse_args()

    direct = per_call_us(direct_call(), args.calls * 10)

    start = time.perf_counter()
    box = Sandbox(workers=args.workers)
    box.start()
    cold_ms = (time.perf_counter() - start) * 1000
    echo, close_echo = echo_floor()
    try:
        assert box.run(SKILL, kwargs={"order_id": "#W1"}, tools=TOOLS).value == "cancelled"

        def warm_call() -> object:
            return box.run(SKILL, kwargs={"order_id": "#W1"}, tools=TOOLS)

        # Floor and warm call are measured in alternating batches, so that a change of
        # machine load during the run affects both alike; the ratio is the median of the
        # per-round ratios.
        floors: list[float] = []
        warms: list[float] = []
        for _ in range(args.rounds):
            floors.append(per_call_us(echo, args.calls, repeats=1))
            warms.append(per_call_us(warm_call, args.calls, repeats=1))
        # Best batch of each (like timeit: the least disturbed measure of the intrinsic
        # cost on a shared machine); the median ratio of paired rounds is printed too.
        floor = min(floors)
        warm = min(warms)
        ratio = warm / floor
        median_ratio = statistics.median(w / f for w, f in zip(warms, floors, strict=True))
        rate_1 = throughput(box, 1, 2.0)
        rate_n = throughput(box, args.workers, 2.0)
    finally:
        close_echo()
        box.close()
    fresh = per_call_us(fresh_interpreter_call, args.fresh, repeats=3)

    rows = [
        ("direct in-process call", direct, "1.0x direct"),
        ("bare pipe floor (warm echo worker, 4 round trips)", floor,
         f"{floor / direct:,.0f}x direct"),
        ("warm sandboxed call", warm,
         f"{median_ratio:.2f}x floor, median of paired rounds (target <= 3x); "
         f"best batches {ratio:.2f}x"),
        ("fresh interpreter per call", fresh,
         f"sandbox is {fresh / warm:,.0f}x faster (target >= 30x)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"sandbox overhead -- skill with 3 tool calls, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"{'measurement'.ljust(width)}  {'us/call':>10}  ratio")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 40}")
    for name, value, text in rows:
        print(f"{name.ljust(width)}  {value:>10,.1f}  {text}")
    print(f"{'cold pool start (' + str(args.workers) + ' workers)':<{width}}  "
          f"{cold_ms * 1000:>10,.0f}  = {cold_ms:.0f} ms until all workers confined and ready")
    print(f"{'throughput, 1 host thread':<{width}}  {'':>10}  {rate_1:,.0f} calls/s")
    print(f"{'throughput, ' + str(args.workers) + ' host threads':<{width}}  {'':>10}  "
          f"{rate_n:,.0f} calls/s with {args.workers} workers")
    # The verdict uses the paired median: each round's floor and warm batch ran back to
    # back under the same load, while the two best batches may come from different rounds.
    verdict_floor = "MET" if median_ratio <= 3 else "NOT met"
    verdict_fresh = "MET" if fresh >= 30 * warm else "NOT met"
    print(f"targets: warm <= 3x floor {verdict_floor}; >= 30x faster than fresh "
          f"interpreter {verdict_fresh}")
    print(orjson.dumps({"direct_us": direct, "floor_us": floor, "warm_us": warm,
                        "warm_over_floor": ratio, "warm_over_floor_median": median_ratio,
                        "fresh_us": fresh, "cold_pool_ms": cold_ms,
                        "calls_per_s_1": rate_1, "calls_per_s_n": rate_n,
                        "workers": args.workers}).decode())


if __name__ == "__main__":
    main()
