"""orjson's speed without its one silent loss: integers beyond 64 bits.

``orjson.loads("18446744073709551616")`` returns a float, so a 20-digit numeric id would
be rounded without an error. Texts holding a run of 20 or more digits go to the standard
library (exact integers); the check is one regex scan, far cheaper than the parse.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

_LONG_DIGITS = re.compile(r"\d{20}")


def loads(text: str) -> Any:
    """``orjson.loads``, or ``orjson.JSONDecodeError`` (a ``json.JSONDecodeError``) to send
    the caller to its standard-library path when an integer could exceed 64 bits."""
    if _LONG_DIGITS.search(text):
        raise orjson.JSONDecodeError("may hold an integer beyond 64 bits", text, 0)
    return orjson.loads(text)
