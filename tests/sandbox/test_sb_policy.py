"""The language layer in-process (fast): facades, guards, formatting, compile policy.

These complement the escape suite: instead of trying known exploits they walk everything
a skill can reach through non-underscore attributes and check that no module, frame, code
object or dangerous builtin is on the way.
"""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
import types
from collections import deque
from typing import Any

import pytest

from sandbox import Sandbox
from sandbox.facades import ALLOWED_MODULES, Facade
from sandbox.policy import (
    _MUTABLE_CONTAINERS,
    DENIED_ATTRIBUTES,
    Policy,
    PolicyViolation,
    compile_skill,
)

DANGEROUS_CALLABLES = {id(f) for f in (
    builtins.open, builtins.exec, builtins.eval, builtins.compile, builtins.__import__,
    builtins.globals, builtins.vars, builtins.locals, builtins.breakpoint, builtins.input,
    os.system, os.popen, os.fork, os.execv, os.kill, subprocess.Popen, sys._getframe,
)}
# Mutable containers count as forbidden too: skill code may write into any dict or list it
# holds, so a shared one reachable from a facade would carry state from call to call.
FORBIDDEN_TYPES = (types.ModuleType, types.FrameType, types.CodeType, types.TracebackType,
                   *_MUTABLE_CONTAINERS)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy()


def _reachable(policy: Policy, roots: dict[str, Any], depth: int) -> list[str]:
    """Breadth-first walk over what ``obj.name`` gives skill code; return bad paths."""
    bad: list[str] = []
    seen: set[int] = set()
    queue: deque[tuple[str, Any, int]] = deque((name, obj, 0) for name, obj in roots.items())
    while queue:
        path, obj, level = queue.popleft()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, FORBIDDEN_TYPES) or id(obj) in DANGEROUS_CALLABLES:
            bad.append(f"{path} -> {obj!r}"[:200])
            continue
        if level >= depth:
            continue
        try:
            names = dir(obj)
        except Exception:
            continue
        for name in names:
            if name.startswith("_") or name in DENIED_ATTRIBUTES:
                continue
            try:
                # ``from module import name`` reads facades with a plain getattr (the
                # IMPORT_FROM opcode), everything else goes through the guard.
                if isinstance(obj, Facade):
                    value = getattr(obj, name)
                else:
                    value = policy.guarded_getattr(obj, name)
            except Exception:
                continue
            queue.append((f"{path}.{name}", value, level + 1))
    return bad


def test_nothing_dangerous_is_reachable_from_facades(policy: Policy) -> None:
    roots = {name: policy.guarded_import(name, fromlist=("x",)) for name in ALLOWED_MODULES}
    assert _reachable(policy, roots, depth=4) == []


def test_walk_detects_a_leak(policy: Policy) -> None:
    """Control: the walk does find a module hidden in a facade, or ``open`` anywhere."""
    leaky = Facade("leaky", {"helpers": types.SimpleNamespace(opener=builtins.open),
                             "sys": sys, "registry": {}})
    assert len(_reachable(policy, {"leaky": leaky}, depth=3)) == 3


def test_nothing_dangerous_is_reachable_from_builtins(policy: Policy) -> None:
    table = policy.new_globals()["__builtins__"]
    roots = {name: value for name, value in table.items() if not name.startswith("_")}
    assert _reachable(policy, roots, depth=3) == []


def test_imports_give_facades_never_modules(policy: Policy) -> None:
    for name in ALLOWED_MODULES:
        module = policy.guarded_import(name)
        assert not isinstance(module, types.ModuleType), name
    with pytest.raises(PolicyViolation):
        policy.guarded_import("os")
    with pytest.raises(PolicyViolation):
        policy.guarded_import("json", level=1)


def test_facades_are_immutable(policy: Policy) -> None:
    json_facade = policy.guarded_import("json")
    with pytest.raises(AttributeError):
        json_facade.loads = print
    with pytest.raises(AttributeError):
        del json_facade.loads


@pytest.mark.parametrize("name", ["__class__", "_private", "gi_frame", "f_back", "tb_frame",
                                  "mro", "register", "\uff3f\uff3fclass\uff3f\uff3f",
                                  "\u0261i_frame", 42])
def test_guarded_getattr_refuses(policy: Policy, name: Any) -> None:
    with pytest.raises(PolicyViolation):
        policy.guarded_getattr(object(), name)


