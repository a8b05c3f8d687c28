"""Landlock: an unprivileged file-system (and TCP, and signal) allow-list for the worker.

A second, independent file-system barrier next to the chroot. It matters most where the
chroot is unavailable: unprivileged user namespaces are disabled on some distributions
(Ubuntu 24.04's AppArmor policy, hardened kernels), but Landlock needs no privilege at all.
The worker may read and write beneath its scratch directory and nowhere else; with ABI >= 4
it may neither bind nor connect TCP sockets; with ABI >= 6 it may not signal processes
outside its own domain nor reach abstract Unix sockets.

Raw system calls through ctypes (no dependency). Kernel ABI is probed, and everything the
running kernel cannot enforce is reported as such.
"""

from __future__ import annotations

import ctypes
import os
from typing import Any

SYS_CREATE_RULESET = 444
SYS_ADD_RULE = 445
SYS_RESTRICT_SELF = 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1  # ABI 6

#: What the worker may do beneath its scratch directory.
SCRATCH_ACCESS = (FS_READ_FILE | FS_WRITE_FILE | FS_READ_DIR | FS_REMOVE_DIR | FS_REMOVE_FILE
                  | FS_MAKE_DIR | FS_MAKE_REG | FS_TRUNCATE)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _long(value: int) -> ctypes.c_long:
    """syscall(2) is variadic and reads longs: pass every integer as one."""
    return ctypes.c_long(value)


def _handled_fs(abi: int) -> int:
    handled = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
    if abi >= 2:
        handled |= FS_REFER
    if abi >= 3:
        handled |= FS_TRUNCATE
    if abi >= 5:
        handled |= FS_IOCTL_DEV
    return handled


def abi_version(libc: Any) -> int:
    """The kernel's Landlock ABI version, or a negative errno when unsupported."""
    version = libc.syscall(_long(SYS_CREATE_RULESET), None, _long(0),
                           _long(CREATE_RULESET_VERSION))
    return int(version) if version >= 0 else -ctypes.get_errno()


def restrict(report: dict[str, Any], libc: Any, writable_dir: str) -> None:
    """Confine the calling process to ``writable_dir`` (needs no_new_privs already set)."""
    abi = abi_version(libc)
    if abi < 1:
        report["landlock"] = {"active": False,
                              "detail": f"kernel has no Landlock ({os.strerror(-abi)})"}
        return
    attr = _RulesetAttr(_handled_fs(abi), 0, 0)
    size = 8
    features = ["file system: scratch dir only"]
    if abi >= 4:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP
        size = 16
        features.append("no TCP bind/connect")
    if abi >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        size = 24
        features.append("no signals or abstract sockets outside")
    ruleset = libc.syscall(_long(SYS_CREATE_RULESET), ctypes.byref(attr), _long(size),
                           _long(0))
    if ruleset < 0:
        report["landlock"] = {"active": False, "detail": "landlock_create_ruleset: "
                              + os.strerror(ctypes.get_errno())}
        return
    try:
        directory = os.open(writable_dir, os.O_PATH | os.O_CLOEXEC | os.O_DIRECTORY)
        try:
            rule = _PathBeneathAttr(SCRATCH_ACCESS & attr.handled_access_fs, directory)
            if libc.syscall(_long(SYS_ADD_RULE), _long(ruleset), _long(RULE_PATH_BENEATH),
                            ctypes.byref(rule), _long(0)):
                raise OSError(ctypes.get_errno(), "landlock_add_rule")
        finally:
            os.close(directory)
        if libc.syscall(_long(SYS_RESTRICT_SELF), _long(ruleset), _long(0)):
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    except OSError as exc:
        report["landlock"] = {"active": False,
                              "detail": f"{exc.strerror or exc} (Landlock ABI {abi})"}
        return
    finally:
        os.close(ruleset)
    report["landlock"] = {"active": True, "detail": f"Landlock ABI {abi}: "
                          + ", ".join(features)}
