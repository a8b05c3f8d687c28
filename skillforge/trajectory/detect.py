"""Which format is this payload?  One ordered registry of readers, most specific first."""

from __future__ import annotations

from typing import Any

from . import native, openai_chat
from .base import Format

#: Readers in detection order.  Add a format by appending its module's ``FORMAT``.
FORMATS: list[Format] = [native.FORMAT, openai_chat.FORMAT]


def by_name(name: str) -> Format | None:
    return next((f for f in FORMATS if f.name == name), None)


def detect(payload: Any) -> Format | None:
    """The first format whose structural test accepts the payload, or ``None``."""
    return next((f for f in FORMATS if f.detect(payload)), None)


def names() -> list[str]:
    return [f.name for f in FORMATS]
