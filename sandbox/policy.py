"""Language layer: RestrictedPython compilation plus the run-time guards it calls into.

RestrictedPython rewrites the skill's AST so that every attribute read, item read, write,
iteration, ``print`` and ``import`` goes through a function we supply. This module supplies
those functions and the builtins. The rules, and why:

* **No name or attribute starting with ``_``** (compile time, and again at run time for
  ``getattr(obj, "...")``), after NFKC normalisation and ASCII-only: dunder access is how
  every published escape starts (``().__class__.__base__.__subclasses__()``).
* **No introspection attributes without underscores**: generator/coroutine frames
  (``gi_frame``...), traceback frames, frame and code internals, ``mro``.
* **No real modules, ever**: ``import`` returns facades (see :mod:`sandbox.facades`), and the
  guards refuse attribute access on any real module object that might still leak in.
* **Safe ``str.format``**: field lookups (``"{0.__globals__}"``) go through the same guards.
* **Writes only to plain containers and to classes the skill itself created in this call**:
  facades, functions, host-provided objects are read-only (state poisoning).
* **No ``exec``/``eval``/``compile``/``open``/``__import__``/``globals``/``vars``/``dir``/
  ``breakpoint``/``input``**: they are simply not builtins.

Every refusal raises :class:`PolicyViolation` and is recorded in the call context, so that
a skill that catches the exception is still reported as having broken policy.
"""

from __future__ import annotations
import __future__

import _string  # the field-name parser str.format itself uses
import abc
import ast
import builtins
import collections
import operator
import string
import sys
import types
import typing
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable
from decimal import Context as DecimalContext
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from sandbox.facades import Facade, build_facades
from sandbox.transformer import SkillTransformer


class PolicyViolation(Exception):
    """The skill tried something the language policy forbids."""


class SkillError(Exception):
    """Raised by skill code to report a clear, expected failure (``raise SkillError(...)``)."""


class ToolError(Exception):
    """A host tool failed, or the skill called a tool it did not declare."""


#: Attribute names refused on every object although they have no leading underscore.
DENIED_ATTRIBUTES = frozenset(INSPECT_ATTRIBUTES) | {
    "gi_running", "gi_suspended", "cr_running", "cr_suspended", "ag_running",
    "tb_lasti", "tb_lineno", "f_lasti", "f_lineno", "f_trace_lines", "f_trace_opcodes",
    "co_consts", "co_names", "co_varnames", "co_filename", "co_lnotab", "co_linetable",
    "mro", "format", "format_map", "func_globals", "func_code", "func_closure",
    "im_func", "im_self", "im_class", "with_traceback",
    # ABCMeta.register mutates a registry shared by every later call in the worker
    # (``collections.abc.Mapping.register(list)`` would poison ``isinstance``).
    "register",
}

_LAZY_ANNOTATIONS = __future__.annotations.compiler_flag

#: ``type.__mro__`` read through its descriptor: a metaclass cannot shadow it.
_TYPE_MRO: Any = type.__dict__["__mro__"]

#: Metaclasses allowed to build skill classes (the standard library's own).
_TRUSTED_METACLASSES: tuple[type, ...] = tuple({
    type, abc.ABCMeta, type(typing.Protocol), typing.NamedTupleMeta,  # type: ignore[attr-defined]
    type(typing.TypedDict("_T", {})),  # type: ignore[operator]
})

#: Modules C code imports lazily through the current frame's ``__import__``.
_INTERNAL_IMPORTS = frozenset({"_strptime"})

#: Objects of these types may never be touched by attribute access from skill code.
_OPAQUE_TYPES: tuple[type, ...] = (
    types.ModuleType, types.FrameType, types.TracebackType, types.CodeType,
)

#: Objects that admit no item access or iteration (built once, not per guard call).
_OPAQUE_OR_FACADE: tuple[type, ...] = (*_OPAQUE_TYPES, Facade)

#: ``string.Formatter`` (its ``get_field`` would bypass the guards).
_FORMATTER = string.Formatter

#: Objects skill code may write into (besides instances of classes it created itself).
_MUTABLE_CONTAINERS: tuple[type, ...] = (
    dict, list, bytearray, set, collections.deque, collections.UserDict,
    collections.UserList, collections.ChainMap, DecimalContext,
)


