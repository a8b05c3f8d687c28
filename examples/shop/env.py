"""ShopEnv: an in-memory online-shop customer-service backend (in the spirit of tau-bench retail).

It exists so skillforge has something real to record trajectories against and to run
compiled skills on: tools take keyword arguments and return strings (JSON for structured
data, a bare id for lookups), state-changing tools really change the state, and every
failure is *returned* as ``"Error: ..."`` because that is how agent frameworks hand tool
errors back to a model (a raised exception would end the run instead).
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
from collections.abc import Callable
from typing import Any

from .data import generate

CANCEL_REASONS = ("no longer needed", "ordered by mistake")
TOOL_NAMES = (
    "find_user_id_by_email",
    "find_user_id_by_name_zip",
    "get_user_details",
    "get_order_details",
    "get_product_details",
    "cancel_pending_order",
    "modify_pending_order_address",
    "modify_user_address",
    "return_delivered_order_items",
    "exchange_delivered_order_items",
)


class ToolError(Exception):
    """Raised inside a tool body; the tool wrapper turns it into an ``"Error: ..."`` result."""


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ToolError(f"{name} must be a string")
    return value


def _id_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ToolError(f"{name} must be a non-empty list of item ids")
    return list(value)


def _returns_errors(method: Callable[..., str]) -> Callable[..., str]:
    """Turn ToolError into an ``"Error: ..."`` result, as a real tool server would."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        try:
            return method(*args, **kwargs)
        except ToolError as exc:
            return f"Error: {exc}"

    return wrapper


