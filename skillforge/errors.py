"""One exception tree for the whole library.

Every error carries what went wrong *and* what to do next, because our users meet these
errors on the command line far more often than in a debugger.  The CLI maps the tree to
exit codes: :class:`InputError` (bad usage or bad input) is 2, every other
:class:`SkillforgeError` (an operation that failed, e.g. verification) is 1.
"""

from __future__ import annotations


class SkillforgeError(Exception):
    """Base of every error skillforge raises on purpose.

    ``hint`` says what to do next; ``path`` names the file and ``field`` the JSON path or
    attribute that is at fault, when there is one.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        path: str | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.hint = hint
        self.path = path
        self.field = field
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The error as one line: ``file: field: message (hint)``."""
        where = ": ".join(part for part in (self.path, self.field) if part)
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text = f"{text} — {self.hint}"
        return text


class InputError(SkillforgeError):
    """Bad usage or bad input: the user must change what they passed (exit code 2)."""

    exit_code = 2


class TrajectoryError(InputError):
    """A trajectory file that cannot be read, parsed or understood."""


class UnknownFormatError(TrajectoryError):
    """A trajectory in no format we can read."""


class InvalidNameError(InputError):
    """A skill name that is not a valid snake_case identifier."""


class SkillNotFoundError(InputError):
    """The named skill does not exist in the skills directory."""


class NotInitializedError(InputError):
    """The skills directory does not exist or was never initialised."""


class CompileError(InputError):
    """The compiler could not turn the trajectories into a skill.

    It is an input error (exit 2): the runs given cannot be explained as one procedure, and
    the fix is in what is passed (other runs, an input that decides a value, a tool name).
    """


class VerificationError(SkillforgeError):
    """A draft failed verification (static checks, replay or properties).

    ``report`` holds the structured verifier report, so callers can show every failure.
    """

    def __init__(self, message: str, *, report: dict | None = None, **kwargs: str | None) -> None:
        self.report = report or {}
        super().__init__(message, **kwargs)


class StoreError(SkillforgeError):
    """The git-backed store refused or failed an operation (dirty tree, lock held...)."""


class LockTimeoutError(StoreError):
    """Another process held the skills-directory lock for longer than the bounded wait."""


class SkillError(SkillforgeError):
    """A skill ran and failed: it raised, broke a sandbox limit, or a tool failed.

    ``kind`` is the sandbox's error class (``SkillError``, ``Timeout``, ``MemoryLimit``,
    ``PolicyViolation``, ``ToolError``...), ``tool_calls`` what the skill called before failing.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "SkillError",
        tool_calls: list | None = None,
        hint: str | None = None,
    ) -> None:
        self.kind = kind
        self.tool_calls = tool_calls or []
        super().__init__(message, hint=hint)


class ToolProviderError(InputError):
    """A ``--tools`` spec that cannot be loaded, or tools a skill needs that it lacks."""


__all__ = [
    "CompileError",
    "InputError",
    "InvalidNameError",
    "LockTimeoutError",
    "NotInitializedError",
    "SkillError",
    "SkillNotFoundError",
    "SkillforgeError",
    "StoreError",
    "ToolProviderError",
    "TrajectoryError",
    "UnknownFormatError",
    "VerificationError",
]
