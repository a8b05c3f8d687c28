"""The AST policy: RestrictedPython's transformer plus two carefully guarded extensions.

Generated skills need two things stock RestrictedPython refuses, both rewritten here into
forms that still pass through every guard:

* annotated assignments with a plain name target (``qty: int = 0``), which dataclasses and
  ``NamedTuple`` bodies are made of. The target goes through the normal name check; the
  annotation and value are transformed like any other expression.
* augmented assignment to an item or attribute (``totals[key] += price``), which becomes
  ``tmp_obj = totals; tmp_key = key;
  _write_(tmp_obj)[tmp_key] = _inplacevar_("+=", _getitem_(tmp_obj, tmp_key), price)``.
  The object and key are evaluated once, in Python's order; the read goes through
  ``_getitem_``/``_getattr_`` and the write through ``_write_``.
"""

from __future__ import annotations

import ast
from typing import Any

from RestrictedPython.transformer import IOPERATOR_TO_STR, RestrictingNodeTransformer

_TMP_OBJ = "_aug_obj_"
_TMP_KEY = "_aug_key_"


def _name(identifier: str, ctx: ast.expr_context) -> ast.Name:
    return ast.Name(id=identifier, ctx=ctx)


class SkillTransformer(RestrictingNodeTransformer):
    """RestrictingNodeTransformer with annotated and item/attribute augmented assignment."""

    def visit_AnnAssign(self, node: ast.AnnAssign) -> Any:
        if not isinstance(node.target, ast.Name):
            self.error(node, "Annotated assignment is only allowed to a plain name.")
            return node
        return self.node_contents_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        target = node.target
        if isinstance(target, ast.Name):
            return super().visit_AugAssign(node)
        if isinstance(target, ast.Attribute) and target.attr.startswith("_"):
            self.error(node, f'"{target.attr}" is an invalid attribute name because it '
                             'starts with "_"')
            return node
        if not isinstance(target, ast.Attribute | ast.Subscript):
            self.error(node, "Unsupported augmented assignment target.")
            return node
        operator = IOPERATOR_TO_STR[type(node.op)]
        # Visit the pieces first (they are ordinary expressions and get fully guarded).
        obj = self.visit(target.value)
        value = self.visit(node.value)
        statements: list[ast.stmt] = [
            ast.Assign(targets=[_name(_TMP_OBJ, ast.Store())], value=obj),
        ]
        if isinstance(target, ast.Subscript):
            key = self.visit(target.slice)
            statements.append(ast.Assign(targets=[_name(_TMP_KEY, ast.Store())], value=key))
            current: ast.expr = ast.Call(
                func=_name("_getitem_", ast.Load()),
                args=[_name(_TMP_OBJ, ast.Load()), _name(_TMP_KEY, ast.Load())], keywords=[])
            store: ast.expr = ast.Subscript(
                value=ast.Call(func=_name("_write_", ast.Load()),
                               args=[_name(_TMP_OBJ, ast.Load())], keywords=[]),
                slice=_name(_TMP_KEY, ast.Load()), ctx=ast.Store())
        else:
            current = ast.Call(
                func=_name("_getattr_", ast.Load()),
                args=[_name(_TMP_OBJ, ast.Load()), ast.Constant(target.attr)], keywords=[])
            store = ast.Attribute(
                value=ast.Call(func=_name("_write_", ast.Load()),
                               args=[_name(_TMP_OBJ, ast.Load())], keywords=[]),
                attr=target.attr, ctx=ast.Store())
        statements.append(ast.Assign(
            targets=[store],
            value=ast.Call(func=_name("_inplacevar_", ast.Load()),
                           args=[ast.Constant(operator), current, value], keywords=[])))
        for statement in statements:
            ast.copy_location(statement, node)
            ast.fix_missing_locations(statement)
        return statements
