"""The worker process: confine itself, then run skill calls sent by the host, one at a time.

Started by :mod:`sandbox.pool` as ``python -I -c <boot> <pkg dir> <config json>`` with the
RPC pipes on descriptors 0 (requests in) and 1 (replies out). Everything it will ever need is
imported and exercised *before* :func:`sandbox.confine.isolate` takes the file system away,
and the confinement is complete before the first frame with skill source is read.

The worker is single-threaded by construction (seccomp forbids ``clone``): a tool call is a
blocking request/reply on the pipes, and nothing can run after a call returns.
"""

from __future__ import annotations

import builtins
import contextlib
import decimal
import gc
import json
import os
import resource
import signal
import sys
import types
import typing
from typing import Any, NoReturn

from sandbox import confine, landlock, seccomp, wirejson
from sandbox.limits import one_line
from sandbox.policy import CallContext, Policy, PolicyViolation, SkillError, ToolError
from sandbox.protocol import BlockingReader


class _Channel:
    """Worker end of the RPC pipes."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.reader = BlockingReader(read_fd, decode=wirejson.loads)

    def send(self, message: dict[str, Any]) -> None:
        self.send_raw(wirejson.dumps(message))

    def send_raw(self, payload: bytes) -> None:
        header = len(payload).to_bytes(4, "big")
        data = memoryview(header + payload)
        while data:
            data = data[os.write(self.write_fd, data):]

    def receive(self) -> dict[str, Any]:
        return self.reader.read_frame()


class _ToolFunction:
    """What ``tools.name`` evaluates to in skill code: forwards a call to the host.

    Bound to the call it was made in: used later (a generator or object that survived its
    call and is finalised during another one) it refuses instead of reaching the host.
    """

    __slots__ = ("_call", "_name", "_worker")

    def __init__(self, worker: Worker, name: str, call: int) -> None:
        self._name = name
        self._worker = worker
        self._call = call

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._call != self._worker.call_number:
            raise ToolError(f"tool {self._name!r} used outside the call it belongs to")
        return self._worker.call_tool(self._name, args, kwargs)

    def __repr__(self) -> str:
        return f"<tool {self._name}>"

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("tool functions cannot be copied or pickled")


class _ToolsProxy:
    """The ``tools`` argument of the entry: attribute access yields tool functions only."""

    __slots__ = ("_call", "_worker")

    def __init__(self, worker: Worker, call: int) -> None:
        self._worker = worker
        self._call = call

    def __getattr__(self, name: str) -> _ToolFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        return _ToolFunction(self._worker, name, self._call)

    def __repr__(self) -> str:
        return "<tools>"

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        # copy.deepcopy (reachable through dataclasses.asdict) would otherwise walk into
        # the worker's internals behind the proxy.
        raise TypeError("the tools proxy cannot be copied or pickled")


class _StdoutSink:
    """``sys.stdout`` during a call (used when the language layer is off)."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy

    def write(self, text: str) -> int:
        self._policy.ctx.write_stdout(str(text))
        return len(text)

    def flush(self) -> None:
        pass


