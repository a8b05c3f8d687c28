"""``skillforge inspect TRAJ...``: show how skillforge reads trajectory files.

Users debug promotions with this: which format was detected, the normalised task, inputs
and calls (arguments, a short result, failures and retries marked), and which values the
compiler would lift into parameters.  Every file is read even if an earlier one is broken;
errors are one line each on stderr and make the exit code 2.  ``--json`` prints one JSON
document with the same facts.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .common import emit_json, json_option

_WIDTH = 100


@click.command("inspect")
@click.argument("trajectories", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--full", is_flag=True, help="Show whole results and messages, not previews.")
@json_option
def inspect(trajectories: tuple[str, ...], full: bool, as_json: bool) -> None:
    """Show how TRAJECTORIES are read: format, task, calls, errors, liftable parameters.

    Files may hold one run, a JSON list of runs or JSONL; "-" reads standard input.
    Secrets are shown redacted, exactly as skillforge stores them.
    """
    from ..errors import TrajectoryError
    from ..trajectory.analysis import summary
    from ..trajectory.load import load_located

    reports: list[dict[str, Any]] = []
    errors: list[TrajectoryError] = []
    for path in trajectories:
        try:
            loaded = load_located(path)
        except TrajectoryError as exc:
            errors.append(exc)
            continue
        for item in loaded:
            report = {"where": item.where,
                      **summary(item.trajectory, result_chars=None if full else 160)}
            reports.append(report)
            if not as_json:
                _show(report, full=full, count=len(loaded))
    if as_json:
        emit_json({"trajectories": reports, "errors": [
            {"path": e.path, "field": e.field, "message": e.message, "hint": e.hint}
            for e in errors]})
    for error in errors[:-1]:  # one line each; the last is raised: exit code 2
        click.echo(f"error: {error.one_line()}", err=True)
    if errors:
        raise errors[-1]


# ----------------------------------------------------------------------------- human
def _marks() -> dict[str, str]:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower()
    if "utf" in encoding:
        return {"ok": "✓", "err": "✗", "retry": "↻", "result": "⤷", "dot": "·", "arrow": "←"}
    return {"ok": "+", "err": "x", "retry": "R", "result": "=>", "dot": "|", "arrow": "<-"}


def _show(report: dict[str, Any], *, full: bool, count: int) -> None:
    m = _marks()
    echo = click.echo
    status = report["outcome"]
    head = click.style(report["where"], bold=True)
    fmt = click.style(report["source_format"], fg="cyan")
    colour = "green" if status == "success" else "yellow"
    echo(f"{head}  {m['dot']}  {fmt}  {m['dot']}  {click.style(status, fg=colour)}")
    echo(f"  task     {_one_line(report['task'], full) or click.style('(none)', dim=True)}")
    inputs = report["inputs"]
    if inputs:
        first = True
        for name, value in inputs.items():
            label = "inputs   " if first else "         "
            echo(f"  {label}{name} = {_value(value)}")
            first = False
    else:
        echo(f"  inputs   {click.style('(none)', dim=True)}")
    tools = ", ".join(report["tools"]) or click.style("(not declared)", dim=True)
    echo(f"  tools    {tools}")
    echo("")
    for step in report["steps"]:
        _show_step(step, m, full)
    if report["final_answer"]:
        echo("")
        echo(f"  {click.style('answer', bold=True)}   {_one_line(report['final_answer'], full)}")
    _show_parameters(report, m)
    facts = f"{report['calls']} calls ({report['state_changing']} change state: *)"
    if report["errors"]:
        facts += f", {report['errors']} failed"
    if report["retries"]:
        facts += f", {report['retries']} retried"
    echo(click.style(f"  {facts} {m['dot']} sha256 {report['sha256'][:12]}", dim=True))
    if count:
        echo("")


def _show_step(step: dict[str, Any], m: dict[str, str], full: bool) -> None:
    number = click.style(f"{step['step']:>4}", dim=True)
    if step["type"] == "message":
        role = click.style(f"{step['role']:<9}", fg="magenta")
        click.echo(f"  {number}  {role} {_one_line(step['content'], full, 80)}")
        return
    args = ", ".join(f"{k}={_value(v)}" for k, v in step["arguments"].items())
    name = click.style(step["name"], bold=True)
    if not step["read_only"]:
        name += click.style("*", fg="yellow")
    if step["is_error"]:
        mark = click.style(m["err"], fg="red", bold=True)
    else:
        mark = click.style(m["ok"], fg="green")
    line = f"  {number}  {mark} {name}({_one_line(args, full, 200)})"
    if step["retry_of"]:
        retried = step["retry_of_step"] or step["retry_of"]
        line += click.style(f"  {m['retry']} retry of step {retried}", fg="yellow")
    click.echo(line)
    result = step["result"]
    text = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)
    text = _one_line(text, full, 90)
    colour = "red" if step["is_error"] else None
    click.echo(f"          {m['result']} {click.style(text, fg=colour, dim=not colour)}")


def _show_parameters(report: dict[str, Any], m: dict[str, str]) -> None:
    params = report["parameters"]
    click.echo("")
    if not params:
        click.echo(click.style("  no parameters to lift (no inputs, no task literals)", dim=True))
        return
    click.echo(click.style("  parameters the compiler would lift", bold=True))
    width = max(len(p["name"]) for p in params)
    for p in params:
        uses = p["uses"]
        where = ", ".join(
            f"{u['tool']}.{u['argument']}" + ("" if u["exact"] else " (inside)")
            + f" (step {u['step']})"
            for u in uses[:4]
        ) + (f" +{len(uses) - 4} more" if len(uses) > 4 else "")
        source = "input" if p["source"] == "input" else "task text"
        if uses:
            used = f"{m['arrow']} {source}, used in {where}"
        else:
            used = click.style(f"{m['arrow']} {source}, not used in any call", dim=True)
        click.echo(f"    {p['name']:<{width}}  {_value(p['value'])}  {used}")


def _value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return _one_line(text, False, 60)


def _one_line(text: str | None, full: bool, limit: int = _WIDTH) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    if full or len(flat) <= limit:
        return flat
    return flat[: limit - 1] + "…"
