"""``skillforge log|diff|review|accept|reject|rollback|blame``: skills as reviewable code."""

from __future__ import annotations

import sys
from typing import Any

import click

from .common import emit_json, json_option, library


def _color(flag: bool | None) -> bool:
    """Colour on a terminal, plain when piped; ``--color/--no-color`` overrides."""
    return sys.stdout.isatty() if flag is None else flag


color_option = click.option(
    "--color/--no-color", "color", default=None, help="Colour the diff [default: on a terminal]."
)


def _entry_line(e: dict[str, Any]) -> str:
    label = {"version": f"v{e['version']}", "review": f"review v{e['version']}",
             "rejected": f"rejected v{e['version']}"}[e["kind"]]
    if e["name"] and e["kind"] == "version" and not e.get("ref"):
        label = f"{e['name']} v{e['version']}"
    parts = [f"{label:<16}", e["date"][:19].replace("T", " "), e["commit"][:10]]
    if e.get("compiler"):
        parts.append(f"compiler={e['compiler']}")
    if e.get("verified"):
        parts.append(f"verified={e['verified']!r}")
    n = len(e.get("trajectories") or [])
    parts.append(f"{n} trajector{'y' if n == 1 else 'ies'}")
    if e.get("restores"):
        parts.append(f"restores v{e['restores']}")
    if e.get("reason"):
        parts.append(f"reason: {e['reason']}")
    return "  ".join(parts)


@click.command()
@click.argument("name", required=False)
@click.option("-n", "--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="Most entries to show (0: all).")
@json_option
@click.pass_context
def log(ctx: click.Context, name: str | None, limit: int, as_json: bool) -> None:
    """Versions of a skill (or of all skills), newest first, from the commit trailers."""
    entries = library(ctx).log(name, limit)
    if as_json:
        emit_json(entries)
        return
    if not entries:
        click.echo("no versions yet")
    for e in entries:
        click.echo(_entry_line(e))
        if name:
            for sha in e.get("trajectories") or []:
                click.echo(f"    trajectory sha256:{sha[:16]}")


@click.command()
@click.argument("name")
@click.argument("a", required=False)
@click.argument("b", required=False)
@color_option
@json_option
@click.pass_context
def diff(
    ctx: click.Context, name: str, a: str | None, b: str | None, color: bool | None,
    as_json: bool,
) -> None:
    """Behaviour changes, then the code diff, between two versions (3, v3, review, head).

    No A: the latest version against the one before; A only: A against the latest.
    """
    from ..store.diff import render

    result = library(ctx).diff(name, a, b)
    if as_json:
        emit_json(result)
        return
    use = _color(color)
    click.echo(render(result, color=use), nl=False, color=use)


@click.command()
@color_option
@json_option
@click.pass_context
def review(ctx: click.Context, color: bool | None, as_json: bool) -> None:
    """Pending reviews (promote --review) with their behaviour diffs."""
    from ..store.diff import render

    pending = library(ctx).review()
    if as_json:
        emit_json(pending)
        return
    if not pending:
        click.echo("no pending reviews")
    for p in pending:
        click.echo(f"review/{p['name']}  v{p['version']}  {p['commit'][:10]}  {p['subject']}")
        click.echo(render({**p["diff"], "code": ""}, color=_color(color)), color=_color(color))
        click.echo(f"  accept: skillforge accept {p['name']}   "
                   f"reject: skillforge reject {p['name']} --reason '...'")


@click.command()
@click.argument("name")
@json_option
@click.pass_context
def accept(ctx: click.Context, name: str, as_json: bool) -> None:
    """Publish the pending review of NAME (fast-forward or merge commit) and tag it."""
    result = library(ctx).accept(name)
    if as_json:
        emit_json(result)
        return
    click.echo(f"accepted {name} v{result['version']} (commit {result['commit'][:10]}, "
               f"tag {result['tag']})")


@click.command()
@click.argument("name")
@click.option("--reason", default=None, help="Why: recorded with the rejected commit.")
@json_option
@click.pass_context
def reject(ctx: click.Context, name: str, reason: str | None, as_json: bool) -> None:
    """Delete the pending review of NAME, recording why (see `skillforge log NAME`)."""
    result = library(ctx).reject(name, reason)
    if as_json:
        emit_json(result)
        return
    click.echo(f"rejected review of {name} v{result['version']} (kept as {result['tag']})")


@click.command()
@click.argument("name")
@click.argument("version")
@json_option
@click.pass_context
def rollback(ctx: click.Context, name: str, version: str, as_json: bool) -> None:
    """Restore VERSION of NAME as a new version (history is never rewritten)."""
    result = library(ctx).rollback(name, version)
    if as_json:
        emit_json(result)
        return
    click.echo(f"rolled {name} back to v{result['restored']} as v{result['version']} "
               f"(commit {result['commit'][:10]}, tag {result['tag']})")


@click.command()
@click.argument("name")
@json_option
@click.pass_context
def blame(ctx: click.Context, name: str, as_json: bool) -> None:
    """Which version, commit, compiler and trajectories produced each line of NAME."""
    result = library(ctx).blame(name)
    if as_json:
        emit_json(result)
        return
    for v, meta in sorted(result["versions"].items()):
        trajs = ", ".join(
            f"{t['file'] or t['sha256'][:12]}" for t in meta["new_trajectories"]
        ) or "no new trajectories"
        extra = f", restores v{meta['restores']}" if meta.get("restores") else ""
        click.echo(f"v{v}: commit {meta['commit'][:10]}, {meta['compiler']}, "
                   f"{meta['verified']}{extra}; from {trajs}")
    click.echo("")
    for line in result["lines"]:
        click.echo(f"v{line['version']:<3} {line['line']:>4}  {line['text']}")
