"""The warm pool: reuse, recycling, recovery, concurrency, isolation between calls, cleanup."""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings
from typing import Any

import pytest
from sbprocs import worker_processes

import sandbox
from sandbox import Limits, Sandbox, SandboxWarning
from sandbox.pool import WorkerProcess, _warn_missing

ECHO = "def main(tools, *, x):\n    return tools.echo(value=x)\n"


def _pids(box: Sandbox) -> set[int]:
    return {w.pid for w in box._all}


def test_workers_are_reused_between_calls() -> None:
    with Sandbox(workers=1) as box:
        box.run("def main(tools):\n    return 1\n")
        first = _pids(box)
        for i in range(20):
            assert box.run("def main(tools, *, i):\n    return i\n", kwargs={"i": i}).value == i
        assert _pids(box) == first


POISONS = [
    "import json\njson.loads = print",
    "import collections\ncollections.abc.Mapping.register(list)",
    "str.upper = lambda s: 'x'",
    "SkillError.args = 1",
    "import decimal\ndecimal.getcontext().prec = 2",
    "import string\nstring.Template.braceidpattern = 'poisoned'",
    "import collections\ncollections.Counter.most_common = lambda self, n=None: 'poisoned'",
    "import string\nsetattr(string.Template, 'braceidpattern', 'poisoned')",
    # a metaclass with a lying __eq__/__hash__ would make Template look like a skill class
    "import string\nM = type(type(1))\n"
    "M2 = M('M2', (M,), {'__eq__': lambda a, b: True, "
    "'__hash__': lambda a: hash(string.Template)})\n"
    "class Y(M2('B', (), {})):\n    pass\nstring.Template.braceidpattern = 'poisoned'",
    "import string\nclass M(type):\n    pass\nstring.Template.braceidpattern = 'poisoned'",
    "import typing\nclass P(typing.NamedTuple):\n    x: int\nP.x = 'poisoned'\n"
    "typing.NamedTuple.poisoned = 1",
]

CHECK = '''
import json, decimal, collections, string, typing

def main(tools):
    try:
        leftover = LEFTOVER
    except NameError:
        leftover = None
    return {
        "loads": json.loads("[1]"),
        "mapping": isinstance([], collections.abc.Mapping),
        "upper": "a".upper(),
        "third": str(decimal.Decimal(1) / decimal.Decimal(3)),
        "template": string.Template.braceidpattern,
        "common": collections.Counter("aab").most_common(1),
        "leftover": leftover,
        "namedtuple": hasattr(typing.NamedTuple, "poisoned"),
    }
'''

PRISTINE = {"loads": [1], "mapping": False, "upper": "A", "third": "0." + "3" * 28,
            "template": None, "common": [["a", 2]], "leftover": None, "namedtuple": False}


@pytest.mark.parametrize("poison", POISONS)
def test_state_does_not_leak_between_calls(poison: str) -> None:
    """State poisoning: whatever one call does, the next call in the same worker sees the
    pristine facades, builtins, stdlib classes, decimal context and no leftover globals."""
    source = ("LEFTOVER = 'from the previous call'\ndef main(tools):\n"
              + "\n".join("    " + line for line in poison.splitlines()) + "\n")
    with Sandbox(workers=1) as box:
        pids = _pids(box)
        box.run(source)
        result = box.run(CHECK)
        assert result.ok, result
        assert result.value == PRISTINE, (poison, _pids(box) == pids)


def test_decimal_context_change_is_reset_in_same_worker() -> None:
    with Sandbox(workers=1) as box:
        pids = _pids(box)
        assert box.run("import decimal\ndef main(tools):\n"
                       "    decimal.getcontext().prec = 3\n"
                       "    return str(decimal.Decimal(1) / decimal.Decimal(3))\n").value == "0.333"
        assert _pids(box) == pids  # legitimate: no recycle, same worker
        third = box.run("import decimal\ndef main(tools):\n"
                        "    return str(decimal.Decimal(1) / decimal.Decimal(3))\n").value
        assert third == "0." + "3" * 28


