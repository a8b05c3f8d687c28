"""Isolated execution of skills: ``run()``, the warm pool ``Sandbox``, and ``doctor()``.

Layers, each a barrier on its own: the RestrictedPython language policy with curated module
facades (:mod:`sandbox.policy`, :mod:`sandbox.facades`); a confined, pre-started worker
process per call slot (:mod:`sandbox.confine`, :mod:`sandbox.seccomp`); a wall-clock
watchdog and size limits enforced by the host (:mod:`sandbox.pool`); and a tools channel that
only reaches the host callables the caller declared. This package never imports skillforge.

Host-side modules are imported lazily: the worker process imports this package too, and
must not pay for (or carry) the pool, subprocess and doctor machinery.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sandbox.limits import ERROR_CLASSES, Limits, Result

if TYPE_CHECKING:
    from sandbox.doctor import doctor
    from sandbox.pool import Sandbox, SandboxUnavailable, SandboxWarning, live_worker_pids

__all__ = ["ERROR_CLASSES", "Limits", "Result", "Sandbox", "SandboxUnavailable",
           "SandboxWarning", "doctor", "live_worker_pids", "run", "shutdown"]

_LAZY = {"Sandbox": "sandbox.pool", "SandboxWarning": "sandbox.pool",
         "SandboxUnavailable": "sandbox.pool",
         "live_worker_pids": "sandbox.pool", "doctor": "sandbox.doctor"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


_default: Sandbox | None = None
_default_lock = threading.Lock()


def _default_pool() -> Sandbox:
    global _default
    from sandbox.pool import Sandbox

    with _default_lock:
        if _default is None:
            _default = Sandbox(workers=min(4, os.cpu_count() or 1))
        return _default


def run(source: str, entry: str = "main", kwargs: Mapping[str, Any] | None = None,
        tools: Mapping[str, Callable[..., Any]] | None = None,
        limits: Limits | None = None, *, _language_layer: bool = True) -> Result:
    """Run ``entry(tools, **kwargs)`` defined in ``source`` on the shared default pool.

    The pool starts on first use and is closed at interpreter exit (or by :func:`shutdown`).
    ``_language_layer=False`` is for the sandbox's own tests only: it runs the code with
    real builtins on a one-shot worker to prove that the process layer holds on its own.
    """
    return _default_pool().run(source, entry, kwargs, tools, limits,
                               _language_layer=_language_layer)


def shutdown() -> None:
    """Close the shared default pool (a later ``run()`` starts a new one)."""
    global _default
    with _default_lock:
        pool, _default = _default, None
    if pool is not None:
        pool.close()


def _after_fork_in_child() -> None:
    # A forked child must not share the parent's workers (their pipes would interleave).
    global _default
    _default = None


atexit.register(shutdown)
os.register_at_fork(after_in_child=_after_fork_in_child)
