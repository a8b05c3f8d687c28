"""Host side: worker processes, the per-call watchdog, the tools endpoint, and the warm pool.

The host never trusts a worker: every frame is size-checked and parsed as JSON only, tool
names are checked against the tools the caller passed, argument sizes and call counts are
bounded, and the wall-clock deadline is enforced here (a worker that overruns is killed with
SIGKILL and replaced). A worker is recycled after any limit violation, after a policy
violation, after a crash, and after ``max_calls_per_worker`` calls.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson

from sandbox.limits import ERROR_CLASSES, Limits, Result, one_line
from sandbox.protocol import (
    ChannelClosed,
    DeadlineExceeded,
    FrameTooLarge,
    HostChannel,
    ProtocolError,
)

log = logging.getLogger("sandbox")

# The worker runs ``python -I -S``: isolated mode (no PYTHON* variables, no user site, no
# script directory on sys.path) and no ``site`` (no .pth files, no sitecustomize: nothing
# of the host's environment runs in the worker, and start-up is ~50 ms faster). sys.path is
# exactly: this package's parent, then wherever RestrictedPython and orjson are installed.
_BOOT = ("import json, sys; sys.path[:0] = json.loads(sys.argv[1]); "
         "from sandbox._worker import main; main()")


def _worker_path() -> str:
    paths = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
    for dependency in ("RestrictedPython", "orjson"):
        spec = importlib.util.find_spec(dependency)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{dependency} is not installed: the sandbox worker needs it")
        location = os.path.dirname(os.path.dirname(os.path.abspath(spec.origin)))
        if location not in paths:
            paths.append(location)
    return json.dumps(paths)


_WORKER_PATH = _worker_path()
_STARTUP_SECONDS = 20.0
_EXIT_MEMORY = 71  # sandbox._worker.EXIT_MEMORY (not imported: the worker module is heavy)
_RECYCLE_ERRORS = frozenset({"Timeout", "MemoryLimit", "OutputLimit", "CrashedWorker",
                             "PolicyViolation"})
#: Layers every worker should report active; a missing one is warned about (once).
EXPECTED_LAYERS = ("unprivileged_uid", "user_namespace", "network_namespace", "filesystem",
                   "capabilities", "rlimits", "no_new_privs", "landlock", "seccomp")


class SandboxWarning(RuntimeWarning):
    """A protection layer is not available on this machine (see ``sandbox.doctor()``)."""


class SandboxUnavailable(RuntimeError):
    """A layer the caller required (``Sandbox(require=...)``) is not active here."""


_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_missing(layers: Mapping[str, Any]) -> None:
    for name in EXPECTED_LAYERS:
        info = layers.get(name) or {"active": False, "detail": "not reported by the worker"}
        if info.get("active"):
            continue
        with _warned_lock:
            if name in _warned:
                continue
            _warned.add(name)
        text = f"sandbox layer {name!r} is NOT active: {info.get('detail')}"
        log.warning(text)
        warnings.warn(text, SandboxWarning, stacklevel=4)


def _all_alive() -> set[int]:
    return {w.pid for w in list(_LIVE_WORKERS) if w.proc.poll() is None}


_LIVE_WORKERS: weakref.WeakSet[WorkerProcess] = weakref.WeakSet()


def live_worker_pids() -> set[int]:
    """PIDs of worker processes started by this host that are still running."""
    return _all_alive()


class WorkerProcess:
    """One pre-started worker: its process, scratch directory and RPC channel."""

    def __init__(self, limits: Limits, *, max_calls: int = 10_000, isolate: bool = True,
                 seccomp: bool = True, landlock: bool = True,
                 require: frozenset[str] = frozenset()) -> None:
        self.limits = limits
        self.require = require
        self.max_calls = max_calls
        self.calls = 0
        self.last_ran = True
        self.cpu_used = 0.0
        #: RLIMIT_CPU hard limit of the process (it cannot be raised later): the worker is
        #: replaced before a call could run into it.
        self.cpu_lifetime = max(120, int(limits.cpu_seconds * 20))
        self.layers: dict[str, Any] | None = None
        self.dead = False
        #: The limits the worker last received (it applies them until sent others).
        self.limits_sent: Limits | None = None
        #: The ready report was read and every required layer found active.
        self.checked = False
        self.scratch = tempfile.mkdtemp(prefix="sandbox-")
        if os.geteuid() == 0:
            os.chown(self.scratch, 65534, 65534)
            os.chmod(self.scratch, 0o700)
        config = {
            "scratch": self.scratch, "memory_mb": limits.memory_mb,
            "max_file_mb": limits.max_file_mb, "max_open_files": limits.max_open_files,
            "cpu_lifetime_seconds": self.cpu_lifetime, "isolate": isolate,
            "seccomp": seccomp, "landlock": landlock,
            "keep_stderr": bool(os.environ.get("SANDBOX_WORKER_STDERR")),
        }
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _BOOT, _WORKER_PATH,
                 orjson.dumps(config).decode()],
                stdin=to_worker_r, stdout=from_worker_w,
                stderr=None if config["keep_stderr"] else subprocess.DEVNULL,
                env={}, cwd=self.scratch, close_fds=True, start_new_session=True,
            )
        finally:
            os.close(to_worker_r)
            os.close(from_worker_w)
        self.pid = self.proc.pid
        self.channel = HostChannel(from_worker_r, to_worker_w)
        self.started = time.monotonic()
        _LIVE_WORKERS.add(self)
        self._finalizer = weakref.finalize(self, _reap, self.proc, self.channel, self.scratch,
                                           os.getpid())

    def wait_ready(self, timeout: float = _STARTUP_SECONDS) -> dict[str, Any]:
        """Read the worker's ready report (layers it managed to activate)."""
        if self.layers is None:
            message = self.channel.receive(time.monotonic() + timeout, 1 << 20)
            if message.get("op") != "ready" or not isinstance(message.get("layers"), dict):
                raise ProtocolError("worker did not report ready")
            self.layers = message["layers"]
            _warn_missing(self.layers)
        missing = sorted(name for name in self.require
                         if not (self.layers.get(name) or {}).get("active"))
        if missing:
            details = "; ".join(f"{name}: {(self.layers.get(name) or {}).get('detail')}"
                                for name in missing)
            raise SandboxUnavailable(f"required sandbox layers are not active: {details}")
        # The layers never change once reported and ``require`` is fixed: one pass is final.
        self.checked = True
        return self.layers

    def kill(self) -> None:
        """Kill the process, close the pipes, remove the scratch directory."""
        self.dead = True
        self._finalizer()

    def exit_signal(self, wait: float = 2.0) -> int | None:
        """The signal that ended the process (after EOF), or None."""
        try:
            code = self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None
        return -code if code < 0 else None

    def run(self, source: str, entry: str, kwargs: Mapping[str, Any],
            tools: Mapping[str, Callable[..., Any]], limits: Limits,
            restricted: bool = True) -> Result:
        """Run one call on this worker (the caller owns the worker exclusively)."""
        if not self.checked:
            self.wait_ready()  # failures here propagate: the caller reports CrashedWorker
        self.last_ran = True
        calls: list[dict[str, Any]] = []
        deadline = time.monotonic() + limits.wall_seconds
        try:
            request = {"op": "call", "source": source, "entry": entry, "kwargs": dict(kwargs),
                       "restricted": restricted}
            # The worker keeps the limits of its previous call: send them only when they
            # change (Limits is frozen, so the same object means the same values).
            if limits is not self.limits_sent:
                request["limits"] = limits.to_json()
            try:
                self.channel.send(request, deadline)
            except TypeError as exc:
                return Result(False, error="Error",
                              message=f"TypeError: kwargs must be JSON values: {exc}")
            self.limits_sent = limits
            max_frame = limits.max_return_bytes + limits.max_stdout_bytes * 4 + 65536
            max_frame = max(max_frame, limits.max_tool_arg_bytes + 65536)
            while True:
                message = self.channel.receive(deadline, max_frame)
                op = message.get("op")
                if op == "tool":
                    if len(calls) >= limits.max_tool_calls:
                        self.kill()
                        return Result(False, error="OutputLimit", tool_calls=calls,
                                      message=f"more than {limits.max_tool_calls} tool calls")
                    paused = time.monotonic()
                    reply = self._tool(message, tools, limits, calls)
                    deadline += time.monotonic() - paused  # host tool time is not charged
                    self.channel.send_payload(reply, deadline)
                elif op == "done":
                    return self._finish(message, limits, calls)
                else:
                    raise ProtocolError(f"unexpected frame {str(op)[:40]!r} from worker")
        except DeadlineExceeded:
            self.kill()
            return Result(False, error="Timeout", tool_calls=calls,
                          message=f"wall-clock limit of {limits.wall_seconds} s exceeded")
        except FrameTooLarge as exc:
            self.kill()
            return Result(False, error="OutputLimit", message=str(exc), tool_calls=calls)
        except ProtocolError as exc:
            # A closed channel means the process is exiting: learn how. Garbage on an open
            # channel means a hostile worker: kill it without waiting.
            sig = self.exit_signal() if isinstance(exc, ChannelClosed) else None
            self.kill()
            return self._died(sig, exc, limits, calls)

    def _tool(self, message: dict[str, Any], tools: Mapping[str, Callable[..., Any]],
              limits: Limits, calls: list[dict[str, Any]]) -> bytes:
        """Check, run and record one tool call; the encoded reply for the worker."""
        name = message.get("name")
        arguments = message.get("arguments")
        record: dict[str, Any] = {"name": name if isinstance(name, str) else repr(name)[:100],
                                  "arguments": arguments if isinstance(arguments, dict) else {},
                                  "result": None, "error": None}
        calls.append(record)
        if not isinstance(name, str) or not isinstance(arguments, dict):
            record["error"] = "malformed tool call"
        elif name not in tools or name.startswith("_"):
            record["error"] = f"undeclared tool {name!r}"
        elif self.channel.last_size > limits.max_tool_arg_bytes + 1024:
            record["arguments"] = {}
            record["error"] = f"arguments exceed {limits.max_tool_arg_bytes} bytes"
        else:
            try:
                result = tools[name](**arguments)
                reply = orjson.dumps({"ok": True, "result": result})
            except Exception as exc:
                record["error"] = one_line(f"{type(exc).__name__}: {exc}",
                                           limits.max_message_chars)
            else:
                if len(reply) <= limits.max_tool_result_bytes:
                    record["result"] = result
                    return reply
                record["error"] = (f"result of tool {name!r} ({len(reply)} bytes) exceeds "
                                   f"{limits.max_tool_result_bytes} bytes")
        return orjson.dumps({"ok": False, "error": record["error"]})

    def _finish(self, message: dict[str, Any], limits: Limits,
                calls: list[dict[str, Any]]) -> Result:
        self.calls += 1
        self.last_ran = message.get("ran") is not False
        cpu = message.get("cpu")
        if isinstance(cpu, int | float):
            self.cpu_used = float(cpu)
        stdout = message.get("stdout")
        stdout = stdout[: limits.max_stdout_bytes + 40] if isinstance(stdout, str) else ""
        if message.get("ok") is True:
            return Result(True, value=message.get("value"), stdout=stdout, tool_calls=calls)
        error = message.get("error")
        if error not in ERROR_CLASSES:
            error = "Error"
        text = message.get("message")
        text = one_line(text if isinstance(text, str) else "", limits.max_message_chars)
        return Result(False, error=error, message=text, stdout=stdout, tool_calls=calls)

    def _died(self, sig: int | None, exc: Exception, limits: Limits,
              calls: list[dict[str, Any]]) -> Result:
        if not isinstance(exc, ChannelClosed):
            return Result(False, error="CrashedWorker", tool_calls=calls,
                          message=f"the worker broke the protocol and was killed ({exc})")
        if sig in (signal.SIGPROF, signal.SIGXCPU):
            return Result(False, error="Timeout", tool_calls=calls,
                          message=f"CPU limit of {limits.cpu_seconds} s exceeded")
        if sig is None and self.proc.returncode == _EXIT_MEMORY:
            return Result(False, error="MemoryLimit", tool_calls=calls,
                          message=f"memory limit of {limits.memory_mb} MB")
        what = f"signal {signal.Signals(sig).name}" if sig else str(exc)
        return Result(False, error="CrashedWorker", tool_calls=calls,
                      message=f"the worker process died ({what})")

    def needs_recycle(self, result: Result | None) -> bool:
        if self.dead or result is None:
            return True
        if result.error is not None and self.proc.poll() is not None:
            return True  # (a worker that just answered normally is alive: no waitpid)
        if result.error in _RECYCLE_ERRORS and self.last_ran:
            # A policy refusal at compile time ran nothing: the worker is as new.
            return True
        if self.calls >= self.max_calls:
            return True
        return self.cpu_used + self.limits.cpu_seconds + 2 >= self.cpu_lifetime