def test_worker_recycled_after_timeout_and_after_max_calls() -> None:
    with Sandbox(workers=1, max_calls_per_worker=3) as box:
        first = _pids(box)
        for _ in range(2):
            box.run("def main(tools):\n    return 1\n")
        assert _pids(box) == first
        box.run("def main(tools):\n    return 1\n")
        third = _pids(box)
        assert third != first  # recycled after 3 calls
        result = box.run("def main(tools):\n    while True:\n        pass\n",
                         limits=Limits(cpu_seconds=0.3, wall_seconds=2))
        assert result.error == "Timeout"
        assert _pids(box) != third
        assert box.run("def main(tools):\n    return 2\n").value == 2


def test_worker_killed_while_idle_is_replaced_transparently() -> None:
    with Sandbox(workers=1) as box:
        (pid,) = _pids(box)
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
        assert box.run("def main(tools):\n    return 3\n").value == 3


def test_worker_killed_during_call_is_a_crash_and_pool_recovers() -> None:
    with Sandbox(workers=1) as box:
        (pid,) = _pids(box)

        def assassin(**_: Any) -> str:
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
            return "too late"

        result = box.run("def main(tools):\n    return tools.assassin(x=1)\n",
                         tools={"assassin": assassin})
        assert result.error == "CrashedWorker", result
        assert box.run("def main(tools):\n    return 4\n").value == 4


