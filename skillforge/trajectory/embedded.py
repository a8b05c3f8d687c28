"""Redaction inside JSON documents carried as strings (tool results, argument values).

Tools very often return a JSON document encoded as a string (``'{"user": "u1",
"session_cookie": "sessid=..."}'``), and the model keeps it exactly so.  Sensitive-name
redaction works on object fields, so such a string is parsed, its value redacted like any
other JSON value, and re-encoded in the style it came in (separators, indentation, ASCII
escapes) so a result that had no secret is byte-for-byte unchanged and one that had is
still the same JSON document with placeholders where secrets were.

Parsing is reserved for strings that may need it: they must look like a JSON object or
array, and contain a field name that ends in a sensitive word followed by ``":``.  Other
strings keep the plain text scan (patterns such as ``sk-...`` or ``Bearer ...`` need no
parse).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_JSON_START = ("{", "[")


def looks_like_json(text: str) -> bool:
    """Whether a string may hold a JSON object or array (cheap: its first character)."""
    first = text[:1]
    if first in _JSON_START:
        return True
    return first.isspace() and text.lstrip()[:1] in _JSON_START


#: A field name followed by ``":``, at any level of string escaping (``\"key\":``).
_FIELD = re.compile(r'"([^"\\]{1,80})\\*"\s*:')


def field_names(text: str) -> list[str]:
    """The object field names in a JSON text, also those of JSON nested in its strings
    (best effort: a few extra strings may come along, which is harmless)."""
    return _FIELD.findall(text)


def redact_embedded(text: str, redact_value: Callable[[Any], Any]) -> str | None:
    """``text`` re-encoded after ``redact_value`` of the JSON it holds, or ``None`` when it
    is not a JSON object or array, or nothing in it changed."""
    try:  # the standard library: orjson would turn integers beyond 64 bits into floats
        parsed = json.loads(text, parse_constant=_not_json)
    except (ValueError, RecursionError):
        return None
    if not isinstance(parsed, dict | list):
        return None
    try:
        cleaned = redact_value(parsed)
    except RecursionError:  # absurdly deep: the caller falls back to the text scan
        return None
    if cleaned is parsed:
        return None
    return encode_like(cleaned, text)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def encode_like(value: Any, original: str) -> str:
    """``value`` as JSON in the style of ``original``: indentation, separators, escapes."""
    ensure_ascii = original.isascii()
    if "\n" in original.strip():
        indent = re.search(r"\n([ \t]+)\S", original)
        step = indent.group(1) if indent else "  "
        encoded = json.dumps(value, indent=step if "\t" in step else len(step),
                             ensure_ascii=ensure_ascii)
    else:
        compact = '": ' not in original and '", "' not in original and ', "' not in original
        separators = (",", ":") if compact else (", ", ": ")
        encoded = json.dumps(value, separators=separators, ensure_ascii=ensure_ascii)
    start = len(original) - len(original.lstrip())
    end = len(original.rstrip())
    return original[:start] + encoded + original[end:]  # keep surrounding whitespace


__all__ = ["encode_like", "field_names", "looks_like_json", "redact_embedded"]
