"""Resource exhaustion: a language policy enforces no limit; the process layer must.

Each attack must end in a bounded time with the expected failure class, leave the host and
the other workers unaffected, and a benign call on the same pool must work right after.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
from sbprocs import worker_processes

from sandbox import Limits, Sandbox
from sandbox.pool import WorkerProcess

TIGHT = Limits(cpu_seconds=0.3, wall_seconds=2, memory_mb=128, max_tool_calls=50,
               max_return_bytes=100_000, max_stdout_bytes=10_000, max_message_chars=500,
               max_tool_arg_bytes=10_000)
# Memory attacks get CPU to spare so that memory, not the CPU limit, is what stops them
# on a loaded machine (page faults count as CPU time).
MEMORY = dataclasses.replace(TIGHT, cpu_seconds=3.0, wall_seconds=6)

RESTRICTED = [
    ("cpu-loop", "while True:\n    pass", {"Timeout"}),
    ("loop-swallowing-exceptions",
     "while True:\n    try:\n        while True:\n            pass\n"
     "    except BaseException:\n        pass", {"Timeout"}),
    ("finally-reenters",
     "def f():\n    try:\n        while True:\n            pass\n    finally:\n"
     "        return f()\nreturn f()", {"Timeout"}),
    ("catastrophic-regex", "import re\nreturn bool(re.match(r'(a+)+$', 'a' * 64 + 'b'))",
     {"Timeout"}),
    ("c-level-infinite-iterator",
     "import collections, itertools\ncollections.deque(itertools.repeat(0), maxlen=0)",
     {"Timeout"}),
    ("huge-power", "return 10 ** 10 ** 8", {"Timeout", "MemoryLimit"}),
    ("string-bomb", "return len('x' * 10 ** 10)", {"MemoryLimit"}),
    ("list-growth", "acc = []\nwhile True:\n    acc.append('x' * 10 ** 6)", {"MemoryLimit"}),
    ("nested-allocation", "return len([[0] * 10 ** 6 for _ in range(10 ** 4)])",
     {"MemoryLimit"}),
    ("recursion", "def f():\n    return f()\nreturn f()", {"Error"}),
    ("deep-return-value", "x = []\nfor _ in range(10 ** 5):\n    x = [x]\nreturn x",
     {"Error", "OutputLimit"}),
    ("huge-return-value", "return 'x' * 10 ** 7", {"OutputLimit"}),
    ("wide-return-value", "return list(range(10 ** 6))", {"OutputLimit"}),
    ("print-flood", "while True:\n    print('x' * 1000)", {"Timeout"}),
    ("huge-skill-error", "raise SkillError('x' * 10 ** 7)", {"SkillError"}),
    ("huge-exception", "raise ValueError('y' * 10 ** 7)", {"Error"}),
    ("tool-flood", "while True:\n    tools.lookup(key='a')", {"OutputLimit"}),
    ("tool-flood-swallowing",
     "while True:\n    try:\n        tools.lookup(key='a')\n    except ToolError:\n"
     "        pass", {"OutputLimit"}),
    ("huge-tool-arguments", "return tools.lookup(key='x' * 10 ** 7)", {"ToolError"}),
]

UNRESTRICTED = [
    ("ignore-cpu-signals",
     "import signal\nfor s in (signal.SIGPROF, signal.SIGXCPU, signal.SIGTERM):\n"
     "    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass", {"Timeout"}),
    ("disarm-cpu-timer", "import signal\nsignal.setitimer(signal.ITIMER_PROF, 0)\n"
     "while True:\n    pass", {"Timeout"}),
    ("sleep-forever", "import time\ntime.sleep(100)", {"Timeout"}),
    ("raise-memory-rlimit",
     "import resource\ntry:\n    resource.setrlimit(resource.RLIMIT_AS, (-1, -1))\n"
     "except (OSError, ValueError):\n    pass\nreturn len(bytearray(2 * 1024 ** 3))",
     {"MemoryLimit"}),
    ("fd-exhaustion", "return [open('f%d' % i, 'w') for i in range(100000)]", {"Error"}),
    ("file-size-bomb", "with open('big', 'wb') as f:\n"
     "    for _ in range(1000):\n        f.write(b'x' * 1024 * 1024)", {"Error"}),
    ("self-kill", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", {"CrashedWorker"}),
    ("segfault", "import ctypes\nctypes.string_at(0)", {"CrashedWorker"}),
]


def _tools(log: list[str]) -> dict[str, Any]:
    def lookup(key: str) -> str:
        log.append(key)
        return key
    return {"lookup": lookup}


def _benign(box: Sandbox) -> None:
    follow = box.run("def main(tools, *, n):\n    return sum(range(n))\n", kwargs={"n": 10})
    assert follow.ok and follow.value == 45, follow


@pytest.mark.parametrize(("name", "body", "expected"), RESTRICTED,
                         ids=[r[0] for r in RESTRICTED])
def test_resource_attack(box: Sandbox, name: str, body: str, expected: set[str]) -> None:
    log: list[str] = []
    source = "def main(tools):\n" + "\n".join("    " + ln for ln in body.splitlines()) + "\n"
    before = len(worker_processes())
    start = time.monotonic()
    limits = MEMORY if expected == {"MemoryLimit"} else TIGHT
    result = box.run(source, tools=_tools(log), limits=limits)
    elapsed = time.monotonic() - start
    assert result.error in expected, (name, result)
    assert elapsed < limits.wall_seconds + 3, f"{name} took {elapsed:.1f} s"
    assert len(log) <= TIGHT.max_tool_calls
    assert all(len(key) <= TIGHT.max_tool_arg_bytes for key in log)
    assert len(result.message) <= TIGHT.max_message_chars
    assert len(result.stdout) <= TIGHT.max_stdout_bytes + 40
    assert len(worker_processes()) <= before  # nothing forked, nothing leaked
    _benign(box)


@pytest.mark.parametrize(("name", "body", "expected"), UNRESTRICTED,
                         ids=[r[0] for r in UNRESTRICTED])
def test_resource_attack_without_language_layer(box: Sandbox, name: str, body: str,
                                                expected: set[str]) -> None:
    source = "def main(tools):\n" + "\n".join("    " + ln for ln in body.splitlines()) + "\n"
    start = time.monotonic()
    limits = Limits(cpu_seconds=0.3, wall_seconds=1, memory_mb=128)
    result = box.run(source, limits=limits, _language_layer=False)
    elapsed = time.monotonic() - start
    assert result.error in expected, (name, result)
    assert elapsed < limits.wall_seconds + 3, f"{name} took {elapsed:.1f} s"
    _benign(box)


def test_huge_print_is_truncated_not_fatal(box: Sandbox) -> None:
    result = box.run("def main(tools):\n    print('x' * 10 ** 7)\n    return 1\n", limits=TIGHT)
    assert result.ok and result.value == 1
    assert result.stdout.endswith("[stdout truncated]")
    assert len(result.stdout) <= TIGHT.max_stdout_bytes + 40


def test_scratch_directory_is_removed(box: Sandbox) -> None:
    worker = WorkerProcess(TIGHT)
    result = worker.run("def main(tools):\n    open('left-behind', 'w').write('x')\n"
                        "    return 1\n", "main", {}, {}, TIGHT, restricted=False)
    assert result.ok, result
    import os

    assert os.path.isdir(worker.scratch)
    worker.kill()
    assert not os.path.exists(worker.scratch)


def test_memory_limit_is_per_call(box: Sandbox) -> None:
    small = Limits(memory_mb=32, cpu_seconds=2, wall_seconds=5)
    denied = box.run("def main(tools):\n    return len(bytearray(100 * 1024 * 1024))\n",
                     limits=small)
    assert denied.error == "MemoryLimit", denied
    allowed = box.run("def main(tools):\n    return len(bytearray(100 * 1024 * 1024))\n")
    assert allowed.ok, allowed


def test_host_tool_time_is_not_charged_to_the_skill(box: Sandbox) -> None:
    def slow(**_: Any) -> str:
        time.sleep(0.6)
        return "done"

    limits = Limits(cpu_seconds=1, wall_seconds=0.5)
    result = box.run("def main(tools):\n    return tools.slow(x=1)\n", tools={"slow": slow},
                     limits=limits)
    assert result.ok and result.value == "done", result
