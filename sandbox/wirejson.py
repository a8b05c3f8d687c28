"""JSON encoding on the worker side: the standard library's C encoder, not orjson.

orjson (3.13) dereferences a null pointer when a large output buffer cannot be allocated:
under the worker's ``RLIMIT_AS`` a skill returning a 600 kB list was enough to kill the
worker with SIGSEGV instead of raising ``MemoryError``. The stdlib encoder fails cleanly,
so everything whose size the skill controls (return values, tool arguments, messages) is
encoded here. The host, which runs without an address-space limit, keeps using orjson.

Encoding rules match what the host can parse strictly: UTF-8 without lone surrogates,
no NaN/Infinity, keys that are strings (ints, floats, bools and None are converted as the
``json`` module always does). Dataclass instances become objects and dates/times ISO 8601
strings, as orjson did.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Any


class NotJSON(ValueError):
    """The value cannot cross the boundary as JSON."""


def _default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a JSON value")


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                            default=_default)

# The C encoder object itself, built once: ``JSONEncoder.encode`` builds a new one on every
# call, which costs more than encoding a small tool call. No cycle markers: a cyclic value
# ends in RecursionError, like a too deeply nested one.
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODE = None if _c_make_encoder is None else _c_make_encoder(
    None, _default, json.encoder.encode_basestring, None, ":", ",", False, False, False)


def _encode(value: Any) -> str:
    if _C_ENCODE is not None:
        return "".join(_C_ENCODE(value, 0))
    return _ENCODER.encode(value)


def dumps(value: Any) -> bytes:
    """Encode ``value`` as UTF-8 JSON bytes or raise :class:`NotJSON` saying why."""
    try:
        return _encode(value).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        raise NotJSON(str(exc)) from None
    except RecursionError:
        raise NotJSON("value is nested too deeply") from None


def clean_text(text: str) -> str:
    """A string safe to embed in a frame: lone surrogates replaced."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


_SCAN = json.decoder.JSONDecoder().scan_once  # type: ignore[attr-defined]


def loads(data: bytes) -> Any:
    """Decode a frame sent by the host (compact JSON from orjson: no surrounding
    whitespace, so the C scanner can be used directly, skipping ``json.loads``' wrapper)."""
    text = data.decode("utf-8")
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return json.loads(text)  # raises the proper JSONDecodeError
    if end != len(text):
        return json.loads(text)
    return value
