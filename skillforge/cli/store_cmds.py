"""``skillforge init``: create or adopt a git-backed skills directory."""

from __future__ import annotations

import click

from .common import emit_json, json_option


@click.command()
@click.argument("directory", required=False)
@click.option("--own-repo", is_flag=True,
              help="Make DIRECTORY a git repository of its own even inside another one.")
@json_option
@click.pass_context
def init(ctx: click.Context, directory: str | None, own_repo: bool, as_json: bool) -> None:
    """Create a skills directory backed by git (its own repo, or a folder in yours).

    Inside a work tree the folder's commits go to that repository, unless the repository
    ignores the folder or --own-repo is given.
    """
    from ..store import SkillStore

    target = directory or ctx.find_root().obj["skills_dir"]
    store = SkillStore.init(target, own_repo=own_repo)
    if as_json:
        emit_json({"path": str(store.root), "repository_prefix": store.prefix or "."})
    else:
        where = (
            f"folder {store.prefix}/ of an existing repository"
            if store.prefix
            else "new repository"
        )
        click.echo(f"initialised skills directory {store.root} ({where})")
