"""Limits and results: the plain data that crosses the public API of the sandbox.

Kept free of any process or policy code so that callers (and the worker) can import it
cheaply. Everything here is JSON-able so that the host can ship limits to a worker.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: The classes of failure a :class:`Result` can carry (``Result.error``).
ERROR_CLASSES = (
    "SkillError",
    "ToolError",
    "PolicyViolation",
    "Timeout",
    "MemoryLimit",
    "OutputLimit",
    "CrashedWorker",
    "Error",
)


@dataclass(frozen=True)
class Limits:
    """Resource and size limits for one skill call.

    ``cpu_seconds`` is CPU time of the skill code (enforced inside the worker by a profiling
    timer and by ``RLIMIT_CPU``); ``wall_seconds`` is wall-clock time spent *in the worker*,
    enforced from the host, which kills the worker on overrun. Time the host spends running
    its own tools is not charged to the skill: tools are trusted host code and may be slow
    network calls, and while they run the worker is blocked and cannot do anything.
    ``memory_mb`` is the address space the skill may add on top of the worker's own baseline
    (``RLIMIT_AS``). The ``max_*`` fields bound everything that crosses the process boundary.
    """

    cpu_seconds: float = 2.0
    wall_seconds: float = 5.0
    memory_mb: int = 256
    max_return_bytes: int = 1_000_000
    max_stdout_bytes: int = 64_000
    max_tool_calls: int = 200
    max_tool_arg_bytes: int = 256_000
    max_tool_result_bytes: int = 16_000_000
    max_message_chars: int = 2_000
    max_file_mb: int = 4
    max_open_files: int = 32

    def __post_init__(self) -> None:
        as_dict = asdict(self)
        for name, value in as_dict.items():
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")
        # Computed once: the host sends it with every call (asdict costs ~20 µs).
        object.__setattr__(self, "_json", as_dict)

    def to_json(self) -> dict[str, Any]:
        """The limits as a JSON-able dict (what the worker receives); do not mutate."""
        return self._json  # type: ignore[attr-defined]


@dataclass
class Result:
    """Outcome of one skill call.

    ``error`` is one of :data:`ERROR_CLASSES` or ``None`` when ``ok``. ``message`` is one line.
    ``tool_calls`` records every call the skill attempted, in order, including refused ones.
    """

    ok: bool
    value: Any = None
    error: str | None = None
    message: str = ""
    stdout: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON-able dict."""
        return asdict(self)


def one_line(text: str, limit: int) -> str:
    """Collapse ``text`` to a single line of at most ``limit`` characters.

    Messages come from untrusted code: they are truncated before anything else touches them,
    so that a 100 MB exception message costs nothing downstream.
    """
    if len(text) > limit * 4:
        text = text[: limit * 4]
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: max(0, limit - 15)] + " ...[truncated]"
    return text
