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
import json
import os
import resource
import signal
import sys
import types
from typing import Any, NoReturn

from sandbox import confine, landlock, seccomp, wirejson
from sandbox.limits import one_line
from sandbox.policy import CallContext, Policy, PolicyViolation, SkillError, ToolError
from sandbox.protocol import read_frame_blocking


class _Channel:
    """Worker end of the RPC pipes."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd

    def send(self, message: dict[str, Any]) -> None:
        self.send_raw(wirejson.dumps(message))

    def send_raw(self, payload: bytes) -> None:
        header = len(payload).to_bytes(4, "big")
        data = memoryview(header + payload)
        while data:
            data = data[os.write(self.write_fd, data):]

    def receive(self) -> dict[str, Any]:
        return read_frame_blocking(self.read_fd, decode=wirejson.loads)


class _ToolFunction:
    """What ``tools.name`` evaluates to in skill code: forwards a call to the host."""

    __slots__ = ("_name", "_worker")

    def __init__(self, worker: Worker, name: str) -> None:
        self._name = name
        self._worker = worker

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._worker.call_tool(self._name, args, kwargs)

    def __repr__(self) -> str:
        return f"<tool {self._name}>"

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("tool functions cannot be copied or pickled")


class _ToolsProxy:
    """The ``tools`` argument of the entry: attribute access yields tool functions only."""

    __slots__ = ("_worker",)

    def __init__(self, worker: Worker) -> None:
        self._worker = worker

    def __getattr__(self, name: str) -> _ToolFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        return _ToolFunction(self._worker, name)

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
        self.tool_calls = 0
        self.proxy = _ToolsProxy(self)
        #: Address space the worker may use before the skill's own budget is added.
        self.memory_base = confine.CALL_MEMORY_SLACK
        self.stdout = _StdoutSink(policy)

    # ------------------------------------------------------------------ tools

    def call_tool(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if args:
            raise self.policy.ctx.record(
                f"tool {name!r} must be called with keyword arguments only"
            )
        self.tool_calls += 1
        try:
            arguments = wirejson.dumps(kwargs)
        except wirejson.NotJSON as exc:
            raise ToolError(f"arguments of tool {name!r} must be JSON values: {exc}") from None
        if len(arguments) > self.limits["max_tool_arg_bytes"]:
            raise ToolError(f"arguments of tool {name!r} exceed "
                            f"{self.limits['max_tool_arg_bytes']} bytes")
        self.channel.send_raw(
            b'{"op":"tool","name":' + wirejson.dumps(name) + b',"arguments":' + arguments + b"}"
        )
        reply = self.channel.receive()
        if reply.get("ok"):
            return reply.get("result")
        raise ToolError(str(reply.get("error", "tool failed")))

    # ------------------------------------------------------------------ calls

    def handle_call(self, request: dict[str, Any]) -> None:
        limits = self.limits = request["limits"]
        restricted = bool(request.get("restricted", True))
        self.tool_calls = 0
        ctx = self.policy.ctx = CallContext(int(limits["max_stdout_bytes"]))
        decimal.setcontext(decimal.Context())
        _arm_cpu_limit(float(limits["cpu_seconds"]))
        _set_memory_limit(self.memory_base + int(limits["memory_mb"]) * 1024 * 1024)
        saved_stdout = sys.stdout
        sys.stdout = self.stdout
        try:
            value = self._execute(request, restricted)
        except BaseException as exc:
            signal.setitimer(signal.ITIMER_PROF, 0)
            sys.stdout = saved_stdout
            _drop_tracebacks(exc)  # release the skill's frames (and memory) first
            error, message = self._classify(exc, ctx)
            del exc
            self._send_done(False, error, message, ctx)
            return
        signal.setitimer(signal.ITIMER_PROF, 0)
        sys.stdout = saved_stdout
        if ctx.violation is not None:
            self._send_done(False, "PolicyViolation", ctx.violation, ctx)
            return
        try:
            payload = wirejson.dumps(value)
        except wirejson.NotJSON as exc:
            self._send_done(False, "Error", f"TypeError: return value is not a JSON value: "
                            f"{one_line(str(exc), 200)}", ctx)
            return
        except MemoryError:
            self._send_done(False, "MemoryLimit", "memory limit reached while encoding the "
                            "return value", ctx)
            return
        if len(payload) > int(limits["max_return_bytes"]):
            self._send_done(False, "OutputLimit",
                            f"return value of {len(payload)} bytes exceeds "
                            f"{limits['max_return_bytes']}", ctx)
            return
        self.channel.send_raw(
            b'{"op":"done","ok":true,"value":' + payload + b',"stdout":'
            + wirejson.dumps(wirejson.clean_text(ctx.stdout_text())) + b',"cpu":'
            + wirejson.dumps(_cpu_used()) + b"}"
        )

    def _execute(self, request: dict[str, Any], restricted: bool) -> Any:
        code = self.policy.compile(str(request["source"]), restricted=restricted)
        if restricted:
            namespace = self.policy.new_globals()
        else:
            unsafe_builtins = dict(vars(builtins))
            unsafe_builtins.update(SkillError=SkillError, ToolError=ToolError)
            namespace = {"__builtins__": unsafe_builtins, "__name__": "skill"}
        exec(code, namespace)
        entry = namespace.get(str(request["entry"]))
        if not callable(entry) or str(request["entry"]).startswith("_"):
            raise _EntryMissing(f"the skill defines no function named {request['entry']!r}")
        kwargs = request.get("kwargs") or {}
        return entry(self.proxy, **kwargs)

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
                           "cpu": _cpu_used()})

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


def _arm_cpu_limit(seconds: float) -> None:
    """Per-call CPU limit: a profiling timer (SIGPROF kills: no handler is installed), and
    the ``RLIMIT_CPU`` soft limit moved to just above it as a backstop."""
    used = _cpu_used()
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(used + seconds) + 2
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    signal.setitimer(signal.ITIMER_PROF, seconds)


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


def _set_memory_limit(soft: int) -> None:
    """Per-call ``RLIMIT_AS`` soft limit (never above the hard limit set at start-up)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


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
