"""Curated facades for the standard modules a skill may import.

``import json`` inside a skill must never hand out the real ``json`` module: real modules
re-export dangerous modules through plain attributes (``json.codecs`` -> ``open``,
``typing.sys.modules``, ``dataclasses.builtins``, ``re.enum``, ``statistics.sys``,
``datetime.sys``, ``dataclasses.inspect``...). A facade is an immutable object holding an
explicit allow-list of functions, classes and constants, chosen one by one. Anything not
listed simply does not exist for the skill.

Facades are built once per worker and shared by every call, so they must be immutable
(``__setattr__`` refuses, ``__slots__`` leaves no ``__dict__``), and no listed object may be
mutable module-level state (``decimal.DefaultContext`` is left out; the per-thread decimal
context is reset before every call by the worker).
"""

from __future__ import annotations

import collections
import collections.abc
import dataclasses
import datetime
import decimal
import itertools
import json
import math
import re
import statistics
import string
import typing
from collections.abc import Callable
from types import MappingProxyType
from typing import Any


class Facade:
    """An immutable, attribute-only view of a chosen set of names."""

    __slots__ = ("_facade_name", "_facade_names")

    def __init__(self, name: str, names: dict[str, Any]) -> None:
        object.__setattr__(self, "_facade_name", name)
        object.__setattr__(self, "_facade_names", MappingProxyType(dict(names)))

    def __getattr__(self, attr: str) -> Any:
        try:
            return self._facade_names[attr]
        except KeyError:
            raise AttributeError(
                f"module {self._facade_name!r} has no attribute {attr!r} in the sandbox"
            ) from None

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError(f"module {self._facade_name!r} is read-only in the sandbox")

    def __delattr__(self, attr: str) -> None:
        raise AttributeError(f"module {self._facade_name!r} is read-only in the sandbox")

    def __dir__(self) -> list[str]:
        return sorted(self._facade_names)

    def __repr__(self) -> str:
        return f"<sandbox module {self._facade_name!r}>"

    def __reduce_ex__(self, protocol: object) -> Any:
        raise TypeError("sandbox modules cannot be copied or pickled")


def _pick(module: Any, names: list[str]) -> dict[str, Any]:
    return {name: getattr(module, name) for name in names}


def _public_constants_and_functions(module: Any) -> dict[str, Any]:
    """All public names of a pure C module with no module-valued attributes (math, itertools)."""
    out: dict[str, Any] = {}
    for name in dir(module):
        if name.startswith("_"):
            continue
        value = getattr(module, name)
        if type(value).__name__ == "module":
            continue
        out[name] = value
    return out


