"""The escape-attempt suite: every attempt must leave no side effect in the host world.

Judged by side effects only (see :mod:`sbworld`), never by ``Result.ok``. Language attacks
run with every layer on; process attacks run with the language layer off
(``_language_layer=False``) so that the process layer is shown to hold on its own. The
detectors themselves are checked by running a few attacks unsandboxed first.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sbattacks_language import LANGUAGE_ATTACKS
from sbattacks_process import PROCESS_ATTACKS
from sbworld import World, make_world, wrap

from sandbox import Limits, Result, Sandbox
from sandbox.pool import WorkerProcess

ATTACK_LIMITS = Limits(cpu_seconds=2, wall_seconds=3, memory_mb=256)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    w = make_world()
    yield w
    w.close()


@pytest.fixture()
def clean_world(world: World) -> Iterator[World]:
    world.reset()
    yield world
    world.reset()


def test_suite_size() -> None:
    ids = [a[0] for a in LANGUAGE_ATTACKS] + [a[0] for a in PROCESS_ATTACKS]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 60


@pytest.mark.parametrize(("name", "category", "body"), LANGUAGE_ATTACKS,
                         ids=[a[0] for a in LANGUAGE_ATTACKS])
def test_language_attack_is_held(box: Sandbox, clean_world: World, name: str,
                                 category: str, body: str) -> None:
    result = box.run(wrap(body), kwargs=clean_world.kwargs(), tools=clean_world.tools(),
                     limits=ATTACK_LIMITS)
    # The worker is single-threaded and cannot fork: every effect happened before the
    # result came back, so the world can be judged at once.
    assert clean_world.breaches(result) == [], (name, category, result)
    # A benign call on the same pool works right after.
    follow = box.run("def main(tools):\n    return tools.lookup(key='benign')\n",
                     tools=clean_world.tools())
    assert follow.ok and follow.value == '{"key": "benign"}', follow


@pytest.mark.parametrize(("name", "category", "body"), PROCESS_ATTACKS,
                         ids=[a[0] for a in PROCESS_ATTACKS])
def test_process_attack_without_language_layer_is_held(
        box: Sandbox, clean_world: World, name: str, category: str, body: str) -> None:
    result = box.run(wrap(body), kwargs=clean_world.kwargs(), tools=clean_world.tools(),
                     limits=ATTACK_LIMITS, _language_layer=False)
    time.sleep(0.3 if category == "process" else 0.02)  # a thread or child would act by now
    assert clean_world.breaches(result) == [], (name, category, result)
    if category == "rpc":
        assert len(clean_world.lookups) <= ATTACK_LIMITS.max_tool_calls


@pytest.mark.parametrize(("name", "body"), [(a[0], a[2]) for a in
                                           LANGUAGE_ATTACKS + PROCESS_ATTACKS])
def test_every_attack_is_valid_python(name: str, body: str) -> None:
    """Control: an attack that does not even parse would be "held" for nothing."""
    compile(wrap(body), name, "exec", dont_inherit=True)


def test_language_layer_off_really_is_off(box: Sandbox) -> None:
    """Control: the switch used above does disable the language layer (else the process
    attacks would prove nothing)."""
    result = box.run("def main(tools):\n    return ().__class__.__name__\n",
                     _language_layer=False)
    assert result.ok and result.value == "tuple", result


# ------------------------------------------------------------------ detector controls


def _run_unsandboxed(world: World, body: str) -> Result:
    namespace: dict[str, object] = {}
    exec(wrap(body), namespace)  # the attack, with nothing in the way
    entry = namespace["main"]

    class Tools:
        def __getattr__(self, name: str) -> object:
            return world.tools()[name]

    try:
        value = entry(Tools(), **world.kwargs())  # type: ignore[operator]
    except Exception as exc:
        return Result(False, error="Error", message=str(exc))
    return Result(True, value=value)


@pytest.mark.parametrize("name", ["read-secret", "os-environ", "write-marker", "tcp-connect",
                                  "unix-connect"])
def test_detectors_fire_without_sandbox(clean_world: World, name: str) -> None:
    body = dict((a[0], a[2]) for a in PROCESS_ATTACKS)[name]
    result = _run_unsandboxed(clean_world, body)
    deadline = time.monotonic() + 2
    while not clean_world.breaches(result) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert clean_world.breaches(result), f"detector for {name} did not fire"


# ------------------------------------------------------------------ single layers alone


def _run_on(worker: WorkerProcess, world: World, body: str) -> Result:
    try:
        return worker.run(wrap(body), "main", world.kwargs(), world.tools(), ATTACK_LIMITS,
                          restricted=False)
    finally:
        worker.kill()


@pytest.mark.filterwarnings("ignore::sandbox.SandboxWarning")
@pytest.mark.parametrize("name", ["tcp-connect", "unix-connect", "os-fork", "execv",
                                  "kill-victim", "ptrace-attach", "libc-system"])
def test_seccomp_alone_holds(clean_world: World, name: str) -> None:
    """Namespaces, chroot, uid switch and Landlock disabled: seccomp alone stops these."""
    body = dict((a[0], a[2]) for a in PROCESS_ATTACKS)[name]
    result = _run_on(WorkerProcess(ATTACK_LIMITS, isolate=False, landlock=False),
                     clean_world, body)
    time.sleep(0.2)
    assert clean_world.breaches(result) == [], (name, result)


@pytest.mark.filterwarnings("ignore::sandbox.SandboxWarning")
@pytest.mark.parametrize("name", ["read-secret", "os-environ", "read-proc-parent-environ",
                                  "write-marker", "tcp-connect", "unix-connect", "os-fork",
                                  "execv", "kill-victim"])
def test_namespaces_and_chroot_alone_hold(clean_world: World, name: str) -> None:
    """Seccomp disabled: user/network namespaces, chroot, nobody and rlimits stop these."""
    body = dict((a[0], a[2]) for a in PROCESS_ATTACKS)[name]
    result = _run_on(WorkerProcess(ATTACK_LIMITS, seccomp=False), clean_world, body)
    time.sleep(0.2)
    assert clean_world.breaches(result) == [], (name, result)


@pytest.mark.filterwarnings("ignore::sandbox.SandboxWarning")
@pytest.mark.parametrize("name", ["read-secret", "read-proc-parent-environ", "write-marker",
                                  "write-tmp", "tcp-connect", "kill-victim", "execv"])
def test_landlock_alone_holds(clean_world: World, name: str) -> None:
    """Only Landlock (plus rlimits): the worker even stays root. Pathname Unix sockets are
    out of Landlock's reach, which is why chroot and seccomp are there too."""
    body = dict((a[0], a[2]) for a in PROCESS_ATTACKS)[name]
    worker = WorkerProcess(ATTACK_LIMITS, isolate=False, seccomp=False)
    layers = worker.wait_ready()
    if not layers["landlock"]["active"]:
        worker.kill()
        pytest.skip(f"Landlock unavailable: {layers['landlock']['detail']}")
    result = _run_on(worker, clean_world, body)
    time.sleep(0.2)
    assert clean_world.breaches(result) == [], (name, result)


@pytest.mark.filterwarnings("ignore::sandbox.SandboxWarning")
@pytest.mark.parametrize(("name", "category", "body"), PROCESS_ATTACKS,
                         ids=[a[0] for a in PROCESS_ATTACKS])
def test_without_namespaces_landlock_and_seccomp_hold(
        clean_world: World, name: str, category: str, body: str) -> None:
    """A host without (unprivileged) user namespaces -- Ubuntu 24.04's default AppArmor
    policy, hardened kernels: no uid switch, no namespaces, no chroot. With the language
    layer off as well, Landlock, seccomp and the rlimits must still stop every attack."""
    worker = WorkerProcess(ATTACK_LIMITS, isolate=False)
    layers = worker.wait_ready()
    if not (layers["landlock"]["active"] and layers["seccomp"]["active"]):
        worker.kill()
        pytest.skip("Landlock or seccomp unavailable here")
    result = _run_on(worker, clean_world, body)
    time.sleep(0.3 if category == "process" else 0.02)
    assert clean_world.breaches(result) == [], (name, result)
