"""Process layer, worker side: confine the worker *before* it reads any untrusted code.

Called once by the worker after it has imported and warmed everything it will ever need
(after the chroot there is no file system to import from). Each step is a separate barrier
and each reports honestly whether it took effect; the host turns missing steps into loud
warnings and ``doctor()`` output. Steps, in order:

1. close every inherited descriptor except the RPC pipes and /dev/null on 0-2;
2. leave root: a worker started by root switches to ``nobody`` (so host files owned by
   root are out of reach even if every other layer failed);
3. new user, network, IPC, UTS and mount namespaces: no network at all (not even loopback
   to the host's 127.0.0.1), and capabilities that only mean something inside;
4. ``chroot`` into the private, empty scratch directory: the host file system, ``/proc``
   (other processes' environments) and ``/dev`` disappear; then all capabilities dropped;
5. rlimits: address space, CPU seconds, file size, processes (0), open files, core dumps;
6. ``PR_SET_DUMPABLE=0`` and ``PR_SET_NO_NEW_PRIVS=1``; then the seccomp filter
   (:mod:`sandbox.seccomp`) which forbids sockets, exec, fork/clone, ptrace, mount, ...
"""

from __future__ import annotations

import ctypes
import os
import resource
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000

PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
SYS_CAPSET = 126  # x86_64
LINUX_CAPABILITY_VERSION_3 = 0x20080522
NOBODY = 65534
#: Address space granted above the start-up baseline besides the skill's ``memory_mb``:
#: room for the interpreter's own bookkeeping (compiled-code cache, frames, buffers).
MEMORY_SLACK = 64 * 1024 * 1024
#: The same slack for one call's soft limit: small, so ``memory_mb`` means what it says.
CALL_MEMORY_SLACK = 16 * 1024 * 1024

_libc: Any = None