def _json_dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` without ``cls=`` (a custom encoder class is a code hook we do not need)."""
    if "cls" in kwargs:
        raise TypeError("json.dumps(cls=...) is not available in the sandbox")
    return json.dumps(obj, **kwargs)


#: What ``json.loads(text)`` itself runs for a str without keyword arguments.
_JSON_SCAN = json._default_decoder.scan_once  # type: ignore[attr-defined]


def _json_loads(text: str | bytes, **kwargs: Any) -> Any:
    """``json.loads`` without ``cls=``.

    The common case (a plain str holding one value and nothing around it) goes straight to
    the C scanner ``json.loads`` ends up in, skipping two regex matches and three Python
    frames; anything else (whitespace, a BOM, bytes, keyword arguments, an error) takes
    ``json.loads`` itself, so results and errors are the same.
    """
    if kwargs:
        if "cls" in kwargs:
            raise TypeError("json.loads(cls=...) is not available in the sandbox")
    elif type(text) is str:
        try:
            value, end = _JSON_SCAN(text, 0)
        except StopIteration:
            pass
        else:
            if end == len(text):
                return value
    return json.loads(text, **kwargs)


_JSON = {
    "loads": _json_loads,
    "dumps": _json_dumps,
    "JSONDecodeError": json.JSONDecodeError,
}

_RE = _pick(
    re,
    [
        "compile", "search", "match", "fullmatch", "split", "findall", "finditer", "sub",
        "subn", "escape", "purge", "error", "Pattern", "Match", "A", "ASCII", "I",
        "IGNORECASE", "M", "MULTILINE", "S", "DOTALL", "X", "VERBOSE", "U", "UNICODE",
    ],
)

_DATETIME = _pick(
    datetime,
    ["date", "time", "datetime", "timedelta", "timezone", "tzinfo", "MINYEAR", "MAXYEAR"],
)
_DATETIME["UTC"] = datetime.UTC

_DECIMAL = _pick(
    decimal,
    [
        "Decimal", "Context", "localcontext", "getcontext", "setcontext", "DecimalException",
        "InvalidOperation", "DivisionByZero", "Inexact", "Rounded", "Overflow", "Underflow",
        "Subnormal", "Clamped", "FloatOperation", "ROUND_UP", "ROUND_DOWN", "ROUND_CEILING",
        "ROUND_FLOOR", "ROUND_HALF_UP", "ROUND_HALF_DOWN", "ROUND_HALF_EVEN", "ROUND_05UP",
        "MAX_PREC", "MAX_EMAX", "MIN_EMIN", "MIN_ETINY",
    ],
)

_COLLECTIONS_ABC = _pick(
    collections.abc,
    [
        "Callable", "Collection", "Container", "Hashable", "ItemsView", "Iterable", "Iterator",
        "KeysView", "Mapping", "MappingView", "MutableMapping", "MutableSequence",
        "MutableSet", "Reversible", "Sequence", "Set", "Sized", "ValuesView", "Generator",
    ],
)

_STATISTICS = _pick(
    statistics,
    [
        "mean", "fmean", "geometric_mean", "harmonic_mean", "median", "median_low",
        "median_high", "median_grouped", "mode", "multimode", "quantiles", "pstdev",
        "pvariance", "stdev", "variance", "correlation", "covariance", "linear_regression",
        "StatisticsError",
    ],
)

_STRING = _pick(
    string,
    [
        "ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits",
        "octdigits", "punctuation", "printable", "whitespace", "capwords", "Template",
    ],
)

_TYPING = _pick(
    typing,
    [
        "Any", "Optional", "Union", "List", "Dict", "Tuple", "Set", "FrozenSet", "Type",
        "Iterable", "Iterator", "Sequence", "Mapping", "MutableMapping", "MutableSequence",
        "Callable", "Literal", "TypedDict", "NamedTuple", "TypeVar", "Generic", "Final",
        "ClassVar", "Annotated", "Protocol", "cast", "overload", "NoReturn", "Never",
        "Self", "Required", "NotRequired", "TypeAlias", "DefaultDict", "Counter",
        "Deque", "OrderedDict", "Generator", "Hashable", "Sized", "Collection",
        "Container", "Reversible", "SupportsInt", "SupportsFloat", "SupportsIndex",
        "AnyStr", "LiteralString",
    ],
)
_TYPING["TYPE_CHECKING"] = False

_DATACLASSES = _pick(
    dataclasses,
    [
        "dataclass", "field", "fields", "asdict", "astuple", "replace", "is_dataclass",
        "FrozenInstanceError", "InitVar", "KW_ONLY", "MISSING",
    ],
)

_COLLECTIONS = _pick(
    collections,
    ["Counter", "OrderedDict", "defaultdict", "deque", "namedtuple", "ChainMap", "UserDict",
     "UserList", "UserString"],
)

_FUTURE = {"annotations": True}


def build_facades(
    dataclass_hook: Callable[[Any], Any] | None = None,
) -> dict[str, Facade]:
    """Build the importable facades, keyed by dotted module name.

    ``dataclass_hook`` wraps ``dataclasses.dataclass`` so the policy can learn which classes
    the skill created (skill classes may have attributes written; nothing else may).
    """
    dataclasses_names = dict(_DATACLASSES)
    if dataclass_hook is not None:
        dataclasses_names["dataclass"] = dataclass_hook
    abc = Facade("collections.abc", _COLLECTIONS_ABC)
    facades = {
        "json": Facade("json", _JSON),
        "re": Facade("re", _RE),
        "math": Facade("math", _public_constants_and_functions(math)),
        "datetime": Facade("datetime", _DATETIME),
        "decimal": Facade("decimal", _DECIMAL),
        "collections": Facade("collections", {**_COLLECTIONS, "abc": abc}),
        "collections.abc": abc,
        "itertools": Facade("itertools", _public_constants_and_functions(itertools)),
        "statistics": Facade("statistics", _STATISTICS),
        "string": Facade("string", _STRING),
        "typing": Facade("typing", _TYPING),
        "dataclasses": Facade("dataclasses", dataclasses_names),
        "__future__": Facade("__future__", _FUTURE),
    }
    return facades


#: Module names a skill may import (the verifier's static check uses the same list).
ALLOWED_MODULES = frozenset(
    ["json", "re", "math", "datetime", "decimal", "collections", "collections.abc",
     "itertools", "statistics", "string", "typing", "dataclasses", "__future__"]
)
