"""HelpdeskEnv: an in-memory support desk (customers, tickets, agents) with 11 tools.

Like the example shop, tools take keyword arguments, return strings (JSON for records, a
bare id for lookups), really change state, and report failures as ``"Error: ..."``
results.  A seed names one exact desk, so a task's outcome is reproducible.
"""

from __future__ import annotations

import copy
import functools
import inspect
import itertools
import json
import random
from collections.abc import Callable
from typing import Any

TEAMS = ["billing", "shipping", "technical", "accounts"]
LANGUAGES = ["en", "de", "es"]
PRIORITIES = ["low", "normal", "high", "urgent"]
SUBJECTS = [
    "Refund not received",
    "Package arrived damaged",
    "Cannot log in",
    "Wrong size delivered",
    "Invoice address wrong",
    "App crashes on start",
    "Missing item",
    "Double charge",
    "Change delivery date",
    "Password reset email",
    "Warranty question",
    "Coupon not applied",
]
FIRST = [
    "Ana",
    "Ben",
    "Chiara",
    "Dev",
    "Elif",
    "Farid",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemal",
    "Lena",
    "Malik",
    "Nina",
    "Oskar",
]
LAST = ["Berg", "Costa", "Diaz", "Engel", "Fischer", "Gomez", "Haas", "Ito", "Jensen", "Kaya"]
TOOL_NAMES = (
    "find_customer_id_by_email",
    "find_customer_id_by_phone",
    "get_customer",
    "get_ticket",
    "list_agents",
    "search_tickets",
    "assign_ticket",
    "set_ticket_priority",
    "close_ticket",
    "add_comment",
    "add_tags",
)


class ToolError(Exception):
    """Raised in a tool body; the wrapper returns it as an ``"Error: ..."`` result."""