def test_safe_format_routes_fields_through_guards(policy: Policy) -> None:
    fmt = policy.guarded_getattr("{0.real} {x[1]} {0:>4}", "format")
    assert fmt(3, x=[0, "a"]) == "3 a    3"
    with pytest.raises(PolicyViolation):
        policy.guarded_getattr("{0.__class__}", "format")(1)
    with pytest.raises(PolicyViolation):
        policy.guarded_getattr(str, "format")("{0.__globals__}", _reachable)
    with pytest.raises(PolicyViolation):
        policy.guarded_getattr("{x.__class__}", "format_map")({"x": 1})


def test_writes_only_to_containers_and_skill_classes(policy: Policy) -> None:
    assert policy.guarded_write({}) == {}
    with pytest.raises(PolicyViolation):
        policy.guarded_write(str)
    with pytest.raises(PolicyViolation):
        policy.guarded_write(policy.guarded_import("json"))
    with pytest.raises(PolicyViolation):
        policy.guarded_write(types.SimpleNamespace())


@pytest.mark.parametrize("source", [
    "def main(tools):\n    return ().__class__\n",
    "def main(tools):\n    exec('1')\n",
    "def main(tools):\n    _x = 1\n",
    "async def main(tools):\n    pass\n",
    "class X(metaclass=type):\n    pass\n",
    "from os import *\n",
    "def main(tools):\n    x = []\n    x.__len__ = 1\n",
    "def main(tools):\n    x = []\n    x._y += 1\n",
])
def test_compile_refusals(source: str) -> None:
    with pytest.raises(PolicyViolation):
        compile_skill(source)


def test_compile_accepts_generated_skill_shapes() -> None:
    compile_skill('''
from __future__ import annotations
from typing import Any, Literal
from dataclasses import dataclass

@dataclass(frozen=True)
class Item:
    name: str
    qty: int = 1

def main(tools, *, order_id: str, reason: Literal["a", "b"], items: list[str] | None = None,
         limit: int = 3) -> dict[str, Any]:
    """Docstring."""
    totals: dict[str, int] = {}
    for item in items or []:
        totals[item] = totals.get(item, 0) + 1
        totals[item] += 1
    if (n := len(totals)) > limit:
        raise SkillError(f"too many items: {n}")
    return {"order": order_id, "totals": totals, "reason": reason}
''')


def test_syntax_error_is_error_not_policy(box: Sandbox) -> None:
    result = box.run("def main(tools)\n    return 1\n")
    assert result.error == "Error" and result.message.startswith("SyntaxError")


def test_augmented_item_and_attribute_assignment(box: Sandbox) -> None:
    source = '''
class Acc:
    def __init__(self):
        self.total = 0

def main(tools, *, items: list[str]):
    counts = {}
    acc = Acc()
    for item in items:
        counts[item] = counts.get(item, 0)
        counts[item] += 1
        acc.total += len(item)
    return {"counts": counts, "total": acc.total}
'''
    result = box.run(source, kwargs={"items": ["a", "bb", "a"]})
    assert result.ok and result.value == {"counts": {"a": 2, "bb": 1}, "total": 4}, result


def test_generator_kept_alive_cannot_act_in_a_later_call() -> None:
    """A generator parked in a stdlib cache (typing's) or a reference cycle would run its
    ``finally`` whenever it is collected, possibly during another skill's call. The worker
    clears the caches and collects garbage before the call ends."""
    parked = '''
import typing

def main(tools):
    def gen():
        try:
            yield 1
        finally:
            print("LEAK")
            tools.lookup(key="after-return")
    kept = gen()
    next(kept)
    typing.Literal[kept]
    cycle = [gen()]
    next(cycle[0])
    cycle.append(cycle)
    return 1
'''
    log: list[str] = []

    def lookup(key: str) -> str:
        log.append(key)
        return key

    tools = {"lookup": lookup}
    with Sandbox(workers=1) as box:
        first = box.run(parked, tools=tools)
        assert first.ok, first
        calls_during_first = len(log)
        second = box.run("def main(tools):\n    return tools.lookup(key='benign')\n",
                         tools=tools)
    assert second.ok and second.stdout == "", second
    assert [c["arguments"]["key"] for c in second.tool_calls] == ["benign"]
    assert log[calls_during_first:] == ["benign"]
