"""Helpers every command shares: the library from the context, JSON output."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..library import SkillLibrary

#: True from the moment a command's ``--json`` is parsed until its JSON document is
#: printed: an error in between still owes the caller a document (see ``cli.main``).
json_owed = False


def _owe_json(_ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    global json_owed
    json_owed = json_owed or value
    return value


json_option = click.option("--json", "as_json", is_flag=True, callback=_owe_json,
                           help="Print one JSON document.")


def library(ctx: click.Context) -> SkillLibrary:
    from ..library import SkillLibrary

    return SkillLibrary(ctx.find_root().obj["skills_dir"])


def emit_json(data: Any) -> None:
    """One JSON document on stdout (``--json`` output is for machines)."""
    global json_owed
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    json_owed = False


def info(message: str) -> None:
    """Progress goes to stderr so stdout stays clean for results."""
    click.echo(message, err=True)
