"""Behaviour diff of two versions of a skill, then the code diff.

A reviewer's first question is not "which lines changed" but "does it now do something
different": a new required parameter breaks callers, a new state-changing call changes the
world.  So we read both versions with libcst (imported lazily: it costs 250 ms) and report
signature, tools, state-changing calls, branches and verification changes, derive the
semantic-version bump from them, and only then show the unified diff.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAJOR, MINOR, PATCH = "major", "minor", "patch"


@dataclass
class Shape:
    """What a skill's code does, as far as callers and the world can tell."""

    params: dict[str, tuple[str, bool]] = field(default_factory=dict)  # name -> (type, required)
    returns: str = ""
    calls: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (tool, kwargs)
    branches: int = 0


def shape(source: str, name: str) -> Shape:
    """Parse ``source`` and describe the function ``name`` (or the first top-level def)."""
    import libcst as cst

    module = cst.parse_module(source)
    defs = [n for n in module.body if isinstance(n, cst.FunctionDef)]
    fn = next((d for d in defs if d.name.value == name), defs[0] if defs else None)
    out = Shape()
    if fn is None:
        return out
    params = [*fn.params.params, *fn.params.kwonly_params]
    for i, param in enumerate(params):
        if i == 0 and param.name.value == "tools":
            continue
        ann = module.code_for_node(param.annotation.annotation) if param.annotation else "Any"
        out.params[param.name.value] = (ann, param.default is None)
    if fn.returns is not None:
        out.returns = module.code_for_node(fn.returns.annotation)

    class Visitor(cst.CSTVisitor):
        def leave_Call(self, node: cst.Call) -> None:  # post-order: inner calls run first
            func = node.func
            if (
                isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.value.value == "tools"
            ):
                kws = tuple(sorted(a.keyword.value for a in node.args if a.keyword is not None))
                out.calls.append((func.attr.value, kws))

        def visit_If(self, node: cst.If) -> None:
            out.branches += 1

        def visit_For(self, node: cst.For) -> None:
            out.branches += 1

        def visit_While(self, node: cst.While) -> None:
            out.branches += 1

        def visit_IfExp(self, node: cst.IfExp) -> None:
            out.branches += 1

    fn.visit(Visitor())
    return out


def behaviour(
    old: dict[str, Any] | None, new: dict[str, Any], name: str
) -> dict[str, Any]:
    """Behaviour changes from ``old`` to ``new`` (each ``{"source", "manifest"}``)."""
    a = shape(old["source"], name) if old else Shape()
    b = shape(new["source"], name)
    old_m = (old or {}).get("manifest") or {}
    new_m = new.get("manifest") or {}
    sig = {
        "added": [
            {"name": p, "type": b.params[p][0], "required": b.params[p][1]}
            for p in b.params
            if p not in a.params
        ],
        "removed": [p for p in a.params if p not in b.params],
        "retyped": [
            {"name": p, "old": a.params[p][0], "new": b.params[p][0]}
            for p in b.params
            if p in a.params and a.params[p][0] != b.params[p][0]
        ],
        "now_required": [p for p in b.params if p in a.params and b.params[p][1] > a.params[p][1]],
        "now_optional": [p for p in b.params if p in a.params and b.params[p][1] < a.params[p][1]],
        "returns": {"old": a.returns, "new": b.returns} if old and a.returns != b.returns else None,
    }
    old_tools = {t for t, _ in a.calls} | set(old_m.get("tools", []))
    new_tools = {t for t, _ in b.calls} | set(new_m.get("tools", []))
    changing = set(old_m.get("state_changing", [])) | set(new_m.get("state_changing", []))
    seq_a = [c for c in a.calls if c[0] in changing]
    seq_b = [c for c in b.calls if c[0] in changing]
    names_a, names_b = [t for t, _ in seq_a], [t for t, _ in seq_b]
    added = list((Counter(names_b) - Counter(names_a)).elements())
    removed = list((Counter(names_a) - Counter(names_b)).elements())
    common = Counter(names_a) & Counter(names_b)
    reordered = _keep(names_a, common) != _keep(names_b, common)
    args_a, args_b = dict(seq_a), dict(seq_b)
    arguments = [
        {"call": t, "added": sorted(set(args_b[t]) - set(args_a[t])),
         "removed": sorted(set(args_a[t]) - set(args_b[t]))}
        for t in args_b
        if t in args_a and args_a[t] != args_b[t]
    ]
    result = {
        "signature": sig,
        "tools": {"added": sorted(new_tools - old_tools), "removed": sorted(old_tools - new_tools)},
        "state_changing": {
            "old": names_a,
            "new": names_b,
            "added": added,
            "removed": removed,
            "reordered": reordered,
            "arguments": arguments,
        },
        "branches": {"old": a.branches, "new": b.branches},
        "verification": _verification(old_m, new_m),
    }
    result["bump"] = bump(result) if old else MAJOR
    return result


def _keep(seq: list[str], allowed: Counter[str]) -> list[str]:
    left = Counter(allowed)
    out = []
    for item in seq:
        if left[item] > 0:
            left[item] -= 1
            out.append(item)
    return out