class Worker:
    """State of the worker process: policy, channel, and the call in progress."""

    def __init__(self, channel: _Channel, policy: Policy) -> None:
        self.channel = channel
        self.policy = policy
        self.limits: dict[str, Any] = {}
        #: Derived from ``limits``: stdout bytes, CPU seconds, address-space bytes.
        self.call_limits: tuple[int, float, int] = (0, 0.0, 0)
        self.tool_calls = 0
        #: Incremented for every call; tool proxies of older calls stop working.
        self.call_number = 0
        #: Address space the worker may use before the skill's own budget is added.
        self.memory_base = confine.CALL_MEMORY_SLACK
        self.stdout = _StdoutSink(policy)
        self.limiter = _Limiter()
        #: Whether the current call got as far as executing skill code.
        self.ran = False

    # ------------------------------------------------------------------ tools

    def call_tool(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if args:
            raise self.policy.ctx.record(
                f"tool {name!r} must be called with keyword arguments only"
            )
        self.tool_calls += 1
        try:
            frame = wirejson.dumps({"op": "tool", "name": name, "arguments": kwargs})
        except wirejson.NotJSON as exc:
            raise ToolError(f"arguments of tool {name!r} must be JSON values: {exc}") from None
        if len(frame) > self.limits["max_tool_arg_bytes"] + 64 + len(name):
            raise ToolError(f"arguments of tool {name!r} exceed "
                            f"{self.limits['max_tool_arg_bytes']} bytes")
        self.channel.send_raw(frame)
        reply = self.channel.receive()
        if reply.get("ok"):
            return reply.get("result")
        raise ToolError(str(reply.get("error", "tool failed")))

    # ------------------------------------------------------------------ calls

    def _set_limits(self, limits: dict[str, Any]) -> None:
        """Take the limits of this and later calls (the host sends them when they change)."""
        self.limits = limits
        self.call_limits = (int(limits["max_stdout_bytes"]), float(limits["cpu_seconds"]),
                            self.memory_base + int(limits["memory_mb"]) * 1024 * 1024)

    def handle_call(self, request: dict[str, Any]) -> None:
        # The host leaves the limits out when they are those of this worker's previous call
        # (decoding them cost more than the rest of the request); every call is still armed
        # with them below, exactly as if they had been sent again.
        limits = request.get("limits")
        if limits is not None:
            self._set_limits(limits)
        elif not self.limits:
            raise ValueError("first call without limits")
        stdout_limit, cpu_seconds, memory_bytes = self.call_limits
        restricted = bool(request.get("restricted", True))
        self.tool_calls = 0
        self.ran = False
        self.call_number += 1
        _GARBAGE.start_call()
        ctx = self.policy.ctx = CallContext(stdout_limit)
        decimal.setcontext(decimal.Context())
        self.limiter.arm(cpu_seconds, memory_bytes)
        saved_stdout = sys.stdout
        sys.stdout = self.stdout
        try:
            outcome = self._outcome(request, restricted, ctx)
            # Still on the call's CPU budget: drop what the call left in stdlib caches and
            # finalise its garbage now, so that nothing of it (a suspended generator's
            # ``finally``, say) can run later, during someone else's call.
            _forget_call()
        finally:
            self.limiter.disarm()
            sys.stdout = saved_stdout
        if isinstance(outcome, bytes):
            stdout = ctx.stdout_text()
            self.channel.send_raw(
                b'{"op":"done","ok":true,"value":' + outcome + b',"stdout":'
                + (wirejson.dumps(wirejson.clean_text(stdout)) if stdout else b'""')
                + b',"cpu":' + wirejson.dumps(self.limiter.used) + b"}"
            )
        else:
            self._send_done(False, outcome[0], outcome[1], ctx)

    def _outcome(self, request: dict[str, Any], restricted: bool,
                 ctx: CallContext) -> bytes | tuple[str, str]:
        """Run the skill: the encoded return value, or ``(error class, message)``."""
        try:
            value = self._execute(request, restricted)
        except BaseException as exc:
            _drop_tracebacks(exc)  # release the skill's frames (and memory) first
            return self._classify(exc, ctx)
        if ctx.violation is not None:
            return "PolicyViolation", ctx.violation
        try:
            payload = wirejson.dumps(value)
        except wirejson.NotJSON as exc:
            return "Error", f"TypeError: return value is not a JSON value: {str(exc)[:200]}"
        except MemoryError:
            return "MemoryLimit", "memory limit reached while encoding the return value"
        if len(payload) > int(self.limits["max_return_bytes"]):
            return "OutputLimit", (f"return value of {len(payload)} bytes exceeds "
                                   f"{self.limits['max_return_bytes']}")
        return payload

    def _execute(self, request: dict[str, Any], restricted: bool) -> Any:
        code = self.policy.compile(str(request["source"]), restricted=restricted)
        if restricted:
            namespace = self.policy.new_globals()
        else:
            unsafe_builtins = dict(vars(builtins))
            unsafe_builtins.update(SkillError=SkillError, ToolError=ToolError)
            namespace = {"__builtins__": unsafe_builtins, "__name__": "skill"}
        self.ran = True  # from here on, skill code runs (and may leave traces)
        exec(code, namespace)
        entry = namespace.get(str(request["entry"]))
        if not callable(entry) or str(request["entry"]).startswith("_"):
            raise _EntryMissing(f"the skill defines no function named {request['entry']!r}")
        kwargs = request.get("kwargs") or {}
        return entry(_ToolsProxy(self, self.call_number), **kwargs)

    def _classify(self, exc: BaseException, ctx: CallContext) -> tuple[str, str]:
        """The failure class and one-line message for an exception of the skill."""
        limit = int(self.limits.get("max_message_chars", 2000))
        try:
            text = str(exc)
        except BaseException:
            text = "<message not printable>"
        text = one_line(text, limit)
        if ctx.violation is not None:
            error, message = "PolicyViolation", ctx.violation
        elif isinstance(exc, SkillError):
            error, message = "SkillError", text
        elif isinstance(exc, ToolError):
            error, message = "ToolError", text
        elif isinstance(exc, PolicyViolation):
            error, message = "PolicyViolation", text
        elif isinstance(exc, MemoryError):
            error, message = "MemoryLimit", f"memory limit of {self.limits['memory_mb']} MB"
        elif isinstance(exc, _EntryMissing):
            error, message = "Error", text
        else:
            error, message = "Error", f"{type(exc).__name__}: {text}"
        return error, one_line(message, limit)

    def _send_done(self, ok: bool, error: str, message: str, ctx: CallContext) -> None:
        self.channel.send({"op": "done", "ok": ok, "value": None, "error": error,
                           "message": wirejson.clean_text(message),
                           "stdout": wirejson.clean_text(ctx.stdout_text()),
                           "cpu": self.limiter.used, "ran": self.ran})

    def serve(self) -> NoReturn:
        while True:
            try:
                request = self.channel.receive()
            except Exception:
                os._exit(0)
            op = request.get("op")
            if op == "call":
                try:
                    self.handle_call(request)
                except BaseException as exc:  # the worker's own code failed (out of memory)
                    self._last_resort(exc)
            elif op == "ping":
                self.channel.send({"op": "pong", "cpu": _cpu_used()})
            else:
                os._exit(0)


    def _last_resort(self, exc: BaseException) -> None:
        """Report a failure of the worker's own reporting code, or exit with a known code."""
        memory = isinstance(exc, MemoryError)
        _drop_tracebacks(exc)
        del exc
        try:
            self.channel.send({"op": "done", "ok": False, "value": None,
                               "error": "MemoryLimit" if memory else "CrashedWorker",
                               "message": "memory limit reached" if memory
                               else "the worker failed while reporting", "stdout": ""})
        except BaseException:
            os._exit(EXIT_MEMORY if memory else EXIT_INTERNAL)


#: Exit codes the host understands (anything else is a crash).
EXIT_INTERNAL = 70
EXIT_MEMORY = 71


class _GarbageTracker:
    """Which garbage-collector generations may hold objects of the current call.

    At the end of a call its cyclic garbage must be finalised (see ``_forget_call``). A full
    collection would do, but in CPython it also empties the interpreter's free lists, which
    makes the next call ~50 us slower. Objects of a call reach generation g+1 only if an
    automatic collection of generation g ran during the call: a ``gc.callbacks`` hook
    records that, and the end-of-call collection goes exactly as deep as needed.
    """

    def __init__(self) -> None:
        self.deepest = -1
        self.ours = False
        gc.callbacks.append(self._observe)

    def _observe(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start" and not self.ours:
            self.deepest = max(self.deepest, info["generation"])

    def start_call(self) -> None:
        self.deepest = -1

    def collect(self) -> None:
        # Our own collection is not observed: the hook is taken off for it (two Python
        # calls less; no automatic collection can start while this one runs).
        self.ours = True
        hooks = gc.callbacks
        hooks.remove(self._observe)
        try:
            gc.collect(min(self.deepest + 1, 2))
        finally:
            hooks.append(self._observe)
            self.ours = False


_GARBAGE = _GarbageTracker()


def _forget_call() -> None:
    """Clear typing's caches (they can keep skill objects alive) and collect the call's
    garbage, so that nothing of it (a generator's ``finally``, say) runs during a later call.

    Cheap: everything that existed before the first call was frozen (``gc.freeze``), and the
    collection only goes as deep as the call's objects can be (:class:`_GarbageTracker`).
    """
    for clear in typing._cleanups:  # type: ignore[attr-defined]
        clear()
    _GARBAGE.collect()


def _drop_tracebacks(exc: BaseException) -> None:
    """Forget the frames an exception chain holds on to (they keep the skill's data alive)."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 32:
        current.__traceback__ = None
        current = current.__context__ or current.__cause__
        seen += 1


class _EntryMissing(Exception):
    pass


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Limiter:
    """Per-call CPU and memory limits, with as few system calls as possible.

    CPU: a profiling timer armed for exactly the call's budget (SIGPROF kills: no handler is
    installed), plus the ``RLIMIT_CPU`` soft limit kept a little above it as a backstop.
    Memory: the ``RLIMIT_AS`` soft limit. Both soft limits are only moved when they must
    change; the hard limits were fixed at start-up and cannot be raised.
    """

    def __init__(self) -> None:
        self.cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        self.as_hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        self.cpu_soft = -1
        self.as_soft = -1
        self.used = 0.0

    def arm(self, cpu_seconds: float, memory_bytes: int) -> None:
        self.used = used = _cpu_used()
        want = int(used + cpu_seconds) + 2
        if self.cpu_hard != resource.RLIM_INFINITY:
            want = min(want, self.cpu_hard)
        if not want <= self.cpu_soft <= want + 2:
            with contextlib.suppress(OSError, ValueError):
                resource.setrlimit(resource.RLIMIT_CPU, (want, self.cpu_hard))
                self.cpu_soft = want
        if self.as_hard != resource.RLIM_INFINITY:
            memory_bytes = min(memory_bytes, self.as_hard)
        if memory_bytes != self.as_soft:
            with contextlib.suppress(OSError, ValueError):
                resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, self.as_hard))
                self.as_soft = memory_bytes
        signal.setitimer(signal.ITIMER_PROF, cpu_seconds)

    @staticmethod
    def disarm() -> None:
        signal.setitimer(signal.ITIMER_PROF, 0)


_WARMUP = '''
import json, re, math, datetime, decimal, collections, itertools, statistics, string, typing
from typing import Any
from dataclasses import dataclass, field
from collections import Counter, defaultdict

@dataclass
class Row:
    name: str
    qty: int = 0

def main(tools, *, text: str, items: list[str] | None = None) -> Any:
    data = json.loads(text)
    stamp = datetime.datetime.strptime("2024-01-02 03:04", "%Y-%m-%d %H:%M")
    rows = [Row(n, i) for i, n in enumerate(items or [])]
    print("warm", len(rows), "{0} {x}".format(1, x=2))
    return {"data": data, "when": stamp.isoformat(), "mean": statistics.mean([1, 2, 3]),
            "dec": str(decimal.Decimal("1.10") * 3), "m": re.findall(r"\\d+", "a1b22"),
            "c": Counter("aab").most_common(1), "f": math.floor(2.5),
            "s": string.ascii_lowercase[:3], "t": list(itertools.islice(itertools.count(), 3))}
'''


def _warm_up(policy: Policy) -> None:
    """Exercise every facade once so lazy imports happen while a file system still exists."""
    import _strptime  # noqa: F401 - datetime.strptime imports it lazily
    import encodings.idna
    import encodings.latin_1
    import encodings.utf_16
    import encodings.utf_32  # noqa: F401

    policy.ctx = CallContext(1000)
    namespace = policy.new_globals()
    exec(policy.compile(_WARMUP), namespace)
    namespace["main"](None, text='{"a": [1, 2]}', items=["x", "y"])
    wirejson.dumps({"a": [1, 2.5, "x", None]})
    "x".encode("utf-16")
    policy.ctx = CallContext(1000)


def main() -> NoReturn:
    """Entry point (``sys.argv[2]`` is the JSON configuration from the host)."""
    config = json.loads(sys.argv[2])
    os.environ.clear()  # the host passes env={}; this drops what CPython added (LC_CTYPE)
    read_fd, write_fd = os.dup(0), os.dup(1)
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    if not config.get("keep_stderr"):
        os.dup2(devnull, 2)
    os.close(devnull)
    # dataclasses resolves string annotations through sys.modules[cls.__module__]: give the
    # skill's module name an empty module there (skill code cannot reach sys.modules).
    sys.modules.setdefault("skill", types.ModuleType("skill"))
    policy = Policy()
    _warm_up(policy)
    gc.collect()
    gc.freeze()  # later collections only scan objects created by calls
    report: dict[str, Any] = {}
    confine.libc()  # load shared libraries while they are still reachable
    seccomp.preload()
    baseline = confine.address_space_in_use()
    confine.close_inherited_fds({0, 1, 2, read_fd, write_fd})
    if config.get("isolate", True):
        confine.isolate(report, config["scratch"])
    confine.set_rlimits(report, config, baseline)
    confine.set_no_new_privs(report)
    if config.get("landlock", True):
        chrooted = bool(report.get("filesystem", {}).get("active"))
        landlock.restrict(report, confine.libc(), "/" if chrooted else config["scratch"])
    else:
        report["landlock"] = {"active": False, "detail": "disabled by the host"}
    if config.get("seccomp", True):
        seccomp.install(report)
    else:
        report["seccomp"] = {"active": False, "detail": "disabled by the host"}
    channel = _Channel(read_fd, write_fd)
    worker = Worker(channel, policy)
    worker.memory_base = baseline + confine.CALL_MEMORY_SLACK
    channel.send({"op": "ready", "pid": os.getpid(), "layers": report})
    worker.serve()


if __name__ == "__main__":
    main()
