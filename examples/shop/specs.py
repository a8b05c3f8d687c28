"""OpenAI function-tool specs for the shop's tools.

These are what an agent is shown and what the recorded trajectories carry in their
``tools`` field, so skillforge knows each tool's arguments (and, from the names, which
tools only read: ``find_*`` / ``get_*``).
"""

from __future__ import annotations

from typing import Any

from .env import CANCEL_REASONS


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _ids(description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": description}


_ORDER_ID = _string("The order id, such as '#W0123456' (with the leading '#').")
_USER_ID = _string("The user id, such as 'jane_doe_1234'.")
_PAYMENT = _string("A payment method id of the user, such as 'gift_card_0000000'.")
_ADDRESS = {
    "address1": _string("Street address, first line."),
    "address2": _string("Second line (apartment, suite), or an empty string."),
    "city": _string("City."),
    "state": _string("State code, such as 'TX'."),
    "country": _string("Country, such as 'USA'."),
    "zip": _string("Zip code, such as '78701'."),
}


def _function(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": list(properties),
                "additionalProperties": False,
            },
        },
    }


TOOLS: list[dict[str, Any]] = [
    _function(
        "find_user_id_by_email",
        "Find a user's id from their email address. Returns the bare user id.",
        {"email": _string("The user's email, such as 'jane.doe1234@example.com'.")},
    ),
    _function(
        "find_user_id_by_name_zip",
        "Find a user's id from first name, last name and the zip code of their default "
        "address. Returns the bare user id.",
        {
            "first_name": _string("First name, such as 'Jane'."),
            "last_name": _string("Last name, such as 'Doe'."),
            "zip": _string("Zip code of the default address."),
        },
    ),
    _function(
        "get_user_details",
        "Get a user's name, email, default address, payment methods and order ids "
        "(oldest order first), as JSON.",
        {"user_id": _USER_ID},
    ),
    _function(
        "get_order_details",
        "Get an order's status, items, shipping address, payment history and total, as JSON.",
        {"order_id": _ORDER_ID},
    ),
    _function(
        "get_product_details",
        "Get a product and all its variants (item ids, options, price, availability), as JSON.",
        {"product_id": _string("The product id, a 10-digit string.")},
    ),
    _function(
        "cancel_pending_order",
        "Cancel a pending order. Payments are refunded to their original payment methods. "
        "Only for orders with status 'pending'.",
        {
            "order_id": _ORDER_ID,
            "reason": {
                "type": "string",
                "enum": list(CANCEL_REASONS),
                "description": "Why the user cancels.",
            },
        },
    ),
    _function(
        "modify_pending_order_address",
        "Change the shipping address of a pending order.",
        {"order_id": _ORDER_ID, **_ADDRESS},
    ),
    _function(
        "modify_user_address",
        "Change a user's default address. Existing orders keep their shipping address.",
        {"user_id": _USER_ID, **_ADDRESS},
    ),
    _function(
        "return_delivered_order_items",
        "Request a return of some items of a delivered order; the refund goes to the given "
        "payment method.",
        {
            "order_id": _ORDER_ID,
            "item_ids": _ids("Item ids of the order to return."),
            "payment_method_id": _PAYMENT,
        },
    ),
    _function(
        "exchange_delivered_order_items",
        "Exchange items of a delivered order for other available variants of the same "
        "products; the price difference is charged or refunded to the payment method.",
        {
            "order_id": _ORDER_ID,
            "item_ids": _ids("Item ids of the order to exchange."),
            "new_item_ids": _ids("New item ids, one per exchanged item, in the same order."),
            "payment_method_id": _PAYMENT,
        },
    ),
]
