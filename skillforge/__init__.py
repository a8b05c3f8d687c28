"""skillforge: procedural memory as code for AI agents.

Compile an agent's successful trajectories into small, typed Python functions ("skills"),
verify them by replay in a sandbox, keep them in a git-backed directory, and hand them back
to agents as tools::

    from skillforge import SkillLibrary
    lib = SkillLibrary("skills").init()
    lib.promote(["run1.json", "run2.json"], name="cancel_order")
    lib.call("cancel_order", {"order_id": "#W1", ...}, tools=my_tools)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    CompileError,
    InputError,
    SkillError,
    SkillforgeError,
    StoreError,
    TrajectoryError,
    VerificationError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .library import PromoteResult, SkillLibrary


def __getattr__(name: str) -> Any:
    # The library pulls in pydantic and the sandbox; load it only when asked for, so that
    # `import skillforge` (and `skillforge --help`) stay fast.
    if name in ("SkillLibrary", "PromoteResult"):
        from . import library

        return getattr(library, name)
    raise AttributeError(f"module 'skillforge' has no attribute {name!r}")


__all__ = [
    "CompileError",
    "InputError",
    "PromoteResult",
    "SkillError",
    "SkillLibrary",
    "SkillforgeError",
    "StoreError",
    "TrajectoryError",
    "VerificationError",
    "__version__",
]
