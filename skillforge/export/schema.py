"""JSON Schemas from a skill's signature (pydantic), never hand-written.

The annotations are read from the source with ``ast`` and evaluated in a namespace that
holds only typing constructs, after checking that each annotation is built from names,
subscripts, constants and ``|`` alone, so evaluating one cannot run skill code.
"""

from __future__ import annotations

import ast
import typing
from typing import Any

from pydantic import Field, create_model

from ..errors import CompileError

_NAMESPACE: dict[str, Any] = {
    "Any": Any,
    "Literal": typing.Literal,
    "Optional": typing.Optional,
    "Union": typing.Union,
    "list": list,
    "dict": dict,
    "tuple": tuple,
    "set": set,
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "None": None,
}
_SAFE_NODES = (
    ast.Expression,
    ast.Name,
    ast.Subscript,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.BinOp,
    ast.BitOr,
    ast.Load,
    ast.Attribute,
)


def annotation_type(text: str) -> Any:
    tree = ast.parse(text, mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, _SAFE_NODES):
            raise CompileError(f"unsupported annotation {text!r}")
        if isinstance(node, ast.Attribute) and not (
            isinstance(node.value, ast.Name) and node.value.id == "typing"
        ):
            raise CompileError(f"unsupported annotation {text!r}")
        if isinstance(node, ast.Name) and node.id not in _NAMESPACE and node.id != "typing":
            raise CompileError(f"unknown type {node.id!r} in annotation {text!r}")
    return eval(
        compile(tree, "<annotation>", "eval"),
        {"__builtins__": {}, "typing": typing},
        dict(_NAMESPACE),
    )


def parameters_schema(
    name: str, params: list[tuple[str, str, bool]], descriptions: dict[str, str] | None = None
) -> dict[str, Any]:
    """The JSON Schema of a skill's keyword arguments."""
    descriptions = descriptions or {}
    fields: dict[str, Any] = {}
    for pname, annotation, required in params:
        kind = annotation_type(annotation)
        default = ... if required else None
        fields[pname] = (kind, Field(default, description=descriptions.get(pname) or None))
    model = create_model(name, **fields)
    schema = model.model_json_schema()
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    schema["additionalProperties"] = False
    return schema


def returns_schema(annotation: str) -> dict[str, Any]:
    from pydantic import TypeAdapter

    schema = TypeAdapter(annotation_type(annotation)).json_schema()
    return schema


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI strict-mode form of a pydantic-generated parameters schema.

    Strict mode (structured outputs) accepts a schema only when every object lists all its
    properties as required and forbids extra ones; an optional parameter is expressed as a
    required one that may be ``null``.  We derive it from the signature's schema instead of
    writing a second one, so the two can never disagree.
    """
    import copy

    out = copy.deepcopy(schema)
    _strictify(out)
    for sub in out.get("$defs", {}).values():
        _strictify(sub)
    return out


def _strictify(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _strictify(item)
        return
    if not isinstance(node, dict):
        return
    node.pop("title", None)
    node.pop("default", None)
    if "properties" in node or (
        node.get("type") == "object" and not isinstance(node.get("additionalProperties"), dict)
    ):
        props: dict[str, Any] = node.setdefault("properties", {})
        required = set(node.get("required", []))
        for pname, prop in list(props.items()):
            if pname not in required:
                props[pname] = _nullable(prop)
        node["required"] = list(props)
        node["additionalProperties"] = False
    for key in ("properties", "$defs"):
        for sub in node.get(key, {}).values():
            _strictify(sub)
    for key in ("items", "anyOf", "oneOf", "allOf", "prefixItems"):
        if key in node:
            _strictify(node[key])


def _nullable(prop: dict[str, Any]) -> dict[str, Any]:
    """``prop`` or null, without nesting when pydantic already wrote ``X | None``."""
    if prop.get("type") == "null" or any(
        isinstance(alt, dict) and alt.get("type") == "null" for alt in prop.get("anyOf", [])
    ):
        return prop
    description = prop.pop("description", None)
    wrapped: dict[str, Any] = {"anyOf": [prop, {"type": "null"}]}
    if description:
        wrapped["description"] = description
    return wrapped