class ShopEnv:
    """The shop's state (users, orders, products) and the tools that read and change it."""

    def __init__(self, state: dict[str, Any]) -> None:
        self._state = copy.deepcopy(state)

    # -- construction and snapshots -------------------------------------------------
    @classmethod
    def seeded(cls, seed: int = 0) -> ShopEnv:
        """A reproducible shop: the same seed always gives the same users, orders, products."""
        return cls(generate(seed))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShopEnv:
        return cls(data)

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._state)

    def state(self) -> dict[str, Any]:
        """A JSON-able snapshot (round-tripped through JSON) for equality checks in tests."""
        result: dict[str, Any] = json.loads(_dumps(self._state))
        return result

    def tools(self) -> dict[str, Callable[..., str]]:
        """Tool name -> bound callable; bad arguments come back as error results, too."""
        return {name: _lenient(getattr(self, name), name) for name in TOOL_NAMES}

    # -- lookups ----------------------------------------------------------------------
    def _user(self, user_id: Any) -> dict[str, Any]:
        user = self._state["users"].get(_text(user_id, "user_id"))
        if user is None:
            raise ToolError("user not found")
        return user

    def _order(self, order_id: Any) -> dict[str, Any]:
        order = self._state["orders"].get(_text(order_id, "order_id"))
        if order is None:
            raise ToolError("order not found")
        return order

    def _variant(self, item_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        for product in self._state["products"].values():
            if item_id in product["variants"]:
                return product, product["variants"][item_id]
        raise ToolError(f"item {item_id} not found")

    def _payment_method(self, user_id: str, payment_method_id: Any) -> dict[str, Any]:
        methods = self._state["users"][user_id]["payment_methods"]
        method = methods.get(_text(payment_method_id, "payment_method_id"))
        if method is None:
            raise ToolError("payment method not found")
        return method

    @staticmethod
    def _order_view(order: dict[str, Any]) -> str:
        view = dict(order, total=round(sum(item["price"] for item in order["items"]), 2))
        return _dumps(view)

    # -- read-only tools ------------------------------------------------------------------
    @_returns_errors
    def find_user_id_by_email(self, email: str) -> str:
        """Return the user id for an email address (case-insensitive)."""
        wanted = _text(email, "email").strip().lower()
        for user in self._state["users"].values():
            if user["email"].lower() == wanted:
                return str(user["user_id"])
        raise ToolError("user not found")

    @_returns_errors
    def find_user_id_by_name_zip(self, first_name: str, last_name: str, zip: str) -> str:
        """Return the user id for a first name, last name and default-address zip code."""
        key = (
            _text(first_name, "first_name").strip().lower(),
            _text(last_name, "last_name").strip().lower(),
            _text(zip, "zip").strip(),
        )
        for user in self._state["users"].values():
            name = user["name"]
            found = (name["first_name"].lower(), name["last_name"].lower(), user["address"]["zip"])
            if found == key:
                return str(user["user_id"])
        raise ToolError("user not found")

    @_returns_errors
    def get_user_details(self, user_id: str) -> str:
        """Return the user's profile, payment methods and order ids (oldest first)."""
        return _dumps(self._user(user_id))

    @_returns_errors
    def get_order_details(self, order_id: str) -> str:
        """Return the order with its items, status, payments and computed total."""
        return self._order_view(self._order(order_id))

    @_returns_errors
    def get_product_details(self, product_id: str) -> str:
        """Return the product with all its variants (options, price, availability)."""
        product = self._state["products"].get(_text(product_id, "product_id"))
        if product is None:
            raise ToolError("product not found")
        return _dumps(product)

    # -- state-changing tools -------------------------------------------------------------
    @_returns_errors
    def cancel_pending_order(self, order_id: str, reason: str) -> str:
        """Cancel a pending order and refund every payment to where it came from."""
        order = self._order(order_id)
        if order["status"] != "pending":
            raise ToolError("non-pending order cannot be cancelled")
        if reason not in CANCEL_REASONS:
            raise ToolError(f"invalid reason; use one of {list(CANCEL_REASONS)}")
        for payment in list(order["payment_history"]):
            if payment["transaction_type"] != "payment":
                continue
            method = self._payment_method(order["user_id"], payment["payment_method_id"])
            if method["source"] == "gift_card":
                method["balance"] = round(method["balance"] + payment["amount"], 2)
            order["payment_history"].append(dict(payment, transaction_type="refund"))
        order["status"] = "cancelled"
        order["cancel_reason"] = reason
        return self._order_view(order)

    @_returns_errors
    def modify_pending_order_address(
        self,
        order_id: str,
        address1: str,
        address2: str,
        city: str,
        state: str,
        country: str,
        zip: str,
    ) -> str:
        """Change the shipping address of a pending order (not yet processed)."""
        order = self._order(order_id)
        if order["status"] != "pending":
            raise ToolError("non-pending order cannot be modified")
        order["address"] = _address(address1, address2, city, state, country, zip)
        return self._order_view(order)

    @_returns_errors
    def modify_user_address(
        self,
        user_id: str,
        address1: str,
        address2: str,
        city: str,
        state: str,
        country: str,
        zip: str,
    ) -> str:
        """Change the user's default address (existing orders keep theirs)."""
        user = self._user(user_id)
        user["address"] = _address(address1, address2, city, state, country, zip)
        return _dumps(user)

    @_returns_errors
    def return_delivered_order_items(
        self, order_id: str, item_ids: list[str], payment_method_id: str
    ) -> str:
        """Request a return of delivered items; the refund goes to ``payment_method_id``."""
        order = self._order(order_id)
        if order["status"] != "delivered":
            raise ToolError("non-delivered order cannot be returned")
        items = _take_items(order, _id_list(item_ids, "item_ids"))
        method = self._payment_method(order["user_id"], payment_method_id)
        order["status"] = "return requested"
        order["return_items"] = sorted(item["item_id"] for item in items)
        order["return_payment_method_id"] = method["id"]
        return self._order_view(order)

    @_returns_errors
    def exchange_delivered_order_items(
        self, order_id: str, item_ids: list[str], new_item_ids: list[str], payment_method_id: str
    ) -> str:
        """Exchange delivered items for other variants of the same products.

        The price difference is charged to (or refunded to) ``payment_method_id``; a gift
        card must cover a positive difference.
        """
        order = self._order(order_id)
        if order["status"] != "delivered":
            raise ToolError("non-delivered order cannot be exchanged")
        old_ids = _id_list(item_ids, "item_ids")
        new_ids = _id_list(new_item_ids, "new_item_ids")
        if len(old_ids) != len(new_ids):
            raise ToolError("the number of items to be exchanged should match")
        items = _take_items(order, old_ids)
        difference = 0.0
        for item, new_id in zip(items, new_ids, strict=True):
            product, variant = self._variant(new_id)
            if product["product_id"] != item["product_id"]:
                raise ToolError(f"new item {new_id} is not the same product as {item['item_id']}")
            if not variant["available"]:
                raise ToolError(f"new item {new_id} not found or available")
            difference += variant["price"] - item["price"]
        difference = round(difference, 2)
        method = self._payment_method(order["user_id"], payment_method_id)
        if method["source"] == "gift_card" and method["balance"] < difference:
            raise ToolError("insufficient gift card balance to pay for the price difference")
        order["status"] = "exchange requested"
        order["exchange_items"] = sorted(old_ids)
        order["exchange_new_items"] = sorted(new_ids)
        order["exchange_payment_method_id"] = method["id"]
        order["exchange_price_difference"] = difference
        return self._order_view(order)


def _address(*parts: Any) -> dict[str, str]:
    keys = ("address1", "address2", "city", "state", "country", "zip")
    return {key: _text(value, key) for key, value in zip(keys, parts, strict=True)}


def _take_items(order: dict[str, Any], item_ids: list[str]) -> list[dict[str, Any]]:
    """The order's items for ``item_ids`` (each listed item used at most once)."""
    remaining = list(order["items"])
    taken = []
    for item_id in item_ids:
        match = next((item for item in remaining if item["item_id"] == item_id), None)
        if match is None:
            raise ToolError(f"item {item_id} not found in order")
        remaining.remove(match)
        taken.append(match)
    return taken


def _lenient(method: Callable[..., str], name: str) -> Callable[..., str]:
    """Report unknown or missing arguments as a result, the way a tool server answers a model."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def tool(*args: Any, **kwargs: Any) -> str:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as exc:
            return f"Error: bad arguments for {name}: {exc}"
        return method(*args, **kwargs)

    return tool
