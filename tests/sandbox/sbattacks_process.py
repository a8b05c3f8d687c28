"""Escape attempts run with the language layer OFF: real builtins, real ``import``.

This is the situation after a hypothetical complete RestrictedPython bypass. The process
layer alone (unprivileged uid, namespaces, chroot, capabilities dropped, rlimits,
no_new_privs, seccomp) must still stop every one of them. Same signature and same
side-effect judging as :mod:`sbattacks_language`. Modules that were not imported before the
worker confined itself cannot be imported at all (there is no file system left); the
attacks therefore use what is already loaded (``os``, ``ctypes`` through the sandbox's own
``confine.libc``, ``signal``, ``resource``, ``subprocess``...) and raw system calls.
"""

from __future__ import annotations

LIBC = "from sandbox.confine import libc\nc = libc()\n"

PROCESS_ATTACKS: list[tuple[str, str, str]] = [
    ("read-secret", "files", "return open(secret_path).read()"),
    ("read-etc-passwd", "files", "return open('/etc/passwd').read()"),
    ("read-proc-parent-environ", "env",
     "import os\nreturn open('/proc/%d/environ' % os.getppid()).read()"),
    ("read-proc-self-environ", "env", "return open('/proc/self/environ').read()"),
    ("os-environ", "env", "import os\nreturn os.environ.get(canary_name) or dict(os.environ)"),
    ("walk-root", "files",
     "import os\nreturn [os.path.join(d, f) for d, _, fs in os.walk('/') for f in fs]"),
    ("write-marker", "files", "open(marker_dir + '/pwned', 'w').write('x')"),
    ("write-tmp", "files", "open('/tmp/pwned-by-sandbox', 'w').write('x')"),
    ("symlink-escape", "files",
     "import os\nos.symlink(secret_path, 'link')\nreturn open('link').read()"),
    ("hardlink-escape", "files",
     "import os\nos.link(secret_path, 'link')\nreturn open('link').read()"),
    ("chroot-breakout", "files",
     "import os\nos.mkdir('jail')\nos.chroot('jail')\n"
     "for _ in range(20):\n    os.chdir('..')\nos.chroot('.')\n"
     "return open(secret_path).read()"),
    ("fchdir-inherited-fd", "files",
     "import os\nout = []\nfor fd in range(3, 64):\n    try:\n"
     "        os.fchdir(fd)\n        out.append(open(secret_path).read())\n"
     "    except OSError:\n        pass\nreturn out"),
    ("inherited-fds", "files",
     "import os\nout = []\nfor fd in range(0, 256):\n    try:\n"
     "        out.append(os.pread(fd, 4096, 0).decode('latin-1'))\n    except OSError:\n"
     "        pass\nreturn out"),
    ("mount-proc", "files",
     LIBC + "import os\nos.mkdir('proc')\n"
     "c.mount(b'proc', b'proc', b'proc', 0, None)\n"
     "return open('proc/%d/environ' % os.getppid()).read()"),
    ("unshare-again", "files",
     LIBC + "if c.unshare(0x10000000 | 0x00020000) != 0:\n    return 'refused'\n"
     "return open(secret_path).read()"),
    ("setuid-root", "privilege", "import os\nos.setuid(0)\nreturn open(secret_path).read()"),
    ("os-system", "process", "import os\nos.system('touch ' + marker_dir + '/pwned')"),
    ("subprocess-run", "process",
     "import subprocess\nsubprocess.run(['/bin/touch', marker_dir + '/pwned'])"),
    ("os-fork", "process",
     "import os\npid = os.fork()\nif pid == 0:\n"
     "    open(marker_dir + '/pwned', 'w').write('x')\n    os._exit(0)"),
    ("fork-bomb", "process",
     "import os\nwhile True:\n    os.fork()"),
    ("posix-spawn", "process",
     "import os\nos.posix_spawn('/bin/touch', ['touch', marker_dir + '/pwned'], {})"),
    ("execv", "process",
     "import os\nos.execv('/bin/sh', ['sh', '-c', 'touch ' + marker_dir + '/pwned'])"),
    ("libc-system", "process",
     LIBC + "c.system(('touch ' + marker_dir + '/pwned').encode())"),
    ("raw-clone", "process",
     LIBC + "if c.syscall(56, 17, 0, 0, 0, 0) == 0:\n"
     "    open(marker_dir + '/pwned', 'w').write('x')\n    c._exit(0)"),
    ("pickle-reduce", "process",
     "import pickle\npickle.loads(b\"cos\\nsystem\\n(S'touch \" + marker_dir.encode() "
     "+ b\"/pwned'\\ntR.\")"),
    ("multiprocessing-process", "process",
     "import multiprocessing\n"
     "p = multiprocessing.Process(target=open, args=(marker_dir + '/pwned', 'w'))\n"
     "p.start()\np.join()"),
    ("pty-spawn", "process", "import pty\npty.spawn(['/bin/touch', marker_dir + '/pwned'])"),
    ("thread-outlives-call", "process",
     "import threading, time\n"
     "def later():\n    time.sleep(0.3)\n    tools.lookup(key='after-return')\n"
     "threading.Thread(target=later).start()\nreturn 'started'"),
    ("atexit-tool-call", "process",
     "import atexit\natexit.register(lambda: tools.lookup(key='after-return'))\nreturn 1"),
    ("kill-victim", "signals", "import os, signal\nos.kill(victim_pid, signal.SIGKILL)"),
    ("kill-everyone", "signals", "import os, signal\nos.kill(-1, signal.SIGKILL)"),
    ("kill-parent", "signals", "import os, signal\nos.kill(os.getppid(), 0)\nreturn 'ok'"),
    ("ptrace-attach", "signals",
     LIBC + "if c.ptrace(16, victim_pid, 0, 0) == 0:\n"
     "    open(marker_dir + '/pwned', 'w').write('x')"),
    ("process-vm-readv", "signals",
     LIBC + "import ctypes\nbuf = ctypes.create_string_buffer(64)\n"
     "local = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 64)\n"
     "remote = (ctypes.c_void_p * 2)(0x400000, 64)\n"
     "n = c.syscall(310, victim_pid, local, 1, remote, 1, 0)\n"
     "if n > 0:\n    open(marker_dir + '/pwned', 'w').write('x')"),
    ("tcp-connect", "network",
     LIBC + "import ctypes, struct\ns = c.socket(2, 1, 0)\n"
     "addr = struct.pack('=H', 2) + struct.pack('!H4s8x', port, bytes([127, 0, 0, 1]))\n"
     "if s >= 0 and c.connect(s, addr, 16) == 0:\n    c.send(s, b'pwned', 5, 0)\n"
     "return s"),
    ("unix-connect", "network",
     LIBC + "import struct\ns = c.socket(1, 1, 0)\n"
     "addr = struct.pack('H108s', 1, unix_path.encode())\n"
     "if s >= 0 and c.connect(s, addr, len(addr)) == 0:\n    c.send(s, b'pwned', 5, 0)\n"
     "return s"),
    ("raw-socket-syscall", "network",
     LIBC + "s = c.syscall(41, 2, 1, 0)\nreturn s"),
    ("io-uring-setup", "kernel", LIBC + "import ctypes\np = ctypes.create_string_buffer(120)\n"
     "fd = c.syscall(425, 8, p)\nif fd >= 0:\n    open(marker_dir + '/pwned', 'w')"),
    ("forge-undeclared-tool", "rpc",
     "import os, orjson\nfor fd in range(3, 16):\n    try:\n"
     "        p = orjson.dumps({'op': 'tool', 'name': 'admin', 'arguments': {}})\n"
     "        os.write(fd, len(p).to_bytes(4, 'big') + p)\n    except OSError:\n"
     "        pass\nreturn 1"),
    ("forge-huge-frame", "rpc",
     "import os\nfor fd in range(3, 16):\n    try:\n"
     "        os.write(fd, (2 ** 31).to_bytes(4, 'big') + b'{')\n    except OSError:\n"
     "        pass\nimport time\ntime.sleep(10)"),
    ("forge-garbage-frame", "rpc",
     "import os\nfor fd in range(3, 16):\n    try:\n"
     "        os.write(fd, (5).to_bytes(4, 'big') + b'\\xff\\xfe\\x00[[')\n"
     "    except OSError:\n        pass\nimport time\ntime.sleep(10)"),
    ("forge-tool-flood", "rpc",
     "import os, orjson\np = orjson.dumps({'op': 'tool', 'name': 'lookup', "
     "'arguments': {'key': 'flood'}})\nframe = len(p).to_bytes(4, 'big') + p\n"
     "for fd in range(3, 16):\n    try:\n        for _ in range(5000):\n"
     "            os.write(fd, frame)\n    except OSError:\n        pass\n"
     "import time\ntime.sleep(10)"),
]
