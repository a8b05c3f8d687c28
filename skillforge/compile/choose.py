"""Choosing a compiler: ``trace``, ``llm``, or ``auto`` (trace first, the model if needed).

``auto`` keeps promotion offline, free and deterministic whenever the trace compiler can
explain the runs; it calls a model only when the trace compiler fails or its draft fails
verification, and only when a model is configured.  Without one, the error says what
failed and how to configure a model, so the user can choose between better runs and a
model.  Whatever compiles the skill, the same ``verify_fn`` (static checks and sandboxed
replay) decides whether it becomes one.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..config import HOW_TO_CONFIGURE, LLMConfig
from ..errors import CompileError, InputError, SkillforgeError, VerificationError
from .draft import SkillDraft

if TYPE_CHECKING:
    from ..trajectory.model import Trajectory
    from ..verify import VerificationReport
    from .llm_cache import ResponseCache

COMPILERS = ("trace", "llm", "auto")
#: The trace draft's function name when the model is to choose the real one.
PROVISIONAL_NAME = "skill"

VerifyFn = Callable[[str, str], "VerificationReport"]


def compile_verified(
    trajectories: list[Trajectory],
    labels: list[str],
    *,
    name: str | None,
    compiler: str,
    config: LLMConfig,
    verify_fn: VerifyFn,
    cache: ResponseCache | None = None,
    taken_names: set[str] | None = None,
    verified: Verified | None = None,
) -> tuple[SkillDraft, VerificationReport]:
    """A draft that passed ``verify_fn`` and its report, from the compiler asked for.

    ``verified`` shares verification reports between calls for the same promotion.

    Raises :class:`CompileError` / :class:`VerificationError` (with the report) when no
    compiler produced a verified skill, and :class:`InputError` for unusable options.
    """
    if compiler not in COMPILERS:
        raise InputError(
            f"unknown compiler {compiler!r}", field="--compiler", hint="use trace, llm or auto"
        )
    if compiler == "trace" or (compiler == "auto" and not config.configured):
        if name is None:
            raise InputError(
                "a skill name is needed to compile without a model",
                field="--name",
                hint=f"pass --name, or let a model propose one: {HOW_TO_CONFIGURE}",
            )
        try:
            return _trace(trajectories, labels, name, verify_fn)
        except (CompileError, VerificationError) as exc:
            if compiler == "auto":
                _explain_no_model(exc)
            raise
    verify_fn = memoized(verify_fn, trajectories, labels, {} if verified is None else verified)
    if not config.configured:
        from .llm import ModelNotConfiguredError

        raise ModelNotConfiguredError(
            "--compiler llm needs a model, and none is configured", hint=HOW_TO_CONFIGURE
        )
    trace_source, trace_problems, reason = None, [], ""
    try:
        draft, report = _trace(trajectories, labels, name or PROVISIONAL_NAME, verify_fn)
        if compiler == "auto" and name is not None:
            return draft, report
        trace_source = draft.source
    except CompileError as exc:
        trace_problems, reason = [exc.one_line()], f"trace compiler failed: {exc.message}"
    except VerificationError as exc:
        trace_source = exc.report.get("source")
        trace_problems = list(exc.report.get("problems", [])) or [exc.message]
        reason = "trace draft failed verification: " + "; ".join(trace_problems[:2])
    return _llm(
        trajectories,
        labels,
        name,
        config,
        verify_fn,
        cache,
        taken_names,
        trace_source,
        trace_problems,
        reason or f"--compiler {compiler}",
    )


#: Verification reports by (source hash, entry, runs), kept for one promotion: with a model
#: it verifies the trace draft and often the same code again as the model's answer, once
#: unlocked and once under the lock.
Verified = dict[tuple[str, str, tuple[str, ...]], "VerificationReport"]


def memoized(
    verify_fn: VerifyFn, trajectories: list[Trajectory], labels: list[str], memo: Verified
) -> VerifyFn:
    """``verify_fn`` remembering its reports in ``memo`` (verification is deterministic)."""
    runs = tuple(t.sha256() for t in trajectories) + tuple(labels)

    def run(source: str, entry: str) -> VerificationReport:
        key = (hashlib.sha256(source.encode()).hexdigest(), entry, runs)
        if key not in memo:
            memo[key] = verify_fn(source, entry)
        return copy.deepcopy(memo[key])

    return run


def _trace(
    trajectories: list[Trajectory], labels: list[str], name: str, verify_fn: VerifyFn
) -> tuple[SkillDraft, VerificationReport]:
    from . import compile_trace

    draft = compile_trace(trajectories, name, labels)
    report = verify_fn(draft.source, name)
    if not report.ok:
        problems = report.problems()
        raise VerificationError(
            f"the compiled skill {name!r} failed verification: " + "; ".join(problems[:3]),
            report={**report.as_dict(), "source": draft.source, "problems": problems},
            hint="run `skillforge inspect` on the trajectories to see what was compiled",
        )
    return draft, report


def _llm(
    trajectories: list[Trajectory],
    labels: list[str],
    name: str | None,
    config: LLMConfig,
    verify_fn: VerifyFn,
    cache: ResponseCache | None,
    taken: set[str] | None,
    trace_source: str | None,
    trace_problems: list[str],
    reason: str,
) -> tuple[SkillDraft, VerificationReport]:
    from .llm import LLMUnavailableError, ModelClient, compile_llm

    client = ModelClient(config, cache)
    try:
        draft, report = compile_llm(
            trajectories,
            labels,
            name=name,
            verify_fn=verify_fn,
            client=client,
            trace_source=trace_source,
            trace_problems=trace_problems,
            taken_names=taken,
        )
    except LLMUnavailableError as exc:
        if not reason.startswith("--compiler"):  # auto: say why a model was wanted
            exc.message = f"{reason}, and {exc.message}"
            exc.args = (exc.one_line(),)
        raise
    draft.details["reason"] = reason
    return draft, report


def _explain_no_model(exc: SkillforgeError) -> None:
    """Add to a trace failure that a model could be tried, and how to configure one."""
    addition = (
        f"or configure a model so --compiler auto can try the LLM compiler: {HOW_TO_CONFIGURE}"
    )
    exc.hint = f"{exc.hint}; {addition}" if exc.hint else addition
    exc.args = (exc.one_line(),)


def llm_trailers(details: dict[str, Any]) -> list[str]:
    """Commit trailers recording how a model compiled the skill (none for ``trace``)."""
    if "prompt_template" not in details:
        return []
    lines = [
        f"LLM-Rounds: {details.get('rounds')}",
        f"LLM-Tokens: prompt={details.get('prompt_tokens')} "
        f"completion={details.get('completion_tokens')}",
    ]
    if details.get("cost_usd") is not None:
        lines.append(f"LLM-Cost-USD: {details['cost_usd']}")
    lines.append(f"LLM-Prompt-Template: {details['prompt_template']}")
    return lines


__all__ = ["COMPILERS", "compile_verified", "llm_trailers"]