def _verification(old_m: dict[str, Any], new_m: dict[str, Any]) -> dict[str, Any]:
    def hashes(m: dict[str, Any]) -> set[str]:
        return {t["sha256"] for t in m.get("provenance", {}).get("trajectories", [])}

    return {
        "old": (old_m.get("verification") or {}).get("summary"),
        "new": (new_m.get("verification") or {}).get("summary"),
        "trajectories_added": len(hashes(new_m) - hashes(old_m)),
        "trajectories_removed": len(hashes(old_m) - hashes(new_m)),
    }


def bump(diff: dict[str, Any]) -> str:
    """major: callers or the world see an incompatible change; minor: something new and
    optional (a parameter, a branch, a read-only tool); patch: anything else."""
    sig, sc = diff["signature"], diff["state_changing"]
    if (
        sig["removed"]
        or sig["retyped"]
        or sig["now_required"]
        or sig["returns"]
        or any(p["required"] for p in sig["added"])
        or sc["added"]
        or sc["removed"]
        or sc["reordered"]
        or sc["arguments"]
    ):
        return MAJOR
    if (
        sig["added"]
        or sig["now_optional"]
        or diff["tools"]["added"]
        or diff["branches"]["new"] > diff["branches"]["old"]
    ):
        return MINOR
    return PATCH


def next_semver(previous: str | None, kind: str) -> str:
    """``previous`` bumped by ``kind``; the first version is 1.0.0."""
    if not previous:
        return "1.0.0"
    try:
        major, minor, patch = (int(x) for x in previous.split("."))
    except ValueError:
        major, minor, patch = 1, 0, 0
    if kind == MAJOR:
        return f"{major + 1}.0.0"
    if kind == MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def semver_for(old: dict[str, Any] | None, new: dict[str, Any], name: str) -> str:
    """The semantic version ``new`` gets after ``old`` (``{"source", "manifest"}`` each)."""
    if old is None:
        return "1.0.0"
    return next_semver(old.get("manifest", {}).get("semver"), behaviour(old, new, name)["bump"])


def unified(old_src: str, new_src: str, old_label: str, new_label: str) -> str:
    lines = difflib.unified_diff(
        old_src.splitlines(keepends=True), new_src.splitlines(keepends=True),
        old_label, new_label,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


# -- rendering ---------------------------------------------------------------------------
_STYLE = {"add": "\033[32m", "del": "\033[31m", "hunk": "\033[36m", "head": "\033[1m"}
_RESET = "\033[0m"


def render(diff: dict[str, Any], color: bool = False) -> str:
    """The behaviour summary, then the code diff, as text (ANSI colour when ``color``)."""

    def paint(kind: str, text: str) -> str:
        return f"{_STYLE[kind]}{text}{_RESET}" if color else text

    b = diff["behaviour"]
    sig, sc, tools = b["signature"], b["state_changing"], b["tools"]
    out = [
        paint(
            "head",
            f"{diff['name']} {diff['from'] or '(none)'} -> {diff['to']}: {b['bump']} change"
            + (f" (semver {diff['semver']['old'] or '-'} -> {diff['semver']['new']})"
               if diff.get("semver") else ""),
        )
    ]
    items: list[str] = []
    for p in sig["added"]:
        req = "required" if p["required"] else "optional"
        items.append(paint("add", f"  + parameter {p['name']}: {p['type']} ({req})"))
    items += [paint("del", f"  - parameter {p}") for p in sig["removed"]]
    items += [f"  ~ parameter {p['name']}: {p['old']} -> {p['new']}" for p in sig["retyped"]]
    items += [f"  ~ parameter {p} is now required" for p in sig["now_required"]]
    items += [f"  ~ parameter {p} is now optional" for p in sig["now_optional"]]
    if sig["returns"]:
        items.append(f"  ~ returns {sig['returns']['old']} -> {sig['returns']['new']}")
    items += [paint("add", f"  + tool {t}") for t in tools["added"]]
    items += [paint("del", f"  - tool {t}") for t in tools["removed"]]
    items += [paint("add", f"  + state-changing call {t}") for t in sc["added"]]
    items += [paint("del", f"  - state-changing call {t}") for t in sc["removed"]]
    if sc["reordered"]:
        items.append(f"  ~ state-changing calls reordered: {sc['old']} -> {sc['new']}")
    for a in sc["arguments"]:
        items.append(f"  ~ {a['call']} arguments: +{a['added'] or '[]'} -{a['removed'] or '[]'}")
    if b["branches"]["new"] != b["branches"]["old"]:
        items.append(f"  ~ branches/loops: {b['branches']['old']} -> {b['branches']['new']}")
    v = b["verification"]
    if v["old"] != v["new"] or v["trajectories_added"] or v["trajectories_removed"]:
        items.append(
            f"  ~ verification: {v['old'] or '-'} -> {v['new'] or '-'} "
            f"(+{v['trajectories_added']} / -{v['trajectories_removed']} trajectories)"
        )
    out += items or ["  no behaviour change"]
    if diff.get("code"):
        out.append("")
        for line in diff["code"].splitlines():
            if line.startswith(("+++", "---")):
                out.append(paint("head", line))
            elif line.startswith("+"):
                out.append(paint("add", line))
            elif line.startswith("-"):
                out.append(paint("del", line))
            elif line.startswith("@@"):
                out.append(paint("hunk", line))
            else:
                out.append(line)
    return "\n".join(out) + "\n"
