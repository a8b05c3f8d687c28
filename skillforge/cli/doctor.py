"""``skillforge doctor``: which sandbox layers are active on this machine, truthfully."""

from __future__ import annotations

import click

from .common import emit_json, json_option


@click.command()
@json_option
def doctor(as_json: bool) -> None:
    """Report which isolation layers are active here and which are missing, and why."""
    from sandbox import doctor as sandbox_doctor

    report = sandbox_doctor()
    if as_json:
        emit_json(report)
        return
    layers = report.get("layers", report)
    for name, layer in layers.items():
        if isinstance(layer, dict):
            active = layer.get("active")
            mark = "ok     " if active else "MISSING"
            click.echo(f"{mark} {name}: {layer.get('detail', '')}")
        else:
            click.echo(f"        {name}: {layer}")
