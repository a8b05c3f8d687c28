"""The "host world" an escape attempt aims at, and the side-effect checks that judge it.

The world deliberately makes every target reachable by permissions alone: the secret file
is world-readable in a world-traversable directory, the marker directory is
world-writable, the TCP and Unix listeners accept anyone, and the canary is an ordinary
environment variable of the host. Only the sandbox stands between the skill and them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox import Result


@dataclass
class World:
    root: str
    secret: str
    secret_path: str
    marker_dir: str
    canary_name: str
    canary_value: str
    port: int
    unix_path: str
    victim: subprocess.Popen[bytes]
    accepted: list[str] = field(default_factory=list)
    admin_calls: list[dict[str, Any]] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)
    exfiltrated: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _servers: list[socket.socket] = field(default_factory=list)

    def kwargs(self) -> dict[str, Any]:
        return {"secret_path": self.secret_path, "marker_dir": self.marker_dir,
                "port": self.port, "unix_path": self.unix_path,
                "victim_pid": self.victim.pid, "canary_name": self.canary_name}

    def tools(self) -> dict[str, Callable[..., Any]]:
        """Declared tools. ``admin`` is deliberately *not* declared, but it is reachable
        from the declared ``lookup`` through its closure, on the host."""
        admin_calls = self.admin_calls

        def admin(**arguments: Any) -> str:
            admin_calls.append(arguments)
            return "granted"

        def lookup(key: str) -> str:
            if key == "__admin__":
                return admin()
            self.lookups.append(key)
            return json.dumps({"key": key})

        def exfil(data: Any) -> str:
            self.exfiltrated.append(str(data))
            return "ok"

        return {"lookup": lookup, "exfil": exfil}

    def reset(self) -> None:
        self.accepted.clear()
        self.admin_calls.clear()
        self.lookups.clear()
        self.exfiltrated.clear()
        for name in os.listdir(self.marker_dir):
            os.unlink(os.path.join(self.marker_dir, name))

    def breaches(self, result: Result | None) -> list[str]:
        """Every observable side effect of an escape; empty means the attempt was held."""
        found: list[str] = []
        texts = list(self.exfiltrated)
        if result is not None:
            texts += [repr(result.value), result.stdout, result.message,
                      repr(result.tool_calls)]
        blob = "\n".join(texts)
        if self.secret in blob:
            found.append("secret file content left the sandbox")
        if self.canary_value in blob:
            found.append("host environment variable left the sandbox")
        if os.listdir(self.marker_dir):
            found.append(f"marker written: {os.listdir(self.marker_dir)}")
        if os.path.exists("/tmp/pwned-by-sandbox"):
            os.unlink("/tmp/pwned-by-sandbox")
            found.append("file written to the host's /tmp")
        if self.accepted:
            found.append(f"connection accepted by the test's listener: {self.accepted}")
        if self.admin_calls:
            found.append("undeclared host tool was called")
        if "after-return" in self.lookups:
            found.append("a tool was called after the skill returned")
        if self.victim.poll() is not None:
            found.append("victim process was killed")
        return found

    def close(self) -> None:
        self._stop.set()
        for server in self._servers:
            server.close()
        self.victim.kill()
        self.victim.wait()
        os.environ.pop(self.canary_name, None)
        shutil.rmtree(self.root, ignore_errors=True)


def _serve(server: socket.socket, label: str, world: World) -> None:
    server.settimeout(0.2)
    while not world._stop.is_set():
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        except OSError:
            return
        world.accepted.append(label)
        conn.close()


def make_world() -> World:
    root = tempfile.mkdtemp(prefix="sandbox-world-")
    os.chmod(root, 0o755)
    secret = "TOPSECRET-" + secrets.token_hex(16)
    secret_path = os.path.join(root, "secret.txt")
    with open(secret_path, "w") as handle:
        handle.write(secret)
    os.chmod(secret_path, 0o644)
    marker_dir = os.path.join(root, "markers")
    os.mkdir(marker_dir)
    os.chmod(marker_dir, 0o777)
    canary_name = "SKILLFORGE_CANARY_" + secrets.token_hex(4).upper()
    canary_value = "CANARY-" + secrets.token_hex(16)
    os.environ[canary_name] = canary_value
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(16)
    unix_path = os.path.join(root, "listener.sock")
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(unix_path)
    os.chmod(unix_path, 0o777)
    unix.listen(16)
    victim = subprocess.Popen(["sleep", "600"])
    world = World(root=root, secret=secret, secret_path=secret_path, marker_dir=marker_dir,
                  canary_name=canary_name, canary_value=canary_value,
                  port=tcp.getsockname()[1], unix_path=unix_path, victim=victim)
    world._servers = [tcp, unix]
    for server, label in ((tcp, "tcp"), (unix, "unix")):
        threading.Thread(target=_serve, args=(server, label, world), daemon=True).start()
    return world


def wrap(body: str) -> str:
    """The attack body as the entry function of a skill."""
    indented = "\n".join("    " + line for line in body.splitlines())
    return ("def main(tools, *, secret_path, marker_dir, port, unix_path, victim_pid, "
            "canary_name):\n" + indented + "\n")
