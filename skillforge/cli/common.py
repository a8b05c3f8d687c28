"""Helpers every command shares: the library from the context, JSON output."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..library import SkillLibrary

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")


def library(ctx: click.Context) -> SkillLibrary:
    from ..library import SkillLibrary

    return SkillLibrary(ctx.find_root().obj["skills_dir"])


#: Whether this process printed its JSON document (so an error adds none).
emitted = False


def emit_json(data: Any) -> None:
    """One JSON document on stdout (``--json`` output is for machines)."""
    global emitted
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    emitted = True


def info(message: str) -> None:
    """Progress goes to stderr so stdout stays clean for results."""
    click.echo(message, err=True)
