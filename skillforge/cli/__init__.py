"""The ``skillforge`` command line: a thin click app over :mod:`skillforge.library`.

Commands live one module per group and are imported only when invoked (``LazyGroup``), so
``skillforge --help`` never pays for pydantic, libcst or the sandbox.  Errors from the
library's exception tree become one line on stderr and exit code 2 (bad input) or 1
(operation failed); no traceback reaches the user.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from .. import __version__

#: command name -> "module:attribute" under skillforge.cli
COMMANDS: dict[str, str] = {
    "init": "store_cmds:init",
    "promote": "promote:promote",
    "list": "browse:list_skills",
    "show": "browse:show",
    "run": "run:run",
    "verify": "promote:verify",
    "export": "export_cmd:export",
    "search": "search:search",
    "serve": "serve:serve",
    "inspect": "inspect:inspect",
    "doctor": "doctor:doctor",
    "log": "history:log",
    "diff": "history:diff",
    "review": "history:review",
    "accept": "history:accept",
    "reject": "history:reject",
    "rollback": "history:rollback",
    "blame": "history:blame",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module = importlib.import_module(f"{__name__}.{module_name}")
        command: click.Command = getattr(module, attr)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="skillforge")
@click.option(
    "--skills-dir",
    envvar="SKILLFORGE_DIR",
    default="skills",
    show_default=True,
    help="The skills directory (env SKILLFORGE_DIR).",
)
@click.pass_context
def app(ctx: click.Context, skills_dir: str) -> None:
    """Compile agent trajectories into verified, versioned, sandboxed Python skills."""
    ctx.ensure_object(dict)
    ctx.obj["skills_dir"] = skills_dir


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: run the app, turning our errors into one line and an exit code."""
    from ..errors import SkillforgeError

    try:
        return app.main(args=argv, prog_name="skillforge", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except SkillforgeError as exc:
        click.echo(f"error: {exc.one_line()}", err=True)
        if os.environ.get("SKILLFORGE_DEBUG"):
            raise
        from . import common

        if common.json_owed:  # with --json a failure is a document too, never empty stdout
            common.emit_json({"ok": False, "error": exc.one_line(), "exit_code": exc.exit_code})
        sys.exit(exc.exit_code)
