"""Deterministic seed data for the example shop.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, so a seed names one
exact shop: recorded trajectories replay against ``ShopEnv.seeded(0)`` byte for byte.  The
catalogue is fixed (realistic names and options); users, addresses, payment methods and
orders are generated.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

# product name -> option axes; every combination becomes a variant (an item_id)
CATALOGUE: dict[str, dict[str, list[str]]] = {
    "T-Shirt": {"color": ["blue", "black", "white"], "size": ["S", "M", "L"]},
    "Running Shoes": {"color": ["red", "grey"], "size": ["8", "9", "10"]},
    "Water Bottle": {"capacity": ["500ml", "1000ml"], "material": ["steel", "plastic"]},
    "Backpack": {"color": ["green", "black"], "size": ["small", "large"]},
    "Desk Lamp": {"color": ["white", "black"], "power source": ["USB", "AC adapter"]},
    "Wireless Headphones": {"color": ["black", "silver"], "type": ["over-ear", "in-ear"]},
    "Coffee Maker": {"capacity": ["4 cups", "8 cups"], "type": ["drip", "espresso"]},
    "Yoga Mat": {"thickness": ["4mm", "6mm"], "color": ["purple", "blue"]},
}
BASE_PRICES = {
    "T-Shirt": 19.0,
    "Running Shoes": 89.0,
    "Water Bottle": 14.0,
    "Backpack": 59.0,
    "Desk Lamp": 34.0,
    "Wireless Headphones": 129.0,
    "Coffee Maker": 79.0,
    "Yoga Mat": 29.0,
}
FIRST_NAMES = [
    "Jane", "Omar", "Mei", "Lucas", "Aisha", "Noah", "Sofia", "Ethan", "Yuki", "Liam",
    "Fatima", "Mateo", "Chloe", "Ivan", "Priya", "Daniel", "Amara", "Hugo", "Nora", "Raj",
]
LAST_NAMES = [
    "Doe", "Khan", "Chen", "Silva", "Ahmed", "Smith", "Rossi", "Brown", "Tanaka", "Garcia",
    "Novak", "Patel", "Muller", "Kim", "Lopez", "Okafor", "Dubois", "Nguyen", "Wilson", "Moreau",
]
STREETS = [
    "Maple Drive", "Oak Street", "Elm Avenue", "Pine Lane", "Cedar Road", "Lakeview Court",
    "Sunset Boulevard", "Hillcrest Way", "River Road", "Park Place",
]
CITIES = [  # city, state, zip prefix
    ("Austin", "TX", "787"),
    ("Denver", "CO", "802"),
    ("Seattle", "WA", "981"),
    ("Columbus", "OH", "432"),
    ("Portland", "OR", "972"),
    ("Charlotte", "NC", "282"),
    ("Phoenix", "AZ", "850"),
    ("Boston", "MA", "021"),
]
CARD_BRANDS = ["visa", "mastercard", "amex"]
STATUSES = ["pending", "processed", "delivered", "cancelled"]
STATUS_WEIGHTS = [4, 2, 4, 1]
N_USERS = 24


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def random_address(rng: random.Random) -> dict[str, str]:
    """A plausible US address; apartment numbers only sometimes, like real data."""
    city, state, prefix = rng.choice(CITIES)
    address2 = f"Suite {rng.randint(100, 999)}" if rng.random() < 0.5 else ""
    return {
        "address1": f"{rng.randint(10, 9999)} {rng.choice(STREETS)}",
        "address2": address2,
        "city": city,
        "state": state,
        "country": "USA",
        "zip": prefix + _digits(rng, 2),
    }


def _products(rng: random.Random) -> dict[str, dict[str, Any]]:
    products: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    for name, axes in CATALOGUE.items():
        product_id = _unique(rng, used, lambda: _digits(rng, 10))
        variants: dict[str, dict[str, Any]] = {}
        for combo in itertools.product(*axes.values()):
            item_id = _unique(rng, used, lambda: _digits(rng, 10))
            price = round(BASE_PRICES[name] * rng.uniform(0.85, 1.25), 2)
            variants[item_id] = {
                "item_id": item_id,
                "options": dict(zip(axes, combo, strict=True)),
                "price": price,
                "available": rng.random() < 0.8,
            }
        products[product_id] = {"product_id": product_id, "name": name, "variants": variants}
    return products


def _payment_methods(rng: random.Random) -> dict[str, dict[str, Any]]:
    methods: dict[str, dict[str, Any]] = {}
    card_id = "credit_card_" + _digits(rng, 7)
    methods[card_id] = {
        "id": card_id,
        "source": "credit_card",
        "brand": rng.choice(CARD_BRANDS),
        "last_four": _digits(rng, 4),
    }
    if rng.random() < 0.5:
        gift_id = "gift_card_" + _digits(rng, 7)
        methods[gift_id] = {
            "id": gift_id,
            "source": "gift_card",
            "balance": float(rng.randint(0, 200)),
        }
    if rng.random() < 0.3:
        paypal_id = "paypal_" + _digits(rng, 7)
        methods[paypal_id] = {"id": paypal_id, "source": "paypal"}
    return methods


def _unique(rng: random.Random, used: set[str], make: Any) -> str:
    while True:
        value = make()
        if value not in used:
            used.add(value)
            return str(value)


def generate(seed: int = 0) -> dict[str, Any]:
    """The whole shop state for ``seed``: ``{"users", "orders", "products"}``."""
    rng = random.Random(seed)
    products = _products(rng)
    all_items = [
        (product, variant)
        for product in products.values()
        for variant in product["variants"].values()
    ]
    names = rng.sample(list(itertools.product(FIRST_NAMES, LAST_NAMES)), N_USERS)
    users: dict[str, dict[str, Any]] = {}
    orders: dict[str, dict[str, Any]] = {}
    used_ids: set[str] = set()
    for first, last in names:
        number = _digits(rng, 4)
        user_id = f"{first.lower()}_{last.lower()}_{number}"
        address = random_address(rng)
        methods = _payment_methods(rng)
        order_ids: list[str] = []
        user: dict[str, Any] = {
            "user_id": user_id,
            "name": {"first_name": first, "last_name": last},
            "email": f"{first.lower()}.{last.lower()}{number}@example.com",
            "address": address,
            "payment_methods": methods,
            "orders": order_ids,
        }
        for _ in range(rng.randint(1, 3)):
            order_id = _unique(rng, used_ids, lambda: "#W" + _digits(rng, 7))
            picks = rng.sample(all_items, rng.randint(1, 3))
            items = [
                {
                    "item_id": variant["item_id"],
                    "name": product["name"],
                    "product_id": product["product_id"],
                    "options": dict(variant["options"]),
                    "price": variant["price"],
                }
                for product, variant in picks
            ]
            total = round(sum(item["price"] for item in items), 2)
            method = rng.choice(sorted(methods))
            orders[order_id] = {
                "order_id": order_id,
                "user_id": user_id,
                "address": dict(address),
                "items": items,
                "status": rng.choices(STATUSES, STATUS_WEIGHTS)[0],
                "payment_history": [
                    {"transaction_type": "payment", "amount": total, "payment_method_id": method}
                ],
            }
            order_ids.append(order_id)
        users[user_id] = user
    return {"users": users, "orders": orders, "products": products}
