"""The LLM compiler: any model litellm supports writes the skill, the verifier judges it.

Some runs need a model: the relation between inputs and arguments is semantic, the task
text holds the rule, or the trace compiler cannot reconcile the runs.  The model gets the
trajectories, the tool specs, the trace compiler's draft and its failures (see
:mod:`.prompt`); its answer is parsed (libcst), statically checked and replayed in the
sandbox by the *same* verifier as the trace compiler's output, through ``verify_fn``.
Failures go back to the model for up to ``rounds`` answers in all, then we fail with the
last verifier report.  The code the model writes is never imported or run in this process.

litellm is an optional extra and a heavy import (seconds, ~170 MB), so it is imported only
when a model is actually called, with ``LITELLM_LOCAL_MODEL_COST_MAP=True`` so importing
it never touches the network.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..config import HOW_TO_CONFIGURE, LLMConfig
from ..errors import InputError, InvalidNameError, SkillforgeError, VerificationError
from .answer import read_answer, skill_function
from .draft import SkillDraft
from .llm_cache import ResponseCache, cache_key
from .naming import param_name, validate_skill_name
from .prompt import ANSWER_SCHEMA, TEMPLATE_HASH, PromptInput, first_messages, repair_message

if TYPE_CHECKING:
    from ..trajectory.model import Trajectory
    from ..verify import VerificationReport

log = logging.getLogger("skillforge.llm")

#: Problems fed back per repair round; more rarely helps and costs tokens.
MAX_FED_BACK = 12


class ModelError(SkillforgeError):
    """The model could not be called (timeouts, server errors, auth) after the retries."""


class ModelNotConfiguredError(InputError):
    """The LLM compiler was asked for but no model is configured."""


class LLMUnavailableError(InputError):
    """litellm (the ``llm`` extra) is not installed."""


@dataclass
class ModelReply:
    """One answer and what it cost; ``seconds`` is model latency (0 for a cached answer)."""

    content: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    cached: bool = False
    seconds: float = 0.0
    #: an answer this promotion already received (asked before the lock, replayed under
    #: it): counted as asked, but its round was already reported
    replayed: bool = False


#: litellm fetches these from GitHub at import or first use unless told to use its bundled
#: copies; a compiler must not phone anywhere but the model the user configured.
LITELLM_OFFLINE = (
    "LITELLM_LOCAL_MODEL_COST_MAP",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS",
    "LITELLM_LOCAL_BLOG_POSTS",
    "LITELLM_LOCAL_AUTOROUTER_PRESETS",
)


def log_progress_to_stderr() -> None:
    """Show each round and retry on stderr (the CLI's progress channel); idempotent."""
    if not any(getattr(h, "skillforge_progress", False) for h in log.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.skillforge_progress = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False  # ours alone, whatever handlers litellm puts on the root logger


def import_litellm() -> Any:
    """litellm, imported so that it fetches nothing (bundled cost map and configs)."""
    for var in LITELLM_OFFLINE:
        os.environ.setdefault(var, "True")
    try:
        import litellm
    except ImportError:
        raise LLMUnavailableError(
            "the LLM compiler needs litellm, which is not installed",
            hint="pip install 'skillforge[llm]' (or use --compiler trace)",
        ) from None
    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm


class ModelClient:
    """Calls one model through litellm, with retries and the response cache."""

    def __init__(
        self, config: LLMConfig, cache: ResponseCache | None = None, *, backoff: float = 0.5
    ) -> None:
        if not config.model:
            raise ModelNotConfiguredError("no model is configured", hint=HOW_TO_CONFIGURE)
        self.config = config
        self.model: str = config.model
        self.cache = cache
        #: ``--no-cache`` asks afresh but still records the answers, so the locked pass of a
        #: promotion (and the next re-run) replays exactly what the model just said.
        self.read_cache = not config.no_cache
        self.backoff = backoff

    def complete(self, messages: list[dict[str, str]]) -> ModelReply:
        """The model's answer to ``messages``: from the cache, or asked (with retries)."""
        key = cache_key(self.model, messages)
        if self.cache is not None and self.read_cache:
            hit = self.cache.get(key)
            if hit is not None:
                return ModelReply(
                    hit["content"],
                    int(hit.get("prompt_tokens", 0)),
                    int(hit.get("completion_tokens", 0)),
                    hit.get("cost"),
                    cached=key not in self.cache.written,
                    replayed=key in self.cache.written,
                )
        reply = self._ask(messages)
        if self.cache is not None:
            self.cache.put(
                key,
                {
                    "model": self.model,
                    "content": reply.content,
                    "prompt_tokens": reply.prompt_tokens,
                    "completion_tokens": reply.completion_tokens,
                    "cost": reply.cost,
                },
            )
        return reply

    def _ask(self, messages: list[dict[str, str]]) -> ModelReply:
        litellm = import_litellm()
        retryable = (
            litellm.Timeout,
            litellm.APIConnectionError,
            litellm.InternalServerError,
            litellm.ServiceUnavailableError,
            litellm.BadGatewayError,
            litellm.RateLimitError,
        )
        attempts = self.config.retries + 1
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                response = litellm.completion(**self._request(litellm, messages))
            except retryable as exc:
                log.info(
                    "llm: call %d/%d to %s failed: %s", attempt, attempts, self.model, _brief(exc)
                )
                if attempt == attempts:
                    raise ModelError(
                        f"the model {self.model} failed {attempts} time(s), last: {_brief(exc)}",
                        hint=self._where_hint(),
                    ) from None
                time.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            except litellm.APIError as exc:  # auth, bad request, unknown model: no retry
                raise ModelError(
                    f"the model {self.model} refused the request: {_brief(exc)}",
                    hint=self._where_hint(),
                ) from None
            except Exception as exc:  # litellm raises a few plain errors (bad model names)
                raise ModelError(
                    f"cannot call the model {self.model}: {_brief(exc)}",
                    hint=self._where_hint(),
                ) from None
            return _reply(litellm, response, time.perf_counter() - started)
        raise AssertionError("unreachable")

    def _request(self, litellm: Any, messages: list[dict[str, str]]) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "timeout": self.config.timeout,
            "num_retries": 0,
            "max_retries": 0,
            "drop_params": True,
        }
        if self.config.api_base:
            request["api_base"] = self.config.api_base
            if self.model.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
                request["api_key"] = "no-key"  # local servers ignore it; the SDK wants one
        if _supports_schema(litellm, self.model):
            request["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "skill", "schema": ANSWER_SCHEMA, "strict": True},
            }
        return request

    def _where_hint(self) -> str:
        where = self.config.api_base or "the provider"
        source = self.config.sources.get("model", "--model")
        return (
            f"check that {where} is reachable and the API key is set in the provider's "
            f"environment variable (model from {source}); retry or use --compiler trace"
        )


def _supports_schema(litellm: Any, model: str) -> bool:
    try:
        return bool(litellm.supports_response_schema(model=model))
    except Exception:
        return False


def _reply(litellm: Any, response: Any, seconds: float) -> ModelReply:
    choice = response.choices[0] if getattr(response, "choices", None) else None
    content = getattr(getattr(choice, "message", None), "content", None) or ""
    usage = getattr(response, "usage", None)
    try:
        cost: float | None = float(litellm.completion_cost(completion_response=response))
    except Exception:
        cost = None  # litellm knows no price for this model (a local server, a stub)
    return ModelReply(
        content,
        int(getattr(usage, "prompt_tokens", 0) or 0),
        int(getattr(usage, "completion_tokens", 0) or 0),
        cost,
        seconds=seconds,
    )


def _brief(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = text.removeprefix("litellm.")
    return text if len(text) <= 300 else text[:297] + "..."


@dataclass
class LLMRun:
    """The bookkeeping of one LLM compilation, stored as the draft's ``details``."""

    model: str
    rounds: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    cached_responses: int = 0
    model_seconds: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)

    def add(self, reply: ModelReply) -> None:
        self.rounds += 1
        self.prompt_tokens += reply.prompt_tokens
        self.completion_tokens += reply.completion_tokens
        if reply.cost is not None:
            self.cost = (self.cost or 0.0) + reply.cost
        self.cached_responses += reply.cached
        self.model_seconds += reply.seconds

    def details(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "rounds": self.rounds,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": round(self.cost, 6) if self.cost is not None else None,
            "prompt_template": TEMPLATE_HASH,
            "cached_responses": self.cached_responses,
            "attempts": self.history,
        }


VerifyFn = Callable[[str, str], "VerificationReport"]


def compile_llm(
    trajectories: list[Trajectory],
    labels: list[str],
    *,
    name: str | None,
    verify_fn: VerifyFn,
    client: ModelClient,
    trace_source: str | None = None,
    trace_problems: list[str] | None = None,
    taken_names: set[str] | None = None,
) -> tuple[SkillDraft, VerificationReport]:
    """Ask the model for the skill until ``verify_fn`` accepts it or the rounds run out.

    ``name`` None lets the model propose one (validated, and not in ``taken_names``).
    Returns the draft (compiler ``llm:<model>``, details with rounds/tokens/cost) and the
    passing report; raises :class:`VerificationError` with the last report otherwise.
    """
    taken = set(taken_names or ())
    prompt = PromptInput(
        trajectories, labels, name, trace_source, list(trace_problems or []), taken
    )
    messages = first_messages(prompt)
    run = LLMRun(client.model)
    report: VerificationReport | None = None
    problems: list[str] = []
    for round_no in range(1, client.config.rounds + 1):
        reply = client.complete(messages)
        run.add(reply)
        answer = read_answer(reply.content)
        chosen = name or skill_function(answer.code) or answer.name
        problems = list(answer.problems) or _name_problems(chosen, name, taken)
        report = None
        if not problems and chosen:
            report = verify_fn(answer.code, chosen)
            problems = verdict(report)[:MAX_FED_BACK]
        run.history.append({"round": round_no, "ok": not problems, "problems": problems[:3]})
        (log.debug if reply.replayed else log.info)(
            "llm: round %d/%d (%s%s): %s",
            round_no,
            client.config.rounds,
            client.model,
            ", cached" if reply.cached else "",
            f"rejected: {problems[0]}" if problems else "verified",
        )
        if not problems and report is not None and chosen:
            draft = SkillDraft(
                name=chosen,
                source=answer.code,
                description=answer.description or report.facts.docstring.split("\n\n")[0],
                compiler=f"llm:{client.model}",
                details=run.details(),
                ignored_inputs=_ignored(trajectories, report),
            )
            return draft, report
        messages = [
            *messages,
            {"role": "assistant", "content": reply.content},
            repair_message(problems, name, taken),
        ]
    detail: dict[str, Any] = report.as_dict() if report is not None else {"static": problems}
    detail["ok"] = False
    detail["llm"] = run.details()
    raise VerificationError(
        f"the model {client.model} found no skill that passes verification in "
        f"{run.rounds} round(s); last problems: " + "; ".join(problems[:3]),
        report=detail,
        hint="see the full report with --json; add runs, raise --rounds or try another model",
    )


def verdict(report: VerificationReport) -> list[str]:
    """What the model must fix: failed checks and replays, and failed property checks.

    The verifier records properties of a non-trace skill without gating on them; the
    repair loop holds the model's skill to them like the trace compiler's.
    """
    if not report.ok:
        return report.problems()
    properties = report.extra.get("properties")
    if isinstance(properties, dict) and properties.get("ok") is False:
        found = [str(p) for p in properties.get("problems") or []] or ["(no details)"]
        return [f"property check: {p}" for p in found]
    return []


def _name_problems(chosen: str | None, given: str | None, taken: set[str]) -> list[str]:
    if chosen is None:
        return ["no top-level function taking `tools` as its first parameter was found"]
    if given is not None:
        return []
    try:
        validate_skill_name(chosen)
    except InvalidNameError as exc:
        return [f"the name {chosen!r} is not usable: {exc.hint}"]
    if chosen in taken:
        return [f"a skill named {chosen!r} already exists; choose another name"]
    return []


def _ignored(trajectories: list[Trajectory], report: VerificationReport) -> list[str]:
    used = {p[0] for p in report.facts.params}
    return sorted({k for t in trajectories for k in t.inputs if param_name(k) not in used})


__all__ = [
    "LLMRun",
    "LLMUnavailableError",
    "ModelClient",
    "ModelError",
    "ModelNotConfiguredError",
    "ModelReply",
    "compile_llm",
    "import_litellm",
    "log_progress_to_stderr",
]
