"""Model configuration for the LLM compiler: which model, where, how many rounds.

A model is a per-project choice (the team picks a provider once), a per-machine choice
(a local llama.cpp server) or a per-run choice, so it can come from several places.  Each
setting is taken from the first of these that has it:

1. the explicit argument (``--model``, ``--api-base``, ``--rounds``, ``--timeout``);
2. the environment (``SKILLFORGE_MODEL``, ``SKILLFORGE_API_BASE``, ``SKILLFORGE_LLM_ROUNDS``,
   ``SKILLFORGE_LLM_TIMEOUT``, ``SKILLFORGE_LLM_RETRIES``);
3. ``skillforge.toml`` in the current directory, table ``[llm]``;
4. ``pyproject.toml`` in the current directory, table ``[tool.skillforge]``;
5. the skills directory's own ``skillforge.toml``, table ``[llm]``.

API keys are never read here: litellm takes them from the provider's usual environment
variables (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``...), so they never land in a file we
write.  Every value remembers where it came from, so errors can say which file to fix.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError

DEFAULT_ROUNDS = 3
DEFAULT_TIMEOUT = 120.0
DEFAULT_RETRIES = 2

_ENV = {
    "model": "SKILLFORGE_MODEL",
    "api_base": "SKILLFORGE_API_BASE",
    "rounds": "SKILLFORGE_LLM_ROUNDS",
    "timeout": "SKILLFORGE_LLM_TIMEOUT",
    "retries": "SKILLFORGE_LLM_RETRIES",
}
_KEYS = ("model", "api_base", "rounds", "timeout", "retries")

HOW_TO_CONFIGURE = (
    "pass --model (e.g. openai/gpt-4o-mini, anthropic/claude-sonnet-4-5, or openai/<name> "
    'with --api-base for a local server), set SKILLFORGE_MODEL, or add model = "..." '
    "under [tool.skillforge] in pyproject.toml"
)


@dataclass
class LLMConfig:
    """The resolved settings; ``sources`` maps a setting to where its value came from."""

    model: str | None = None
    api_base: str | None = None
    rounds: int = DEFAULT_ROUNDS
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    no_cache: bool = False
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        return bool(self.model)


def load_config(
    *,
    model: str | None = None,
    api_base: str | None = None,
    rounds: int | None = None,
    timeout: float | None = None,
    no_cache: bool = False,
    cwd: str | os.PathLike[str] | None = None,
    skills_dir: str | os.PathLike[str] | None = None,
) -> LLMConfig:
    """Resolve each setting from the first place that has it (see the module docstring)."""
    here = Path(cwd) if cwd is not None else Path.cwd()
    layers: list[tuple[str, dict[str, Any]]] = [
        ("argument", {"model": model, "api_base": api_base, "rounds": rounds, "timeout": timeout}),
        ("environment", {key: os.environ.get(var) for key, var in _ENV.items()}),
        (str(here / "skillforge.toml"), _table(here / "skillforge.toml", ("llm",))),
        (str(here / "pyproject.toml"), _table(here / "pyproject.toml", ("tool", "skillforge"))),
    ]
    if skills_dir is not None:
        marker = Path(skills_dir) / "skillforge.toml"
        if marker.resolve() != (here / "skillforge.toml").resolve():
            layers.append((str(marker), _table(marker, ("llm",))))
    config = LLMConfig(no_cache=no_cache)
    for key in _KEYS:
        for origin, values in layers:
            value = values.get(key)
            if value in (None, ""):
                continue
            label = _ENV[key] if origin == "environment" else origin
            if origin == "argument":
                label = "--" + key.replace("_", "-")
            setattr(config, key, _coerce(key, value, label))
            config.sources[key] = label
            break
    return config


def _table(path: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    """The table at ``keys`` in a TOML file, ``{}`` when the file or table is absent."""
    if not path.is_file():
        return {}
    try:
        data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(
            f"cannot read the configuration: {exc}", path=str(path), hint="fix the TOML syntax"
        ) from None
    for key in keys:
        data = data.get(key, {}) if isinstance(data, dict) else {}
    return data if isinstance(data, dict) else {}


def _coerce(key: str, value: Any, origin: str) -> Any:
    """Check a value's type, naming where it came from when it is wrong."""
    try:
        if key in ("rounds", "retries"):
            number = int(value)
            if number < (1 if key == "rounds" else 0):
                raise ValueError
            return number
        if key == "timeout":
            seconds = float(value)
            if seconds <= 0:
                raise ValueError
            return seconds
    except (TypeError, ValueError):
        kind = "a positive number" if key == "timeout" else "a whole number ≥ 1"
        if key == "retries":
            kind = "a whole number ≥ 0"
        raise InputError(f"{key} = {value!r} is not {kind}", path=origin, field=key) from None
    if not isinstance(value, str):
        raise InputError(f"{key} must be a string, got {value!r}", path=origin, field=key)
    return value.strip()


__all__ = ["DEFAULT_ROUNDS", "HOW_TO_CONFIGURE", "LLMConfig", "load_config"]


def redact_patterns(skills_dir: str | os.PathLike[str]) -> dict[str, str] | list[str] | None:
    """Extra secret patterns from ``[redact] patterns`` in the skills directory's
    ``skillforge.toml``: a table of ``kind = "regex"`` or a list of regexes, added to
    ``SKILLFORGE_REDACT_PATTERNS``. Kept with the skills (and committed with them), so every
    promotion into this library redacts the same way, whoever runs it."""
    path = Path(skills_dir) / "skillforge.toml"
    patterns = _table(path, ("redact",)).get("patterns")
    if patterns is None:
        return None
    if isinstance(patterns, dict) and all(isinstance(v, str) for v in patterns.values()):
        return {str(k): v for k, v in patterns.items()}
    if isinstance(patterns, list) and all(isinstance(v, str) for v in patterns):
        return list(patterns)
    raise InputError(
        "[redact] patterns must be a table of kind = \"regex\" or a list of regexes",
        path=str(path),
        field="redact.patterns",
        hint='e.g. patterns = { ticket_key = "TK-[0-9]{8}" }',
    )