def test_concurrent_calls_do_not_cross_talk() -> None:
    errors: list[str] = []
    with Sandbox(workers=2) as box:
        def client(n: int) -> None:
            for i in range(15):
                value = f"{n}-{i}"
                result = box.run(ECHO, kwargs={"x": value}, tools={"echo": lambda value: value})
                if result.value != value or result.tool_calls[0]["arguments"] != {"value": value}:
                    errors.append(f"{value}: {result}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []


def test_close_kills_every_worker_and_removes_scratch() -> None:
    box = Sandbox(workers=2)
    box.start()
    workers = list(box._all)
    pids = {w.pid for w in workers}
    assert pids <= worker_processes()
    box.close()
    assert not (pids & worker_processes())
    assert all(not os.path.exists(w.scratch) for w in workers)
    with pytest.raises(RuntimeError):
        box.start()


def test_context_manager_cleans_up_on_exception() -> None:
    pids: set[int] = set()
    with pytest.raises(ZeroDivisionError), Sandbox(workers=1) as box:
        pids = _pids(box)
        raise ZeroDivisionError
    assert pids and not (pids & worker_processes())


def test_no_stray_processes_after_shutdown() -> None:
    sandbox.shutdown()
    before = worker_processes()  # the session's shared pool, if any, is still running
    sandbox.run("def main(tools):\n    return 1\n")
    assert len(worker_processes() - before) >= 1
    sandbox.shutdown()
    with Sandbox(workers=2) as box:
        box.run("def main(tools):\n    return 1\n")
    deadline = time.monotonic() + 5
    while worker_processes() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not worker_processes() - before, "workers survived shutdown() / close()"


def test_tool_returning_non_json_is_tool_error(box: Sandbox) -> None:
    result = box.run("def main(tools):\n    return tools.bad(x=1)\n",
                     tools={"bad": lambda x: object()})
    assert result.error == "ToolError" and "TypeError" in result.message


def test_kwargs_must_be_json(box: Sandbox) -> None:
    result = box.run("def main(tools, *, x):\n    return 1\n", kwargs={"x": object()})
    assert result.error == "Error" and "JSON" in result.message


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        Limits(cpu_seconds=0)
    with pytest.raises(ValueError):
        Limits(memory_mb=-1)


def test_missing_layer_warns_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sandbox.pool._warned", set())
    layers = {name: {"active": True, "detail": "ok"} for name in
              ("unprivileged_uid", "user_namespace", "network_namespace", "filesystem",
               "capabilities", "rlimits", "no_new_privs", "landlock")}
    layers["seccomp"] = {"active": False, "detail": "libseccomp missing"}
    with pytest.warns(SandboxWarning, match="seccomp.*libseccomp missing"):
        _warn_missing(layers)


def test_disabled_layer_is_reported_not_pretended() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        worker = WorkerProcess(Limits(), seccomp=False)
        try:
            layers = worker.wait_ready()
        finally:
            worker.kill()
    assert layers["seccomp"] == {"active": False, "detail": "disabled by the host"}


def test_tool_result_size_is_limited(box: Sandbox) -> None:
    limits = Limits(max_tool_result_bytes=1_000_000)
    result = box.run("def main(tools):\n    return len(tools.big(n=1))\n",
                     tools={"big": lambda n: "x" * 2_000_000}, limits=limits)
    assert result.error == "ToolError" and "exceeds" in result.message, result
    assert result.tool_calls[0]["result"] is None


def test_typing_constructs_work(box: Sandbox) -> None:
    source = '''
from typing import Literal, NamedTuple, Optional, TypedDict

class Point(NamedTuple):
    x: int
    y: int = 0

class Movie(TypedDict):
    title: str
    year: int

def main(tools, *, mode: Literal["a", "b"] = "a", note: Optional[str] = None) -> dict:
    p = Point(1)
    movie: Movie = {"title": "T", "year": 1999}
    return {"p": list(p), "sum": p.x + p.y, "movie": movie, "mode": mode, "note": note}
'''
    result = box.run(source)
    assert result.ok, result
    assert result.value == {"p": [1, 0], "sum": 1, "movie": {"title": "T", "year": 1999},
                            "mode": "a", "note": None}


def test_compile_refusal_keeps_the_worker_runtime_violation_replaces_it() -> None:
    with Sandbox(workers=1) as box:
        pids = _pids(box)
        refused = box.run("def main(tools):\n    return ().__class__\n")
        assert refused.error == "PolicyViolation"
        assert _pids(box) == pids  # nothing ran: no need to replace the worker
        violated = box.run("def main(tools):\n    return getattr((), '__class__')\n")
        assert violated.error == "PolicyViolation"
        assert _pids(box) != pids  # skill code ran and broke policy: replaced


def test_workers_exit_when_the_host_dies_abruptly(tmp_path: Any) -> None:
    """A host killed with SIGKILL runs no cleanup; its workers must still go away (they
    see end-of-file on their channel, or their CPU timer fires)."""
    import subprocess
    import sys

    script = tmp_path / "host.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {os.path.dirname(os.path.dirname(sandbox.__file__))!r})\n"
        "from sandbox import Sandbox, Limits\n"
        "box = Sandbox(workers=2)\n"
        "box.start()\n"
        "print(' '.join(str(w.pid) for w in box._all), flush=True)\n"
        "box.run('def main(tools):\\n    while True:\\n        pass\\n',\n"
        "        limits=Limits(cpu_seconds=1, wall_seconds=60))\n"
    )
    host = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert host.stdout is not None
    pids = [int(p) for p in host.stdout.readline().split()]
    assert len(pids) == 2
    time.sleep(0.3)  # one worker is now spinning in the skill, the other idle
    host.kill()
    host.wait()
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pid for pid in pids if _running(pid)]
    assert not alive, f"workers outlived their host: {alive}"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_forked_child_does_not_touch_the_parents_workers() -> None:
    with Sandbox(workers=1) as box:
        (pid,) = _pids(box)
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            code = 0
            try:
                box.run("def main(tools):\n    return 1\n")
                code = 3  # must have refused
            except RuntimeError:
                pass
            sandbox.run("def main(tools):\n    return 1\n")  # a fresh default pool: fine
            sandbox.shutdown()
            for worker in list(box._all):  # what interpreter exit would run in the child
                worker._finalizer()
            os._exit(code)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert pid in worker_processes()  # the parent's worker survived the child
        assert box.run("def main(tools):\n    return 5\n").value == 5


def test_required_layers_refuse_instead_of_warning() -> None:
    from sandbox import SandboxUnavailable
    from sandbox.pool import EXPECTED_LAYERS

    with pytest.raises(ValueError):
        Sandbox(require=("no-such-layer",))
    worker = WorkerProcess(Limits(), seccomp=False, require=frozenset({"seccomp"}))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(SandboxUnavailable, match="seccomp: disabled by the host"):
                worker.wait_ready()
    finally:
        worker.kill()
    layers = sandbox.doctor(probe=False)["layers"]
    active = tuple(name for name in EXPECTED_LAYERS if layers[name]["active"])
    with Sandbox(workers=1, require=active) as box:
        assert box.run("def main(tools):\n    return 6\n").value == 6
