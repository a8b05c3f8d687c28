"""``doctor()``: which protection layers are active on this machine, and which are not, why.

Truthful by construction: the process-layer entries are not guesses from kernel versions but
what a real worker reported after confining itself (each entry is the outcome of the system
call that establishes it), and the probe then runs hostile code *with the language layer off*
in such a worker and reports whether each attempt was actually refused.
"""

from __future__ import annotations

import platform
import sys
import warnings
from typing import Any

from sandbox.limits import Limits
from sandbox.pool import EXPECTED_LAYERS, WorkerProcess

MIN_RESTRICTEDPYTHON = (8, 4)

_PROBE = r'''
def main(tools):
    import os
    out = {}
    def attempt(name, fn):
        try:
            fn()
            out[name] = "ALLOWED"
        except BaseException as exc:
            out[name] = "blocked (%s)" % type(exc).__name__
    def sock():
        import ctypes
        from sandbox.confine import libc
        if libc().socket(2, 1, 0) < 0:
            raise OSError(ctypes.get_errno(), "socket")
    def read_host_file():
        open("/etc/hostname").read()
    def proc():
        os.listdir("/proc")
    def fork():
        pid = os.fork()
        if pid == 0:
            os._exit(0)
    def thread():
        import threading
        threading.Thread(target=lambda: None).start()
    def exec_():
        os.execv("/bin/true", ["true"])
    attempt("socket", sock)
    attempt("read_host_file", read_host_file)
    attempt("list_proc", proc)
    attempt("fork", fork)
    attempt("thread", thread)
    attempt("exec", exec_)
    out["environment_variables"] = len(os.environ)
    return out
'''


def _restrictedpython_layer() -> dict[str, Any]:
    from importlib import metadata

    try:
        version = metadata.version("RestrictedPython")
    except metadata.PackageNotFoundError:
        return {"active": False, "detail": "RestrictedPython is not installed"}
    parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    if parts < MIN_RESTRICTEDPYTHON:
        return {"active": False, "detail": f"RestrictedPython {version} is older than 8.4 "
                                           "(format-string and generator-frame escapes)"}
    return {"active": True, "detail": f"RestrictedPython {version}, guarded attribute/item "
                                      "access, module facades, safe str.format"}


def doctor(probe: bool = True) -> dict[str, Any]:
    """Report the sandbox layers on this machine as a JSON-able dict.

    ``layers`` maps each layer to ``{"active": bool, "detail": str}``; ``missing`` lists the
    inactive ones; ``probe`` (unless disabled) shows hostile operations tried in a worker
    with the language layer off, each of which must read "blocked".
    """
    layers: dict[str, Any] = {"language": _restrictedpython_layer()}
    worker_error: str | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        worker = WorkerProcess(Limits())
        try:
            reported = worker.wait_ready()
            for name in EXPECTED_LAYERS:
                layers[name] = reported.get(name) or {"active": False,
                                                      "detail": "not reported by the worker"}
        except Exception as exc:
            worker_error = f"{type(exc).__name__}: {exc}"
            for name in EXPECTED_LAYERS:
                layers[name] = {"active": False, "detail": f"worker failed to start: {exc}"}
        finally:
            worker.kill()
    layers["watchdog"] = {"active": worker_error is None,
                          "detail": "host-side wall-clock deadline; SIGKILL and replace"}
    report: dict[str, Any] = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "platform": platform.platform(),
        "layers": layers,
        "missing": sorted(name for name, info in layers.items() if not info.get("active")),
    }
    if worker_error:
        report["worker_error"] = worker_error
    if probe and worker_error is None:
        from sandbox.pool import _one_shot

        result = _one_shot(_PROBE, "main", {}, {}, Limits(), restricted=False)
        report["probe"] = result.value if result.ok else {"error": result.error,
                                                          "message": result.message}
        if result.ok and isinstance(result.value, dict):
            leaks = [k for k, v in result.value.items() if v == "ALLOWED"]
            if result.value.get("environment_variables"):
                leaks.append("environment_variables")
            report["probe_leaks"] = leaks
    report["ok"] = not report["missing"] and not report.get("probe_leaks")
    return report