class CallContext:
    """Per-call mutable state the guards need: created fresh for every call."""

    __slots__ = ("skill_classes", "stdout", "stdout_limit", "stdout_truncated", "stdout_used",
                 "violation")

    def __init__(self, stdout_limit: int) -> None:
        #: Classes the skill created in this call, by identity (``id -> class``; the strong
        #: reference keeps ids unique). Never a set of classes: membership in a set would
        #: call ``__hash__``/``__eq__``, which a class's metaclass could define.
        self.skill_classes: dict[int, type] = {}
        self.stdout: list[str] = []
        self.stdout_used = 0
        self.stdout_limit = stdout_limit
        self.stdout_truncated = False
        self.violation: str | None = None

    def record(self, message: str) -> PolicyViolation:
        """Remember the first violation of the call and build the exception to raise."""
        if self.violation is None:
            self.violation = message
        return PolicyViolation(message)

    def write_stdout(self, text: str) -> None:
        """Append print output, silently truncating at the limit (a marker is added)."""
        room = self.stdout_limit - self.stdout_used
        if room <= 0:
            self.stdout_truncated = True
            return
        if len(text) > room:
            text = text[:room]
            self.stdout_truncated = True
        self.stdout.append(text)
        self.stdout_used += len(text)

    def stdout_text(self) -> str:
        text = "".join(self.stdout)
        return text + "\n[stdout truncated]" if self.stdout_truncated else text


def compile_skill(source: str, restricted: bool = True) -> types.CodeType:
    """Parse, apply the AST policy, compile.

    Done here rather than through ``compile_restricted_exec`` so that the compiler flags are
    explicit: annotations are always compiled lazily (PEP 563, as with ``from __future__
    import annotations``), so they are never evaluated at definition time, and nothing is
    inherited from the module that happens to call ``compile``. A syntax error is reported
    as ``SyntaxError`` (class "Error"), a policy refusal as :class:`PolicyViolation`.
    """
    tree = ast.parse(source, "<skill>", "exec")
    if restricted:
        errors: list[str] = []
        SkillTransformer(errors, [], {}).visit(tree)
        if errors:
            raise PolicyViolation("; ".join(errors))
    return compile(tree, "<skill>", "exec", flags=_LAZY_ANNOTATIONS, dont_inherit=True)


