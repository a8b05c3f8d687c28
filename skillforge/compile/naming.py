"""Names in generated code: parameters from input keys, variables from tool names.

Readable names are most of what makes generated code reviewable: ``user_id =
tools.find_user_id_by_email(...)`` reads like a person wrote it; ``r1 = ...`` does not.
"""

from __future__ import annotations

import keyword
import re

from ..errors import InvalidNameError

_VERBS = ("get", "find", "list", "search", "lookup", "fetch", "read", "query", "retrieve", "load")
SKILL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_RESERVED = {"tools", "json", "self", "cls"}


def snake(text: str) -> str:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    return text


def param_name(key: str) -> str:
    """A valid, non-reserved Python identifier for an input key."""
    name = snake(key) or "value"
    if name[0].isdigit():
        name = f"p_{name}"
    if keyword.iskeyword(name) or name in _RESERVED or name.startswith("_"):
        name = f"{name}_"
    return name


def var_name_for(tool: str, taken: set[str]) -> str:
    """``find_user_id_by_email`` → ``user_id``; ``get_order_details`` → ``order_details``."""
    base = snake(tool)
    words = base.split("_")
    if len(words) > 1 and words[0] in _VERBS:
        words = words[1:]
    if "by" in words[1:]:
        words = words[: words.index("by", 1)]
    name = "_".join(words) or "result"
    if name == snake(tool) and words[0] not in _VERBS:
        name = "result" if len(words) > 1 else name
    if keyword.iskeyword(name) or name in _RESERVED:
        name = f"{name}_result"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    return candidate


def validate_skill_name(name: str) -> str:
    """Skill names are folder names, function names and MCP tool names: snake_case only."""
    if not SKILL_NAME.match(name or "") or keyword.iskeyword(name) or name.startswith("_"):
        raise InvalidNameError(
            f"{name!r} is not a valid skill name",
            field="--name",
            hint="use snake_case: a lowercase letter, then letters, digits or _ (max 64)",
        )
    return name
