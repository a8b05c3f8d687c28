"""Bytes to JSON values, defensively: bounded reads, encodings, JSON vs JSONL, error positions.

Trajectory files come from every kind of tool, so decoding accepts what is unambiguous
(UTF-8 with or without BOM, UTF-16/32 with a BOM, gzip) and refuses the rest with a
message that says what the file looks like and how to fix it.  A syntax error names the
JSON path reached before the error (``$.messages[3].content``), so a truncated export
points at the last good field.  Parsing uses orjson (fast) and falls back to the standard
library for what orjson refuses but Python accepts (integers beyond 64 bits).
"""

from __future__ import annotations

import codecs
import json
import os
import re
import zlib
from typing import IO, Any

import orjson

from ..errors import InputError, TrajectoryError
from . import jsonexact

ENV_MAX_BYTES = "SKILLFORGE_MAX_TRAJECTORY_BYTES"
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[{}\[\],:]')
_PATH_SCAN_LIMIT = 8 * 1024 * 1024


def max_bytes() -> int:
    """The size limit for one trajectory file (env ``SKILLFORGE_MAX_TRAJECTORY_BYTES``)."""
    raw = os.environ.get(ENV_MAX_BYTES)
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{ENV_MAX_BYTES}={raw!r} is not a number of bytes",
                         hint="set it to an integer such as 134217728") from None
    return max(value, 1)


def read_bounded(handle: IO[bytes], name: str, limit: int) -> bytes:
    """At most ``limit`` bytes; more is an error (never loads a huge file whole)."""
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise TrajectoryError(
            f"file is larger than the {_size(limit)} limit",
            path=name,
            hint=f"split it into several files (JSONL works), or raise {ENV_MAX_BYTES}",
        )
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, name, limit)
    return data


def _gunzip(data: bytes, name: str, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise TrajectoryError(f"broken gzip data ({exc})", path=name,
                              hint="the file looks truncated") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise TrajectoryError(f"file decompresses to more than the {_size(limit)} limit",
                              path=name, hint=f"split it, or raise {ENV_MAX_BYTES}")
    if not inflater.eof:
        raise TrajectoryError("gzip data ends early", path=name, hint="the file looks truncated")
    return out


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def decode_bytes(raw: bytes, name: str) -> str:
    """Text of a file: BOM-marked UTF-8/16/32, else strict UTF-8."""
    encoding, guessed = "utf-8", False
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            raw, encoding = raw[len(bom):], codec
            break
    else:
        if b"\x00" in raw[:4]:  # UTF-16/32 without a BOM: JSON's first bytes tell which
            encoding, guessed = json.detect_encoding(raw), True
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problem = f"not {encoding.upper()} text (byte 0x{raw[exc.start]:02x} at offset " \
                  f"{exc.start}, line {line})"
        if guessed:
            problem = "binary data, not JSON text"
        raise TrajectoryError(problem, path=name, field="$",
                              hint="trajectories are JSON in UTF-8; re-encode the file "
                                   "(e.g. iconv -t UTF-8)") from None
    if "\x00" in text:
        raise TrajectoryError("contains NUL bytes: this is a binary file, not JSON", path=name,
                              field="$", hint="pass a JSON or JSONL trajectory")
    return text


def decode_text(text: str, name: str) -> tuple[Any, list[tuple[int, Any]] | None]:
    """``(value, None)`` for one JSON document, ``(None, [(line, value)...])`` for JSONL."""
    if not text.strip():
        raise TrajectoryError("file is empty", path=name, field="$",
                              hint="pass a JSON trajectory")
    try:
        return jsonexact.loads(text), None
    except orjson.JSONDecodeError:
        pass
    try:
        return _std_loads(text, name), None
    except json.JSONDecodeError as first:
        lines = _jsonl(text, name)
        if lines is not None:
            return None, lines
        raise _syntax_error(first, text, name) from None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _std_loads(text: str, name: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise TrajectoryError("nested too deeply", path=name, field="$",
                              hint="the file is not a trajectory (or is corrupted)") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # e.g. an integer with more digits than Python allows
        raise TrajectoryError(f"not valid JSON: {str(exc).splitlines()[0][:100]}", path=name,
                              field="$", hint="fix the JSON: numbers are limited to 4300 "
                                              "digits and NaN/Infinity are not JSON") from None


def _jsonl(text: str, name: str) -> list[tuple[int, Any]] | None:
    """Values of a JSONL text, or ``None`` if it is not JSONL (its first line is no value)."""
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(numbered) < 2:
        return None
    values: list[tuple[int, Any]] = []
    for n, line in numbered:
        try:
            values.append((n, jsonexact.loads(line)))
        except orjson.JSONDecodeError:
            try:
                values.append((n, _std_loads(line, f"{name}:{n}")))
            except json.JSONDecodeError as exc:
                if not values:
                    return None
                raise _syntax_error(exc, line, f"{name}:{n}") from None
    return values


def _syntax_error(exc: json.JSONDecodeError, text: str, name: str) -> TrajectoryError:
    truncated = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
    return TrajectoryError(
        f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
        path=name,
        field=path_at(text, exc.pos),
        hint="the file ends early: it looks truncated" if truncated
        else "fix the JSON syntax at that position",
    )


def path_at(text: str, pos: int) -> str:
    """The JSON path of the value being read at ``pos`` (best effort, for error messages)."""
    if pos > _PATH_SCAN_LIMIT:
        return "$"
    stack: list[list[Any]] = []  # ["{", key, expecting_key] or ["[", index]
    for match in _TOKEN.finditer(text, 0, pos):
        token = match.group(0)
        if token == "{":
            stack.append(["{", None, True])
        elif token == "[":
            stack.append(["[", 0])
        elif token in "}]":
            if stack:
                stack.pop()
        elif token == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][1] += 1
            elif stack:
                stack[-1][1], stack[-1][2] = None, True
        elif token == ":":
            if stack and stack[-1][0] == "{":
                stack[-1][2] = False
        elif stack and stack[-1][0] == "{" and stack[-1][2]:
            try:
                stack[-1][1] = json.loads(token)
            except ValueError:
                stack[-1][1] = token.strip('"')
    out = "$"
    for frame in stack:
        if frame[0] == "[":
            out += f"[{frame[1]}]"
        elif frame[1] is not None:
            key = str(frame[1])
            out += f".{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"[{key!r}]"
    return out