def libc() -> Any:
    """The C library, loaded once, with errno capture (ctypes needs no extra dependency)."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL("libc.so.6", use_errno=True)
        except OSError:
            from ctypes.util import find_library  # slow (runs ldconfig): fallback only

            _libc = ctypes.CDLL(find_library("c") or None, use_errno=True)
    return _libc


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def close_inherited_fds(keep: set[int]) -> int:
    """Close every descriptor not in ``keep``; returns how many were closed."""
    closed = 0
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd in keep:
            continue
        try:
            os.close(fd)
            closed += 1
        except OSError:
            pass
    return closed


def _userns_allowed_for_unprivileged() -> bool:
    """Best guess, before dropping root, whether ``nobody`` may create a user namespace."""
    checks = {
        "/proc/sys/user/max_user_namespaces": lambda v: int(v) > 0,
        "/proc/sys/kernel/unprivileged_userns_clone": lambda v: int(v) == 1,
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns": lambda v: int(v) == 0,
    }
    for path, ok in checks.items():
        try:
            with open(path) as handle:
                if not ok(handle.read().strip()):
                    return False
        except (OSError, ValueError):
            continue
    return True


def _drop_to_nobody() -> None:
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)


def _drop_capabilities() -> None:
    """Clear effective, permitted and inheritable capability sets (capset, v3 ABI)."""

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    header = Header(LINUX_CAPABILITY_VERSION_3, 0)
    data = (Data * 2)()
    _check(libc().syscall(SYS_CAPSET, ctypes.byref(header), ctypes.byref(data)), "capset")


def _layer(report: dict[str, Any], name: str, active: bool, detail: str) -> None:
    report[name] = {"active": active, "detail": detail}


def isolate(report: dict[str, Any], scratch: str) -> None:
    """Steps 2-4: leave root, enter namespaces, chroot into ``scratch``, drop capabilities."""
    lib = libc()
    was_root = os.geteuid() == 0
    net_flags = CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    userns = False
    netns = False
    if was_root:
        # As real root the network namespace needs no user namespace: take it first, so the
        # network is gone even if the unprivileged user namespace below is refused.
        try:
            _check(lib.unshare(net_flags), "unshare(NEWNET|NEWIPC|NEWUTS)")
            netns = True
        except OSError as exc:
            _layer(report, "network_namespace", False, str(exc))
        can_userns = _userns_allowed_for_unprivileged()
        if not can_userns:
            # No user namespace will follow: chroot while we still can, as root.
            try:
                os.chroot(scratch)
                os.chdir("/")
                _layer(report, "filesystem", True, "chroot into an empty scratch dir (as root)")
            except OSError as exc:
                _layer(report, "filesystem", False, f"chroot failed: {exc}")
        _drop_to_nobody()
        _layer(report, "unprivileged_uid", True, "started as root, switched to nobody (65534)")
        flags = CLONE_NEWUSER | CLONE_NEWNS
    else:
        _layer(report, "unprivileged_uid", True, f"runs as uid {os.geteuid()} (not root)")
        flags = CLONE_NEWUSER | CLONE_NEWNS | net_flags
    try:
        _check(lib.unshare(flags), "unshare(NEWUSER|...)")
        userns = True
        netns = netns or bool(flags & CLONE_NEWNET)
        _layer(report, "user_namespace", True, "new user namespace (capabilities confined)")
    except OSError as exc:
        _layer(report, "user_namespace", False, f"{exc} (kernel or policy refuses)")
    if netns:
        _layer(report, "network_namespace", True, "new network namespace: no interfaces")
    elif "network_namespace" not in report:
        _layer(report, "network_namespace", False, "needs a user namespace or root")
    if "filesystem" not in report:
        if userns:
            try:
                os.chroot(scratch)
                os.chdir("/")
                _layer(report, "filesystem", True, "chroot into an empty private scratch dir")
            except OSError as exc:
                _layer(report, "filesystem", False, f"chroot failed: {exc}")
        else:
            _layer(report, "filesystem", False,
                   "no chroot without a user namespace; host files readable by this uid")
    try:
        _drop_capabilities()
        _layer(report, "capabilities", True, "all capabilities dropped")
    except OSError as exc:
        _layer(report, "capabilities", False, str(exc))


def set_rlimits(report: dict[str, Any], config: dict[str, Any], baseline_bytes: int) -> None:
    """Step 5. Soft == hard everywhere except CPU, whose soft limit moves per call."""
    mb = 1024 * 1024
    address_space = baseline_bytes + int(config["memory_mb"]) * mb + MEMORY_SLACK
    cpu_hard = int(config["cpu_lifetime_seconds"])
    limits = {
        "RLIMIT_AS": (resource.RLIMIT_AS, address_space),
        "RLIMIT_FSIZE": (resource.RLIMIT_FSIZE, int(config["max_file_mb"]) * mb),
        "RLIMIT_NOFILE": (resource.RLIMIT_NOFILE, int(config["max_open_files"])),
        "RLIMIT_NPROC": (resource.RLIMIT_NPROC, 0),
        "RLIMIT_CORE": (resource.RLIMIT_CORE, 0),
        "RLIMIT_MEMLOCK": (resource.RLIMIT_MEMLOCK, 0),
        "RLIMIT_MSGQUEUE": (resource.RLIMIT_MSGQUEUE, 0),
        "RLIMIT_CPU": (resource.RLIMIT_CPU, cpu_hard),
    }
    applied: list[str] = []
    failed: list[str] = []
    for name, (which, value) in limits.items():
        try:
            resource.setrlimit(which, (value, value))
            applied.append(name)
        except (OSError, ValueError) as exc:
            failed.append(f"{name}: {exc}")
    _layer(report, "rlimits", not failed,
           ("set " + ", ".join(applied)) + (("; failed " + "; ".join(failed)) if failed else ""))
    report["rlimits"]["address_space_bytes"] = address_space


def set_no_new_privs(report: dict[str, Any]) -> None:
    """Step 6a: no setuid binaries, no regaining privileges; required for seccomp."""
    lib = libc()
    try:
        _check(lib.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")
        _check(lib.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
        _layer(report, "no_new_privs", True, "PR_SET_NO_NEW_PRIVS and non-dumpable")
    except OSError as exc:
        _layer(report, "no_new_privs", False, str(exc))


def address_space_in_use() -> int:
    """Current virtual size of this process (``/proc/self/statm``), before the chroot."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 512 * 1024 * 1024