def _reap(proc: subprocess.Popen[bytes], channel: HostChannel, scratch: str,
          owner: int) -> None:
    if os.getpid() != owner:
        # A forked child of the host exits: the worker belongs to the parent, leave it be.
        return
    with contextlib.suppress(OSError):
        proc.kill()
    channel.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    shutil.rmtree(scratch, ignore_errors=True)


class Sandbox:
    """A warm pool of confined workers; thread-safe; use as a context manager.

    ``box.run(...)`` takes an idle worker (waiting if all are busy), runs the call, and puts
    the worker back, or replaces it when it must be recycled. Calls whose limits need more
    memory or CPU than the pool's workers were started with, and calls with the language
    layer disabled (a test-only switch), run on a one-shot worker that is discarded after.
    """

    def __init__(self, workers: int = 4, limits: Limits | None = None,
                 max_calls_per_worker: int = 10_000,
                 require: Iterable[str] = ()) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        #: Layers that must be active (e.g. ``("seccomp", "filesystem")``): without them the
        #: pool refuses to run anything (SandboxUnavailable) instead of only warning.
        self.require = frozenset(require)
        unknown = self.require - set(EXPECTED_LAYERS)
        if unknown:
            raise ValueError(f"unknown layers {sorted(unknown)}; known: {EXPECTED_LAYERS}")
        self.size = workers
        self.limits = limits or Limits()
        self.max_calls_per_worker = max_calls_per_worker
        self._idle: list[WorkerProcess] = []
        self._cond = threading.Condition()
        self._all: set[WorkerProcess] = set()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self._owner = os.getpid()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _spawn(self, limits: Limits | None = None) -> WorkerProcess:
        return WorkerProcess(limits or self.limits, max_calls=self.max_calls_per_worker,
                             require=self.require)

    def start(self) -> None:
        """Start all workers in parallel and wait until each has confined itself."""
        with self._lock:
            if self._closed:
                raise RuntimeError("this Sandbox is closed")
            if self._started:
                return
            self._started = True
            fresh = [self._spawn() for _ in range(self.size)]
            self._all.update(fresh)
        for worker in fresh:
            try:
                worker.wait_ready()
            except (ProtocolError, DeadlineExceeded):
                worker.kill()
            except SandboxUnavailable:
                self.close()
                raise
        for worker in fresh:
            self._release(worker if not worker.dead else self._replace(worker))

    def _acquire(self) -> WorkerProcess:
        """Take an idle worker, preferring one that has finished starting up.

        A replacement worker needs ~0.1-0.2 s to start; taking a ready one instead keeps
        that cost off the call path whenever the pool has more than one worker.
        """
        with self._cond:
            while not self._idle:
                if self._closed:
                    raise RuntimeError("this Sandbox is closed")
                self._cond.wait(0.5)
            for index in range(len(self._idle) - 1, -1, -1):
                if self._idle[index].layers is not None:
                    return self._idle.pop(index)
            return self._idle.pop()

    def _release(self, worker: WorkerProcess) -> None:
        with self._cond:
            self._idle.append(worker)
            self._cond.notify()

    def _replace(self, worker: WorkerProcess) -> WorkerProcess:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            if self._closed:
                raise RuntimeError("this Sandbox is closed")
            fresh = self._spawn()
            self._all.add(fresh)
        return fresh

    def layers(self) -> dict[str, Any]:
        """The layer report of one live worker (starts the pool if needed)."""
        self.start()
        worker = self._acquire()
        try:
            return dict(worker.wait_ready())
        finally:
            self._release(worker)

    def run(self, source: str, entry: str = "main", kwargs: Mapping[str, Any] | None = None,
            tools: Mapping[str, Callable[..., Any]] | None = None,
            limits: Limits | None = None, *, _language_layer: bool = True) -> Result:
        """Run ``entry(tools, **kwargs)`` from ``source`` in a confined worker."""
        if os.getpid() != self._owner:
            raise RuntimeError("this Sandbox belongs to the parent process (it was created "
                               "before a fork): create a new Sandbox in the child")
        limits = limits or self.limits
        kwargs = kwargs or {}
        tools = tools or {}
        if (not _language_layer or limits.memory_mb > self.limits.memory_mb
                or limits.max_file_mb != self.limits.max_file_mb
                or limits.max_open_files != self.limits.max_open_files
                or limits.cpu_seconds > max(self.limits.cpu_seconds, 30)):
            # Hard limits of pooled workers are fixed at start-up: this call needs its own.
            return _one_shot(source, entry, kwargs, tools, limits, _language_layer,
                             self.require)
        self.start()
        worker = self._acquire()
        if (worker.proc.poll() is not None  # died while idle (killed from outside, OOM)
                or worker.cpu_used + limits.cpu_seconds + 2 >= worker.cpu_lifetime):
            worker = self._replace(worker)
        result: Result | None = None
        try:
            try:
                result = worker.run(source, entry, kwargs, tools, limits)
            except (ProtocolError, DeadlineExceeded) as exc:  # died while starting
                worker.kill()
                result = Result(False, error="CrashedWorker",
                                message=f"worker failed to start: {exc}")
            return result
        finally:
            if worker.needs_recycle(result):
                try:
                    worker = self._replace(worker)
                except RuntimeError:
                    worker = None  # type: ignore[assignment]
            if worker is not None:
                self._release(worker)

    def close(self) -> None:
        """Kill every worker and remove their scratch directories."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        with self._cond:
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            worker.kill()


def _one_shot(source: str, entry: str, kwargs: Mapping[str, Any],
              tools: Mapping[str, Callable[..., Any]], limits: Limits,
              restricted: bool, require: frozenset[str] = frozenset()) -> Result:
    worker = WorkerProcess(limits, require=require)
    try:
        try:
            return worker.run(source, entry, kwargs, tools, limits, restricted=restricted)
        except (ProtocolError, DeadlineExceeded) as exc:
            return Result(False, error="CrashedWorker", message=f"worker failed to start: {exc}")
    finally:
        worker.kill()
