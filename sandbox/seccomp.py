"""Seccomp filter for the worker, built with libseccomp through ctypes (no extra dependency).

An allow-list, not a deny-list: every system call not named here fails with ``EPERM``, so
that new kernel interfaces (io_uring, new mount APIs...) are refused by default. The list is
what a warm CPython worker needs to compute, allocate, talk over its two pipes and use its
(chrooted, empty) scratch directory. Notably absent: ``socket``/``connect`` and every other
network call, ``execve``/``execveat``, ``fork``/``vfork``/``clone``/``clone3`` (no processes
and no threads: nothing can outlive a call), ``ptrace``, ``process_vm_*``, ``mount`` and
friends, ``chroot``, ``unshare``/``setns``, ``bpf``, ``perf_event_open``, ``userfaultfd``,
``keyctl``, ``prctl``, setuid-family calls. ``kill``/``tkill``/``tgkill`` are allowed only
towards the worker itself, ``ioctl`` only for a few terminal queries, and ``prlimit64`` only
to read limits or to move the worker's own CPU and address-space soft limits (never above
the hard limits fixed at start-up; the host-side watchdog covers the rest).
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
from typing import Any

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_EQ = 4


def SCMP_ACT_ERRNO(code: int) -> int:
    return 0x00050000 | (code & 0x0000FFFF)


ALLOWED_SYSCALLS = (
    # memory
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
    # file descriptors and (chrooted) files
    "read", "write", "readv", "writev", "pread64", "pwrite64", "close", "close_range",
    "lseek", "fstat", "newfstatat", "statx", "stat", "lstat", "fcntl", "dup", "dup2",
    "dup3", "pipe", "pipe2", "openat", "open", "getdents64", "getcwd", "readlink",
    "readlinkat", "access", "faccessat", "faccessat2", "mkdir", "mkdirat", "unlink",
    "unlinkat", "rename", "renameat", "renameat2", "rmdir", "ftruncate", "fsync",
    "fdatasync", "umask", "fchmod", "utimensat", "poll", "ppoll", "select", "pselect6",
    # signals and timers (the per-call CPU limit is a profiling timer)
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "setitimer",
    "getitimer", "restart_syscall",
    # time, identity, randomness, scheduling
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
    "time", "times", "getrusage", "getrandom", "getpid", "gettid", "getppid", "getuid",
    "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "getpgrp",
    "getsid", "uname", "sched_yield", "sched_getaffinity", "futex", "rseq",
    "set_robust_list", "arch_prctl",
    # leaving
    "exit", "exit_group",
)

#: ioctl requests CPython may issue on its standard descriptors (isatty, non-blocking).
# TCGETS, FIONBIO, FIOCLEX, FIONCLEX, FIONREAD
_IOCTL_ALLOWED = (0x5401, 0x5421, 0x5451, 0x5450, 0x541B)


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


_lib: Any = None


def _load_libseccomp() -> Any:
    """Load libseccomp once; must happen before the chroot hides the library."""
    global _lib
    if _lib is not None:
        return _lib
    try:
        lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    except OSError:
        from ctypes.util import find_library  # slow (runs ldconfig): fallback only

        name = find_library("seccomp")
        if name is None:
            raise
        lib = ctypes.CDLL(name, use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.restype = ctypes.c_int
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.restype = ctypes.c_int
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                           ctypes.c_uint, ctypes.POINTER(_ArgCmp)]
    lib.seccomp_load.restype = ctypes.c_int
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.restype = None
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    _lib = lib
    return lib


def preload() -> tuple[bool, str]:
    """Load libseccomp now (before the chroot); say whether it is available.

    The kernel side is checked by actually installing the filter.
    """
    try:
        _load_libseccomp()
    except OSError as exc:
        return False, f"libseccomp.so.2 not loadable: {exc}"
    return True, "libseccomp.so.2"


def install(report: dict[str, Any]) -> None:
    """Install the allow-list filter on the calling (single-threaded) process."""
    try:
        lib = _load_libseccomp()
    except OSError as exc:
        report["seccomp"] = {"active": False, "detail": f"libseccomp not loadable: {exc}"}
        return
    ctx = lib.seccomp_init(SCMP_ACT_ERRNO(errno.EPERM))
    if not ctx:
        report["seccomp"] = {"active": False, "detail": "seccomp_init failed"}
        return
    pid = os.getpid()
    skipped: list[str] = []

    def rule(name: str, *conds: tuple[int, int]) -> None:
        nr = lib.seccomp_syscall_resolve_name(name.encode())
        if nr < 0:
            skipped.append(name)  # unknown on this architecture: stays forbidden
            return
        array = (_ArgCmp * max(1, len(conds)))(
            *[_ArgCmp(arg, SCMP_CMP_EQ, value, 0) for arg, value in conds]
        )
        rc = lib.seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, len(conds), array)
        if rc != 0:
            raise OSError(-rc, f"seccomp_rule_add({name}): {os.strerror(-rc)}")

    try:
        for name in ALLOWED_SYSCALLS:
            rule(name)
        rule("kill", (0, pid))
        rule("tkill", (0, pid))
        rule("tgkill", (0, pid))
        for request in _IOCTL_ALLOWED:
            rule("ioctl", (1, request))
        rule("prlimit64", (0, 0), (2, 0))  # read any of our own limits
        for which in (resource.RLIMIT_CPU, resource.RLIMIT_AS):  # per-call soft limits
            rule("prlimit64", (0, 0), (1, which))
            rule("setrlimit", (0, which))
        rc = lib.seccomp_load(ctx)
        if rc != 0:
            raise OSError(-rc, f"seccomp_load: {os.strerror(-rc)}")
    except OSError as exc:
        report["seccomp"] = {"active": False, "detail": str(exc)}
        return
    finally:
        lib.seccomp_release(ctx)
    report["seccomp"] = {
        "active": True,
        "detail": f"allow-list of {len(ALLOWED_SYSCALLS)} system calls, everything else EPERM",
    }
