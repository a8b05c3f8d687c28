"""Load host tools from a ``--tools`` spec: ``pkg.module:obj`` or ``path/to/file.py:obj``.

``obj`` may be a mapping of name -> callable, a module, or any object whose public
callables are the tools.  Without ``:obj`` the module itself is used.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import ToolProviderError


def load_tools(spec: str) -> dict[str, Callable[..., Any]]:
    target, _, attr = spec.partition(":")
    module = _module(target, spec)
    obj: Any = module
    if attr:
        try:
            for part in attr.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            raise ToolProviderError(
                f"{target} has no attribute {attr!r}",
                field="--tools",
                hint="use MODULE:ATTRIBUTE where ATTRIBUTE is a mapping or object of tools",
            ) from None
    return tools_of(obj, spec)


def tools_of(obj: Any, spec: str = "tools") -> dict[str, Callable[..., Any]]:
    if isinstance(obj, Mapping):
        tools = {str(k): v for k, v in obj.items() if callable(v)}
    else:
        tools = {
            name: value
            for name, value in inspect.getmembers(obj)
            if not name.startswith("_")
            and callable(value)
            and not inspect.isclass(value)
            and not (
                isinstance(obj, ModuleType) and getattr(value, "__module__", None) != obj.__name__
            )
        }
    if not tools:
        raise ToolProviderError(f"{spec} exposes no callable tools", field="--tools")
    return tools


def _module(target: str, spec: str) -> ModuleType:
    if target.endswith(".py") or "/" in target:
        path = Path(target)
        if not path.is_file():
            raise ToolProviderError(f"no such file {target}", field="--tools")
        name = f"skillforge_tools_{abs(hash(path.resolve()))}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise ToolProviderError(f"cannot load {target}", field="--tools")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        sys.path.insert(0, str(path.resolve().parent))
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            raise ToolProviderError(
                f"importing {target} failed: {type(exc).__name__}: {exc}", field="--tools"
            ) from None
        finally:
            sys.path.pop(0)
        return module
    try:
        return importlib.import_module(target)
    except ImportError as exc:
        raise ToolProviderError(
            f"cannot import {target}: {exc}",
            field="--tools",
            hint="use pkg.module:obj (importable) or path/to/file.py:obj",
        ) from None


def require_tools(skill: str, needed: list[str], tools: Mapping[str, Any]) -> None:
    """Refuse before running when the host tools lack some the skill declares."""
    missing = [t for t in needed if t not in tools]
    if missing:
        raise ToolProviderError(
            f"skill {skill!r} needs tools the provider lacks: {', '.join(missing)}",
            field="tools",
            hint="provide them: tools={name: callable} from Python, or a --tools, --mcp or "
            "--mcp-url provider that has them on the command line",
        )
