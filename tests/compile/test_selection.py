"""Selections: the element picked by fields equal to inputs, not by its position."""

from __future__ import annotations

from tests.compile.helpers import body, chat_run, compile_runs, order, product

SHIRT = {"color": "blue", "size": "M"}
SHOES = {"color": "red", "size": "9"}


def exchange_run(
    order_id: str,
    name: str,
    changes: dict[str, str],
    items: list,
    variants: dict,
    old_id: str,
    new_id: str,
) -> dict:
    result = order(order_id, "ann_1", items)
    product_id = next(p for n, _, p, _ in items if n == name)
    return chat_run(
        f"Exchange the {name} in {order_id}",
        {"order_id": order_id, "item_name": name, "changes": changes},
        [
            ("get_order_details", {"order_id": order_id}, result),
            ("get_product_details", {"product_id": product_id}, product(product_id, variants)),
            (
                "exchange_delivered_order_items",
                {
                    "order_id": order_id,
                    "item_ids": [old_id],
                    "new_item_ids": [new_id],
                    "payment_method_id": "card_ann_1",
                },
                "ok",
            ),
        ],
    )


def test_item_is_picked_by_name_and_variant_by_updated_options() -> None:
    run1 = exchange_run(
        "#W100",
        "T-Shirt",
        {"color": "black"},
        [("Shoes", "I-001", "P-002", SHOES), ("T-Shirt", "I-002", "P-001", SHIRT)],
        {
            "V-001": {"color": "blue", "size": "L"},
            "V-002": {"color": "black", "size": "M"},
            "I-002": SHIRT,
        },
        "I-002",
        "V-002",
    )
    run2 = exchange_run(
        "#W200",
        "Shoes",
        {"size": "10"},
        [("Shoes", "I-005", "P-002", SHOES), ("Mug", "I-006", "P-003", {"color": "red"})],
        {
            "I-005": SHOES,
            "V-007": {"color": "red", "size": "10"},
            "V-008": {"color": "grey", "size": "10"},
        },
        "I-005",
        "V-007",
    )
    draft = compile_runs(run1, run2)
    code = body(draft)
    assert '(item for item in order_details["items"] if item["name"] == item_name)' in code
    assert 'f"no item named {item_name!r} in order {order_id}"' in code
    assert 'tools.get_product_details(product_id=item["product_id"])' in code
    assert 'wanted_options = {**item["options"], **changes}' in code
    assert 'if variant["options"] == wanted_options' in code
    assert "no variant with options {wanted_options!r} in product {item['product_id']}" in code
    assert 'product_details["variants"].values()' in code
    assert 'new_item_ids=[variant["item_id"]]' in code
    assert 'payment_method_id=order_details["payment_history"][0]["payment_method_id"]' in code
    assert "changes: dict[str, str]" in draft.source


def test_whole_nested_dict_equality_selects() -> None:
    def run(options: dict[str, str], agents: list[dict], chosen: str, ticket: str) -> dict:
        return chat_run(
            "Assign the ticket",
            {"ticket_id": ticket, "specialty": options},
            [
                ("list_agents", {}, agents),
                ("assign_ticket", {"ticket_id": ticket, "agent_id": chosen}, "ok"),
            ],
        )

    agents = [
        {"agent_id": "ag_101", "specialty": {"team": "billing", "language": "de"}},
        {"agent_id": "ag_102", "specialty": {"team": "billing", "language": "en"}},
    ]
    draft = compile_runs(
        run({"team": "billing", "language": "en"}, agents, "ag_102", "T-1001"),
        run({"team": "billing", "language": "de"}, agents, "ag_101", "T-1002"),
    )
    code = body(draft)
    assert 'agent["specialty"] == specialty' in code
    assert 'agent_id=agent["agent_id"]' in code


def test_position_is_kept_when_no_field_explains_the_choice() -> None:
    run = chat_run(
        "t",
        {"email": "a@x.com"},
        [
            ("find_user_id_by_email", {"email": "a@x.com"}, "ann_1"),
            ("get_user_details", {"user_id": "ann_1"}, {"orders": ["#W100", "#W200"]}),
            ("cancel_pending_order", {"order_id": "#W200"}, "ok"),
        ],
    )
    assert 'order_id=user_details["orders"][-1]' in body(compile_runs(run))


def test_a_value_is_bound_where_it_generalises_not_to_an_id_key() -> None:
    def run(order_id: str, user: str, card: str) -> dict:
        profile = {"user_id": user, "payment_methods": {card: {"id": card, "source": "card"}}}
        found = order(order_id, user, [("Mug", "it-mug-1", "pr-mug", {})])
        found["payment_history"][0]["payment_method_id"] = card
        return chat_run(
            "Refund",
            {"order_id": order_id, "user_id": user},
            [
                ("get_user_details", {"user_id": user}, profile),
                ("get_order_details", {"order_id": order_id}, found),
                ("refund", {"order_id": order_id, "payment_method_id": card}, "ok"),
            ],
        )

    code = body(compile_runs(run("#W100", "ann_1", "card_111"), run("#W200", "bob_2", "card_222")))
    assert 'payment_method_id=order_details["payment_history"][0]["payment_method_id"]' in code
    assert "get_user_details" not in code


def test_a_parameter_that_picks_an_element_does_not_take_the_arguments_description() -> None:
    spec = {
        "name": "return_delivered_order_items",
        "description": "Return items of a delivered order.",
        "parameters": {
            "type": "object",
            "properties": {
                "order_id": {"type": "string", "description": "The order id."},
                "item_ids": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Item ids of the order to return",
                },
            },
        },
    }
    result = order("#W100", "ann_1", [("Mug", "I-001", "P-1", {}), ("Lamp", "I-002", "P-2", {})])
    run = chat_run(
        "Return the Lamp of #W100",
        {"order_id": "#W100", "item_names": ["Lamp"]},
        [
            ("get_order_details", {"order_id": "#W100"}, result),
            ("return_delivered_order_items", {"order_id": "#W100", "item_ids": ["I-002"]}, "ok"),
        ],
        tools=[spec],
    )
    draft = compile_runs(run)
    assert 'item["name"] == item_name' in body(draft)
    assert "item_names: e.g. ['Lamp']." in draft.source
    assert "Item ids" not in draft.source
