"""``skillforge search QUERY [--k N] [--json]``."""

from __future__ import annotations

import click

from .common import emit_json, json_option, library


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--k", "k", default=5, show_default=True, type=click.IntRange(1, 1000))
@json_option
@click.pass_context
def search(ctx: click.Context, query: tuple[str, ...], k: int, as_json: bool) -> None:
    """Find the skills that match a task description (BM25 over a local index)."""
    hits = library(ctx).search(" ".join(query), k=k)
    if as_json:
        emit_json(hits)
        return
    if not hits:
        click.echo("no matching skills", err=True)
        return
    width = max(len(h["name"]) for h in hits)
    for hit in hits:
        description = " ".join(hit["description"].split())
        click.echo(f"{hit['name']:<{width}}  v{hit['version']}  {description[:80]}")