def _errors_as_results(method: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        try:
            return method(*args, **kwargs)
        except ToolError as exc:
            return f"Error: {exc}"

    return wrapper


def generate(seed: int = 0) -> dict[str, Any]:
    """The desk for ``seed``: one agent per (team, language), customers with 1-4 tickets."""
    rng = random.Random(seed)
    agents = []
    names = rng.sample(list(itertools.product(FIRST, LAST)), 60)
    for n, (team, language) in enumerate(itertools.product(TEAMS, LANGUAGES)):
        first, last = names[n]
        agents.append(
            {
                "agent_id": f"ag_{100 + n}",
                "name": f"{first} {last}",
                "specialty": {"team": team, "language": language},
            }
        )
    customers: dict[str, Any] = {}
    tickets: dict[str, Any] = {}
    for n, (first, last) in enumerate(names[12:], start=1):
        customer_id = f"cu_{1000 + n * 7}"
        phone = f"+1-555-{rng.randint(1000000, 9999999)}"
        ids = []
        for subject in rng.sample(SUBJECTS, rng.randint(1, 4)):
            ticket_id = f"T-{rng.randint(10000, 99999)}"
            while ticket_id in tickets:
                ticket_id = f"T-{rng.randint(10000, 99999)}"
            tickets[ticket_id] = {
                "ticket_id": ticket_id,
                "customer_id": customer_id,
                "subject": subject,
                "status": rng.choice(["open", "open", "pending"]),
                "priority": rng.choice(PRIORITIES),
                "assignee": None,
                "tags": [],
                "comments": [],
            }
            ids.append(ticket_id)
        customers[customer_id] = {
            "customer_id": customer_id,
            "name": f"{first} {last}",
            "email": f"{first.lower()}.{last.lower()}{n}@mail.test",
            "phone": phone,
            "tickets": ids,
        }
    return {"customers": customers, "tickets": tickets, "agents": agents}


class HelpdeskEnv:
    """The desk's state and its tools."""

    def __init__(self, state: dict[str, Any]) -> None:
        self._state = copy.deepcopy(state)

    @classmethod
    def seeded(cls, seed: int = 0) -> HelpdeskEnv:
        return cls(generate(seed))

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(json.dumps(self._state, sort_keys=True))
        return result

    def tools(self) -> dict[str, Callable[..., str]]:
        return {name: _lenient(getattr(self, name), name) for name in TOOL_NAMES}

    def _ticket(self, ticket_id: Any) -> dict[str, Any]:
        ticket = self._state["tickets"].get(ticket_id) if isinstance(ticket_id, str) else None
        if ticket is None:
            raise ToolError(f"ticket {ticket_id} not found")
        return ticket

    def _customer(self, customer_id: Any) -> dict[str, Any]:
        found = self._state["customers"].get(customer_id) if isinstance(customer_id, str) else None
        if found is None:
            raise ToolError("customer not found")
        return found

    def _open(self, ticket_id: Any) -> dict[str, Any]:
        ticket = self._ticket(ticket_id)
        if ticket["status"] == "closed":
            raise ToolError(f"ticket {ticket_id} is closed")
        return ticket

    # -- reads -------------------------------------------------------------------
    @_errors_as_results
    def find_customer_id_by_email(self, email: str) -> str:
        """The customer id for an email address."""
        for customer in self._state["customers"].values():
            if customer["email"] == str(email).strip().lower():
                return str(customer["customer_id"])
        raise ToolError("no customer with that email")

    @_errors_as_results
    def find_customer_id_by_phone(self, phone: str) -> str:
        """The customer id for a phone number."""
        for customer in self._state["customers"].values():
            if customer["phone"] == str(phone).strip():
                return str(customer["customer_id"])
        raise ToolError("no customer with that phone number")

    @_errors_as_results
    def get_customer(self, customer_id: str) -> str:
        """The customer with their tickets (id, subject, status), oldest first."""
        customer = dict(self._customer(customer_id))
        customer["tickets"] = [
            {k: self._state["tickets"][t][k] for k in ("ticket_id", "subject", "status")}
            for t in customer["tickets"]
        ]
        return json.dumps(customer, sort_keys=True)

    @_errors_as_results
    def get_ticket(self, ticket_id: str) -> str:
        return json.dumps(self._ticket(ticket_id), sort_keys=True)

    @_errors_as_results
    def list_agents(self) -> str:
        return json.dumps(self._state["agents"], sort_keys=True)

    @_errors_as_results
    def search_tickets(self, query: str) -> str:
        words = str(query).lower().split()
        hits = [
            {"ticket_id": t["ticket_id"], "subject": t["subject"]}
            for t in self._state["tickets"].values()
            if all(w in t["subject"].lower() for w in words)
        ]
        return json.dumps(hits[:10], sort_keys=True)

    # -- changes -----------------------------------------------------------------
    @_errors_as_results
    def assign_ticket(self, ticket_id: str, agent_id: str) -> str:
        ticket = self._open(ticket_id)
        if not any(a["agent_id"] == agent_id for a in self._state["agents"]):
            raise ToolError(f"agent {agent_id} not found")
        ticket["assignee"] = agent_id
        return json.dumps(ticket, sort_keys=True)

    @_errors_as_results
    def set_ticket_priority(self, ticket_id: str, priority: str) -> str:
        ticket = self._open(ticket_id)
        if priority not in PRIORITIES:
            raise ToolError(f"priority must be one of {PRIORITIES}")
        ticket["priority"] = priority
        return json.dumps(ticket, sort_keys=True)

    @_errors_as_results
    def close_ticket(self, ticket_id: str, resolution: str) -> str:
        ticket = self._open(ticket_id)
        ticket["status"] = "closed"
        ticket["resolution"] = str(resolution)
        return f"ticket {ticket_id} closed"

    @_errors_as_results
    def add_comment(self, ticket_id: str, body: str) -> str:
        ticket = self._open(ticket_id)
        comment_id = f"c{len(ticket['comments']) + 1}"
        ticket["comments"].append({"id": comment_id, "body": str(body)})
        return comment_id

    @_errors_as_results
    def add_tags(self, ticket_id: str, tags: list[str]) -> str:
        ticket = self._open(ticket_id)
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ToolError("tags must be a list of strings")
        ticket["tags"] = sorted(set(ticket["tags"]) | set(tags))
        return json.dumps(ticket, sort_keys=True)


def _lenient(method: Callable[..., str], name: str) -> Callable[..., str]:
    signature = inspect.signature(method)

    @functools.wraps(method)
    def tool(*args: Any, **kwargs: Any) -> str:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as exc:
            return f"Error: bad arguments for {name}: {exc}"
        return method(*args, **kwargs)

    return tool


def _spec(name: str, description: str, **props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": props, "required": list(props)},
        },
    }


_S = {"type": "string"}
TOOLS: list[dict[str, Any]] = [
    _spec("find_customer_id_by_email", "Customer id for an email.", email=_S),
    _spec("find_customer_id_by_phone", "Customer id for a phone number.", phone=_S),
    _spec("get_customer", "A customer and their tickets.", customer_id=_S),
    _spec("get_ticket", "A ticket.", ticket_id=_S),
    _spec("list_agents", "All support agents with their specialty."),
    _spec("search_tickets", "Tickets whose subject has all the words.", query=_S),
    _spec("assign_ticket", "Assign a ticket to an agent.", ticket_id=_S, agent_id=_S),
    _spec(
        "set_ticket_priority",
        "Set a ticket's priority.",
        ticket_id=_S,
        priority={"type": "string", "enum": PRIORITIES, "description": "The new priority."},
    ),
    _spec("close_ticket", "Close a ticket with a resolution note.", ticket_id=_S, resolution=_S),
    _spec("add_comment", "Add a comment to a ticket.", ticket_id=_S, body=_S),
    _spec(
        "add_tags",
        "Add tags to a ticket.",
        ticket_id=_S,
        tags={"type": "array", "items": _S},
    ),
]
