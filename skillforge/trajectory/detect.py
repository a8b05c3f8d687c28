"""Which format is this payload?  One ordered registry of readers, most specific first.

Order matters because some shapes overlap: ATIF and OpenTelemetry payloads are objects with
distinctive keys; smolagents and LangChain lists are recognised by their step / message
``type`` keys; Responses items and Anthropic blocks carry ``type`` markers that Chat
Completions messages never have; OpenAI Chat is last, the fallback for any list of
``role`` messages (a plain text conversation reads the same in every role-based format).
"""

from __future__ import annotations

from typing import Any

from . import anthropic, atif, langchain, native, openai_chat, openai_responses, otel, smolagents
from .base import Format

#: Readers in detection order.  Add a format by inserting its module's ``FORMAT``.
FORMATS: list[Format] = [
    native.FORMAT,
    atif.FORMAT,
    otel.FORMAT,
    smolagents.FORMAT,
    langchain.FORMAT,
    openai_responses.FORMAT,
    anthropic.FORMAT,
    openai_chat.FORMAT,
]


def by_name(name: str) -> Format | None:
    return next((f for f in FORMATS if f.name == name), None)


def detect(payload: Any) -> Format | None:
    """The first format whose structural test accepts the payload, or ``None``."""
    for fmt in FORMATS:
        try:
            if fmt.detect(payload):
                return fmt
        except Exception:  # a detector must never break loading; treat as "not mine"
            continue
    return None


def names() -> list[str]:
    return [f.name for f in FORMATS]
