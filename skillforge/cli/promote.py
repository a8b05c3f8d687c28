"""``skillforge promote`` and ``skillforge verify``."""

from __future__ import annotations

import time
from typing import Any

import click

from .common import emit_json, info, json_option, library


@click.command()
@click.argument("trajectories", nargs=-1, required=True)
@click.option(
    "--name",
    default=None,
    help="The skill's name (snake_case); without it a configured model proposes one.",
)
@click.option(
    "--compiler",
    type=click.Choice(["trace", "llm", "auto"]),
    default="auto",
    show_default=True,
    help="auto: trace first, then the configured model only if that fails.",
)
@click.option("--model", default=None, help="litellm model, e.g. openai/gpt-4o-mini "
              "(env SKILLFORGE_MODEL, or model under [tool.skillforge] in pyproject.toml).")
@click.option("--api-base", default=None, help="Base URL of an OpenAI-compatible server "
              "(llama.cpp, vLLM, Ollama), e.g. http://localhost:8080/v1.")
@click.option("--rounds", type=click.IntRange(min=1), default=None,
              help="Most answers to ask the model for, repairs included [default: 3].")
@click.option("--no-cache", is_flag=True, help="Ask the model again instead of reusing "
              "cached answers.")
@click.option("--review", is_flag=True,
              help="Commit onto branch review/NAME; publish with `skillforge accept NAME`.")
@click.option("--force", is_flag=True,
              help="Promote even if an existing skill already replays these trajectories.")
@json_option
@click.pass_context
def promote(
    ctx: click.Context,
    trajectories: tuple[str, ...],
    name: str | None,
    compiler: str,
    as_json: bool,
    **llm: Any,
) -> None:
    """Compile trajectories into a verified skill and commit it."""
    from ..compile.llm import log_progress_to_stderr
    from ..errors import VerificationError

    lib = library(ctx)
    started = time.perf_counter()
    log_progress_to_stderr()  # a model round can take a while: say what is happening
    try:
        result = lib.promote(list(trajectories), name=name, compiler=compiler, **llm)
    except VerificationError as exc:
        if as_json:
            emit_json({"ok": False, "error": exc.one_line(), "verification": exc.report})
        raise
    elapsed = time.perf_counter() - started
    if as_json:
        emit_json({"ok": True, **result.as_dict(), "seconds": round(elapsed, 3)})
        return
    if result.covered_by:
        click.echo(
            f"nothing promoted: {result.covered_by} v{result.version} already replays "
            "these trajectories (--force promotes anyway)"
        )
        return
    if result.review:
        click.echo(
            f"proposed {result.name} v{result.version} on branch review/{result.name} "
            f"({result.manifest['verification']['summary']}, commit {result.commit[:10]}): "
            f"see `skillforge review`, then `skillforge accept {result.name}` or `reject`"
        )
        return
    details = result.manifest.get("compiler_details") or {}
    if "prompt_template" in details:
        info(
            f"compiled by {result.manifest['compiler']} in {details['rounds']} round(s), "
            f"{details['prompt_tokens']}+{details['completion_tokens']} tokens"
            + (f", ${details['cost_usd']}" if details.get("cost_usd") is not None else "")
        )
    click.echo(
        f"promoted {result.name} v{result.version}  "
        f"({result.manifest['verification']['summary']}, commit {result.commit[:10]}, "
        f"tag {result.tag}, {elapsed:.2f}s)"
    )


@click.command()
@click.argument("names", nargs=-1)
@json_option
@click.pass_context
def verify(ctx: click.Context, names: tuple[str, ...], as_json: bool) -> None:
    """Re-verify skills against their stored trajectories (all when no NAME)."""
    from ..errors import VerificationError
    from ..verify import verify as run_verify

    lib = library(ctx)
    results = []
    for name in names or tuple(lib.names()):
        stored, labels = lib._stored_trajectories(name)
        report = run_verify(lib.sandbox, lib.source(name), name, stored, labels)
        results.append({"name": name, **report.as_dict()})
        if not as_json:
            mark = "ok  " if report.ok else "FAIL"
            click.echo(f"{mark} {name}: {report.summary()}")
            for problem in report.problems():
                click.echo(f"     {problem}")
    if as_json:
        emit_json(results)
    failed = [r["name"] for r in results if not r["ok"]]
    if failed:
        raise VerificationError(f"verification failed for {', '.join(failed)}")
