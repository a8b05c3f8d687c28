"""``skillforge export --format openai``."""

from __future__ import annotations

import click

from .common import emit_json, library


@click.command()
@click.option("--format", "fmt", type=click.Choice(["openai"]), default="openai", show_default=True)
@click.pass_context
def export(ctx: click.Context, fmt: str) -> None:
    """Print the skills as tool definitions for an agent framework."""
    lib = library(ctx)
    emit_json(lib.openai_tools())
