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