class Policy:
    """The language layer of one worker: compiled-code cache, facades and guard functions.

    One instance per worker process. Guards read the *current* :class:`CallContext`
    (``self.ctx``), which the worker replaces before each call.
    """

    def __init__(self, cache_size: int = 128) -> None:
        self.ctx = CallContext(stdout_limit=64_000)
        self._cache: OrderedDict[tuple[bool, str], types.CodeType] = OrderedDict()
        self._cache_size = cache_size
        self.facades: dict[str, Facade] = build_facades(dataclass_hook=self._dataclass)
        self._builtins = self._make_builtins()

    # ------------------------------------------------------------------ compilation

    def compile(self, source: str, restricted: bool = True) -> types.CodeType:
        """Compile, cached by source: the policy pass costs ~1 ms, a lookup well under 1 µs.

        Keyed by the source text itself (a dict lookup hashes it once, and compares it
        in full on a hit, so there is no collision to worry about).
        """
        key = (restricted, source)
        code = self._cache.get(key)
        if code is not None:
            self._cache.move_to_end(key)
            return code
        code = compile_skill(source, restricted)
        self._cache[key] = code
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return code

    def new_globals(self) -> dict[str, Any]:
        """Fresh module globals for one call (builtins copied: nothing leaks across calls)."""
        return {
            "__builtins__": dict(self._builtins),
            "__name__": "skill",
            "__metaclass__": self._metaclass,
            "_getattr_": self.guarded_getattr,
            "_getitem_": self.guarded_getitem,
            "_getiter_": self.guarded_iter,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_write_": self.guarded_write,
            "_inplacevar_": _inplacevar,
            "_print_": self._print_factory,
            "_apply_": _apply,
        }

    # ------------------------------------------------------------------ guards

    def check_name(self, name: object) -> str:
        """Validate an attribute name used dynamically (``getattr``, format fields)."""
        if (type(name) is str and name.isascii() and name[:1] != "_"
                and name not in DENIED_ATTRIBUTES):
            return name  # fast path: plain ASCII (NFKC leaves ASCII unchanged)
        if type(name) is not str:  # a str subclass could lie in comparisons and hashing
            raise self.ctx.record("attribute names must be plain strings")
        if not name.isascii() or unicodedata.normalize("NFKC", name) != name:
            raise self.ctx.record(f"non-ASCII attribute name {name!r} is not allowed")
        if name.startswith("_"):
            raise self.ctx.record(f"access to private attribute {name!r} is not allowed")
        if name in DENIED_ATTRIBUTES:
            raise self.ctx.record(f"access to attribute {name!r} is not allowed")
        return name

    def guarded_getattr(self, obj: Any, name: object, *default: Any) -> Any:
        """``obj.name`` for skill code (also the ``getattr`` builtin)."""
        if name in ("format", "format_map") and (
            isinstance(obj, str) or (isinstance(obj, type) and issubclass(obj, str))
        ):
            return self._safe_format(obj, name)
        if (type(name) is str and name.isascii() and name[:1] != "_"
                and name not in DENIED_ATTRIBUTES):
            checked = name  # check_name's fast path, inlined (the common case)
        else:
            checked = self.check_name(name)
        if isinstance(obj, _OPAQUE_TYPES):
            raise self.ctx.record(f"access to attributes of {type(obj).__name__} objects")
        if isinstance(obj, _FORMATTER) or obj is _FORMATTER:
            raise self.ctx.record("string.Formatter is not available")
        try:
            value = getattr(obj, checked)
        except AttributeError:
            if default:
                return default[0]
            raise
        if isinstance(value, _OPAQUE_TYPES):
            raise self.ctx.record(f"attribute {checked!r} leads to a forbidden object")
        return value

    def guarded_hasattr(self, obj: Any, name: object) -> bool:
        try:
            self.guarded_getattr(obj, name)
        except AttributeError:
            return False
        return True

    def guarded_getitem(self, obj: Any, key: Any) -> Any:
        """``obj[key]``: plain, except on the few objects that must stay opaque."""
        if isinstance(obj, _OPAQUE_OR_FACADE):
            raise self.ctx.record(f"item access on {type(obj).__name__} objects")
        value = obj[key]
        if isinstance(value, _OPAQUE_TYPES):
            raise self.ctx.record("item access leads to a forbidden object")
        return value

    def guarded_iter(self, obj: Any) -> Any:
        if isinstance(obj, _OPAQUE_OR_FACADE):
            raise self.ctx.record(f"iterating over {type(obj).__name__} objects")
        return iter(obj)

    def guarded_write(self, obj: Any) -> Any:
        """Target of ``obj.x = ...`` / ``obj[k] = ...``: containers and skill-made objects.

        Decided on facts skill code cannot fake: the C-level type of ``obj`` (not
        ``__class__``), the C-level MRO, and identity against the registry of classes the
        skill itself created in this call. Shared stdlib classes are never writable.
        """
        real_type = type(obj)
        is_class = issubclass(real_type, type)
        if not is_class and issubclass(real_type, _MUTABLE_CONTAINERS):
            return obj
        cls = obj if is_class else real_type
        registry = self.ctx.skill_classes
        for klass in _TYPE_MRO.__get__(cls):
            if registry.get(id(klass)) is klass:
                return obj
        raise self.ctx.record(f"writing to {real_type.__name__} objects is not allowed")

    def guarded_setattr(self, obj: Any, name: object, value: Any) -> None:
        setattr(self.guarded_write(obj), self.check_name(name), value)

    def guarded_delattr(self, obj: Any, name: object) -> None:
        delattr(self.guarded_write(obj), self.check_name(name))

    def guarded_import(
        self,
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Iterable[str] | None = (),
        level: int = 0,
    ) -> Facade:
        """``import x`` returns the facade of ``x``; anything off the allow-list is refused."""
        if level != 0:
            raise self.ctx.record("relative imports are not allowed")
        if name in _INTERNAL_IMPORTS and name in sys.modules:
            # Asked for by C code running on the skill's frame (datetime.strptime imports
            # _strptime through the frame's __import__). Skill source cannot spell a name
            # with a leading underscore, so only C code gets here; the module goes back to it.
            return sys.modules[name]  # type: ignore[return-value]
        if name not in self.facades:
            raise self.ctx.record(f"import of module {name!r} is not allowed")
        if fromlist or "." not in name:
            return self.facades[name]
        return self.facades[name.split(".", 1)[0]]

    # ------------------------------------------------------------------ classes, print, format

    def _register(self, cls: Any) -> Any:
        if issubclass(type(cls), type):
            self.ctx.skill_classes[id(cls)] = cls
        return cls

    def _metaclass(self, name: str, bases: tuple[Any, ...], namespace: dict[str, Any],
                   **kwargs: Any) -> type:
        """Every ``class`` statement in skill code builds its class here (and registers it).

        Only the standard library's own metaclasses may build a skill class, and a skill
        class may not be a metaclass: a metaclass would let skill code define the
        ``__eq__``/``__hash__``/``__instancecheck__`` of classes, the very operations
        the guards rely on.
        """
        meta: type = type
        for base in bases:
            base_meta = type(base)
            if not issubclass(base_meta, type):
                raise self.ctx.record("class bases must be classes")
            if issubclass(base, type):
                raise self.ctx.record("defining metaclasses is not allowed")
            if not any(base_meta is trusted for trusted in _TRUSTED_METACLASSES):
                raise self.ctx.record(f"classes with metaclass {base_meta.__name__!r} "
                                      "cannot be subclassed")
            if issubclass(base_meta, meta):
                meta = base_meta
        return self._register(meta(name, bases, namespace, **kwargs))

    def _dataclass(self, cls: Any = None, /, **kwargs: Any) -> Any:
        """``dataclasses.dataclass`` that registers the (possibly new) class as skill-made."""
        import dataclasses

        if cls is None:
            return lambda c: self._register(dataclasses.dataclass(c, **kwargs))
        return self._register(dataclasses.dataclass(cls, **kwargs))

    def _print_factory(self, _getattr_: Any = None) -> _Printer:
        return _Printer(self)

    def _safe_format(self, obj: Any, name: object) -> Callable[..., str]:
        formatter = _SafeFormatter(self)
        if isinstance(obj, type):  # str.format(template, ...)
            if name == "format":
                return lambda template, *a, **k: formatter.vformat(str(template), a, k)
            return lambda template, mapping: formatter.vformat(str(template), (), mapping)
        if name == "format":
            return lambda *a, **k: formatter.vformat(obj, a, k)
        return lambda mapping: formatter.vformat(obj, (), mapping)

    def _type(self, *args: Any) -> Any:
        """``type(x)`` for objects; never a metaclass (``type(cls)``, ``type(type)``), which
        would let skill code build classes with arbitrary dunder methods."""
        if len(args) != 1:
            raise self.ctx.record("type() with three arguments is not allowed")
        result = type(args[0])
        if issubclass(result, type):
            raise self.ctx.record("type() of a class (a metaclass) is not available")
        return result

    def _make_builtins(self) -> dict[str, Any]:
        names = [
            "None", "False", "True", "Ellipsis", "NotImplemented", "abs", "all", "any",
            "ascii", "bin", "bool", "bytes", "bytearray", "callable", "chr", "complex",
            "dict", "divmod", "enumerate", "filter", "float", "format", "frozenset", "hash",
            "hex", "id", "int", "isinstance", "issubclass", "iter", "len", "list", "map",
            "max", "min", "next", "object", "oct", "ord", "pow", "property", "range", "repr",
            "reversed", "round", "set", "slice", "sorted", "staticmethod", "classmethod",
            "str", "sum", "tuple", "zip", "__build_class__",
            # exceptions
            "ArithmeticError", "AssertionError", "AttributeError", "BaseException",
            "Exception", "IndexError", "KeyError", "LookupError", "MemoryError", "NameError",
            "NotImplementedError", "OverflowError", "RecursionError", "RuntimeError",
            "StopIteration", "TypeError", "UnboundLocalError", "UnicodeError",
            "UnicodeDecodeError", "UnicodeEncodeError", "ValueError", "ZeroDivisionError",
            "Warning", "UserWarning", "DeprecationWarning",
        ]
        table: dict[str, Any] = {name: getattr(builtins, name) for name in names}
        table.update(
            SkillError=SkillError,
            ToolError=ToolError,
            PolicyViolation=PolicyViolation,
            getattr=self.guarded_getattr,
            hasattr=self.guarded_hasattr,
            setattr=self.guarded_setattr,
            delattr=self.guarded_delattr,
            type=self._type,
            __import__=self.guarded_import,
        )
        return table


