"""Task families: for each, a generator of tasks and the scripted agent's procedure.

Each family needs one of the compiler's generalizations to be reusable on unseen tasks:

shop      cancel_order      guard (the order must belong to the customer found by email)
          return_items      loop over a list of item names, duplicates included
          exchange_item     pick by name, then the variant whose options equal the item's
                            options updated with the requested changes
          update_address    branch: identify by email, or by name and zip
helpdesk  assign_specialist pick the agent whose nested specialty dict equals the input
          close_tickets     one call per element of a list parameter
          reprioritize      lookup, then pick the customer's ticket by subject
          comment_latest    branch: email or phone; then the customer's last ticket
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.reuse.agent import Agent  # noqa: E402
from benchmarks.reuse.helpdesk import LANGUAGES, PRIORITIES, TEAMS, HelpdeskEnv  # noqa: E402
from benchmarks.reuse.helpdesk import TOOLS as DESK_TOOLS  # noqa: E402
from examples.shop import TOOLS as SHOP_TOOLS  # noqa: E402
from examples.shop import ShopEnv  # noqa: E402
from examples.shop.env import CANCEL_REASONS  # noqa: E402

Inputs = dict[str, Any]


@dataclass(frozen=True)
class Family:
    name: str
    service: str
    sample: Callable[[dict[str, Any], random.Random], tuple[str, Inputs] | None]
    solve: Callable[[Agent, Inputs], None]


SERVICES: dict[str, tuple[Callable[[int], Any], list[dict[str, Any]]]] = {
    "shop": (ShopEnv.seeded, SHOP_TOOLS),
    "helpdesk": (HelpdeskEnv.seeded, DESK_TOOLS),
}


# -- shop ------------------------------------------------------------------------------


def _orders(state: dict[str, Any], status: str) -> list[dict[str, Any]]:
    return [o for _, o in sorted(state["orders"].items()) if o["status"] == status]


def sample_cancel(state: dict[str, Any], rng: random.Random) -> tuple[str, Inputs] | None:
    order = rng.choice(_orders(state, "pending"))
    email = state["users"][order["user_id"]]["email"]
    reason = rng.choice(CANCEL_REASONS)
    text = f"Please cancel order {order['order_id']} ({reason}). My email is {email}."
    return text, {"email": email, "order_id": order["order_id"], "reason": reason}


def solve_cancel(agent: Agent, i: Inputs) -> None:
    agent.say("Let me find your account first.")
    user_id = agent.read("find_user_id_by_email", email=i["email"])
    agent.wrong("get_order_details", order_id=i["order_id"].lstrip("#"))
    order = agent.read("get_order_details", order_id=i["order_id"])
    agent.extra("get_user_details", user_id=user_id)
    if order is None or order["user_id"] != user_id or order["status"] != "pending":
        agent.failed = True
        return
    agent.change("cancel_pending_order", order_id=i["order_id"], reason=i["reason"])
    agent.answer(f"Order {i['order_id']} is cancelled.")


def sample_return(state: dict[str, Any], rng: random.Random) -> tuple[str, Inputs] | None:
    order = rng.choice(_orders(state, "delivered"))
    items = rng.sample(order["items"], rng.randint(1, len(order["items"])))
    names = [item["name"] for item in items]
    text = f"I want to return {', '.join(names)} from order {order['order_id']}."
    return text, {"order_id": order["order_id"], "item_names": names}


def solve_return(agent: Agent, i: Inputs) -> None:
    agent.wrong("get_order_details", order_id=i["order_id"].lower())
    order = agent.read("get_order_details", order_id=i["order_id"])
    if order is None:
        return
    agent.say("I found the order; let me match the items.")
    agent.extra("get_user_details", user_id=order["user_id"])
    remaining = list(order["items"])
    item_ids = []
    for name in i["item_names"]:
        item = next(it for it in remaining if it["name"] == name)
        remaining.remove(item)
        item_ids.append(item["item_id"])
    payment = order["payment_history"][0]["payment_method_id"]
    agent.change(
        "return_delivered_order_items",
        order_id=i["order_id"],
        item_ids=item_ids,
        payment_method_id=payment,
    )
    agent.answer("Your return is requested.")


def sample_exchange(state: dict[str, Any], rng: random.Random) -> tuple[str, Inputs] | None:
    order = rng.choice(_orders(state, "delivered"))
    item = rng.choice(order["items"])
    if item != next(it for it in order["items"] if it["name"] == item["name"]):
        return None  # "the T-Shirt" must mean one item
    product = state["products"][item["product_id"]]
    options = []
    for variant in product["variants"].values():
        diff = {k: v for k, v in variant["options"].items() if item["options"][k] != v}
        ids_in_order = {it["item_id"] for it in order["items"]}
        if len(diff) == 1 and variant["available"] and variant["item_id"] not in ids_in_order:
            options.append(diff)
    if not options:
        return None
    changes = rng.choice(options)
    wanted = ", ".join(f"{k} {v}" for k, v in changes.items())
    text = f"Please exchange the {item['name']} in {order['order_id']} for {wanted}."
    return text, {"order_id": order["order_id"], "item_name": item["name"], "changes": changes}


def solve_exchange(agent: Agent, i: Inputs) -> None:
    order = agent.read("get_order_details", order_id=i["order_id"])
    if order is None:
        return
    item = next(it for it in order["items"] if it["name"] == i["item_name"])
    agent.wrong("get_product_details", product_id=item["item_id"])
    product = agent.read("get_product_details", product_id=item["product_id"])
    agent.say("Checking which variant matches.")
    wanted = {**item["options"], **i["changes"]}
    variant = next(v for v in product["variants"].values() if v["options"] == wanted)
    agent.change(
        "exchange_delivered_order_items",
        order_id=i["order_id"],
        item_ids=[item["item_id"]],
        new_item_ids=[variant["item_id"]],
        payment_method_id=order["payment_history"][0]["payment_method_id"],
    )
    agent.answer("The exchange is requested.")


STREETS = ["Harbor View", "Magnolia Street", "Elm Row", "Quarry Lane", "Beacon Hill"]
CITIES = [("Springfield", "IL", "62704"), ("San Diego", "CA", "92101"), ("Savannah", "GA", "31401")]


def sample_address(state: dict[str, Any], rng: random.Random) -> tuple[str, Inputs] | None:
    user = state["users"][rng.choice(sorted(state["users"]))]
    city, code, zip_code = rng.choice(CITIES)
    new = {
        "address1": f"{rng.randint(10, 999)} {rng.choice(STREETS)}",
        "address2": rng.choice(["", f"Apt {rng.randint(1, 40)}"]),
        "city": city,
        "state": code,
        "country": "USA",
        "new_zip": zip_code,
    }
    if rng.random() < 0.5:
        who = {"email": user["email"]}
    else:
        name = user["name"]
        who = {"first_name": name["first_name"], "last_name": name["last_name"]}
        who["zip"] = user["address"]["zip"]
    text = f"I ({', '.join(who.values())}) moved to {new['address1']}, {city}. Update my address."
    return text, {**who, **new}


def solve_address(agent: Agent, i: Inputs) -> None:
    if "email" in i:
        user_id = agent.read("find_user_id_by_email", email=i["email"])
    else:
        agent.wrong("find_user_id_by_name_zip", first_name=i["first_name"], last_name="", zip="")
        user_id = agent.read(
            "find_user_id_by_name_zip",
            first_name=i["first_name"],
            last_name=i["last_name"],
            zip=i["zip"],
        )
    keys = ("address1", "address2", "city", "state", "country")
    agent.change(
        "modify_user_address", user_id=user_id, **{k: i[k] for k in keys}, zip=i["new_zip"]
    )
    agent.answer("Your address is updated.")


# -- helpdesk ----------------------------------------------------------------------------


def _open_tickets(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for _, t in sorted(state["tickets"].items()) if t["status"] != "closed"]


def sample_assign(state: dict[str, Any], rng: random.Random) -> tuple[str, Inputs] | None:
    ticket = rng.choice(_open_tickets(state))
    specialty = {"team": rng.choice(TEAMS), "language": rng.choice(LANGUAGES)}
    team, language = specialty["team"], specialty["language"]
    text = f"Assign {ticket['ticket_id']} to a {team} agent speaking {language}."
    return text, {"ticket_id": ticket["ticket_id"], "specialty": specialty}


def solve_assign(agent: Agent, i: Inputs) -> None:
    agent.extra("get_ticket", ticket_id=i["ticket_id"])
    agents = agent.read("list_agents")
    chosen = next(a for a in agents if a["specialty"] == i["specialty"])
    agent.say(f"{chosen['name']} fits.")
    agent.change("assign_ticket", ticket_id=i["ticket_id"], agent_id=chosen["agent_id"])
    agent.answer(f"Assigned to {chosen['name']}.")


RESOLUTIONS = ["Refund issued", "Duplicate of another ticket", "Customer confirmed the fix"]


def sample_close(state: dict[str, Any], rng: random.Random) -> tuple[str, Inputs] | None:
    tickets = rng.sample(_open_tickets(state), rng.randint(1, 4))
    ids = [t["ticket_id"] for t in tickets]
    resolution = rng.choice(RESOLUTIONS)
    return f"Close {', '.join(ids)}: {resolution}.", {"ticket_ids": ids, "resolution": resolution}


def solve_close(agent: Agent, i: Inputs) -> None:
    for ticket_id in i["ticket_ids"]:
        agent.extra("get_ticket", ticket_id=ticket_id)
        agent.change("close_ticket", ticket_id=ticket_id, resolution=i["resolution"])
    agent.answer("Closed.")


def sample_priority(state: dict[str, Any], rng: random.Random) -> tuple[str, Inputs] | None:
    customer = state["customers"][rng.choice(sorted(state["customers"]))]
    ticket = state["tickets"][rng.choice(customer["tickets"])]
    if ticket["status"] == "closed":
        return None
    priority = rng.choice(PRIORITIES)
    text = f"I'm {customer['email']}: make my ticket '{ticket['subject']}' {priority} priority."
    return text, {"email": customer["email"], "subject": ticket["subject"], "priority": priority}


def solve_priority(agent: Agent, i: Inputs) -> None:
    agent.wrong("get_customer", customer_id=i["email"])
    customer_id = agent.read("find_customer_id_by_email", email=i["email"])
    customer = agent.read("get_customer", customer_id=customer_id)
    ticket = next(t for t in customer["tickets"] if t["subject"] == i["subject"])
    agent.extra("search_tickets", query=i["subject"])
    agent.change("set_ticket_priority", ticket_id=ticket["ticket_id"], priority=i["priority"])
    agent.answer("Priority updated.")


COMMENTS = ["We are looking into it.", "A replacement is on its way.", "Please send a photo."]


def sample_comment(state: dict[str, Any], rng: random.Random) -> tuple[str, Inputs] | None:
    customer = state["customers"][rng.choice(sorted(state["customers"]))]
    if state["tickets"][customer["tickets"][-1]]["status"] == "closed":
        return None
    body = rng.choice(COMMENTS)
    key = rng.choice(["email", "phone"])
    text = f"Add '{body}' to the latest ticket of {customer[key]}."
    return text, {key: customer[key], "body": body}


def solve_comment(agent: Agent, i: Inputs) -> None:
    if "email" in i:
        customer_id = agent.read("find_customer_id_by_email", email=i["email"])
    else:
        agent.wrong("find_customer_id_by_phone", phone=i["phone"].replace("-", ""))
        customer_id = agent.read("find_customer_id_by_phone", phone=i["phone"])
    customer = agent.read("get_customer", customer_id=customer_id)
    latest = customer["tickets"][-1]["ticket_id"]
    agent.change("add_comment", ticket_id=latest, body=i["body"])
    agent.answer("Comment added.")


FAMILIES = [
    Family("cancel_order", "shop", sample_cancel, solve_cancel),
    Family("return_items", "shop", sample_return, solve_return),
    Family("exchange_item", "shop", sample_exchange, solve_exchange),
    Family("update_address", "shop", sample_address, solve_address),
    Family("assign_specialist", "helpdesk", sample_assign, solve_assign),
    Family("close_tickets", "helpdesk", sample_close, solve_close),
    Family("reprioritize", "helpdesk", sample_priority, solve_priority),
    Family("comment_latest", "helpdesk", sample_comment, solve_comment),
]
