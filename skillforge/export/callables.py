"""Skills as plain Python callables with real signatures, annotations and docstrings.

Agent frameworks (pydantic-ai, the OpenAI Agents SDK, LangChain's
``StructuredTool.from_function``) build their tool schemas by inspecting a function, so a
skill is handed over as a function whose ``__signature__`` is the skill's own (minus the
``tools`` argument, which is bound here) and whose body runs the skill in the sandbox.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .schema import annotation_type

if TYPE_CHECKING:
    from ..library import SkillLibrary


def skill_signature(
    lib: SkillLibrary, name: str
) -> tuple[inspect.Signature, dict[str, Any], set[str]]:
    """The skill's keyword-only signature (without ``tools``), annotations, required names."""
    from ..verify.static import check

    manifest = lib.manifest(name)
    facts = check(lib.source(name), name, set(manifest["tools"])).facts
    params = []
    annotations: dict[str, Any] = {}
    required: set[str] = set()
    for pname, text, is_required in facts.params:
        kind = annotation_type(text)
        if is_required:
            required.add(pname)
            params.append(inspect.Parameter(pname, inspect.Parameter.KEYWORD_ONLY, annotation=kind))
        else:
            kind = kind | None if kind is not Any else Any
            params.append(
                inspect.Parameter(
                    pname, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=kind
                )
            )
        annotations[pname] = kind
    returns = annotation_type(facts.returns)
    annotations["return"] = returns
    return inspect.Signature(params, return_annotation=returns), annotations, required


def docstring(manifest: dict[str, Any]) -> str:
    """The description plus a Google-style ``Args:`` section frameworks parse for parameters."""
    lines = [manifest["description"].strip()]
    props = manifest["parameters"].get("properties", {})
    described = [(p, s.get("description")) for p, s in props.items() if s.get("description")]
    if described:
        lines += ["", "Args:"] + [f"    {p}: {d}" for p, d in described]
    return "\n".join(lines) + "\n"


def skill_function(
    lib: SkillLibrary, name: str, tools: Mapping[str, Callable[..., Any]]
) -> Callable[..., Any]:
    """A callable that runs the skill ``name`` in the sandbox against ``tools``."""
    from ..tools import require_tools

    manifest = lib.manifest(name)
    require_tools(name, manifest["tools"], tools)
    signature, annotations, required = skill_signature(lib, name)

    def call_skill(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        inputs = {k: v for k, v in bound.arguments.items() if v is not None or k in required}
        return lib.call(name, inputs, tools)

    call_skill.__name__ = name
    call_skill.__qualname__ = name
    call_skill.__module__ = "skillforge.skills"
    call_skill.__doc__ = docstring(manifest)
    call_skill.__signature__ = signature  # type: ignore[attr-defined]
    call_skill.__annotations__ = annotations
    call_skill.skill_manifest = manifest  # type: ignore[attr-defined]
    return call_skill


def docstring_summary(doc: str) -> str:
    """A docstring's text before its ``Args:`` section (the part meant for a model)."""
    return doc.split("\n\nArgs:")[0].strip()