class _Printer:
    """Replacement for RestrictedPython's PrintCollector: one bounded buffer per call."""

    __slots__ = ("_policy", "_text", "_used")

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._text: list[str] = []
        self._used = 0

    def write(self, text: str) -> None:
        room = self._policy.ctx.stdout_limit - self._used
        if room > 0:  # ``printed`` is bounded like stdout
            self._text.append(text[:room])
            self._used += min(len(text), room)
        self._policy.ctx.write_stdout(text)

    def __call__(self) -> str:  # the ``printed`` name
        return "".join(self._text)

    def _call_print(self, *objects: Any, sep: str | None = " ", end: str | None = "\n",
                    file: Any = None, flush: bool = False) -> None:
        if file is not None:
            raise self._policy.ctx.record("print(file=...) is not allowed")
        sep = " " if sep is None else str(sep)
        end = "\n" if end is None else str(end)
        self.write(sep.join(str(o) for o in objects) + end)


class _SafeFormatter(string.Formatter):
    """``str.format`` whose field lookups (``{0.attr}``, ``{0[key]}``) use the guards."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        first, rest = _formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attr, key in rest:
            if is_attr:
                obj = self._policy.guarded_getattr(obj, key)
            else:
                obj = self._policy.guarded_getitem(obj, key)
        return obj, first


def _formatter_field_name_split(field_name: str) -> tuple[Any, Any]:
    return _string.formatter_field_name_split(field_name)


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "<<=": operator.ilshift, ">>=": operator.irshift, "|=": operator.ior,
    "^=": operator.ixor, "&=": operator.iand, "@=": operator.imatmul,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    return _INPLACE[op](target, value)


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)
