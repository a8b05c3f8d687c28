"""Record the example trajectories: a scripted agent solving shop tasks, logged as an agent would.

Each run plays one customer-service task against a fresh ``ShopEnv.seeded(0)``, calling
the real tools, and writes what happened as either

* an OpenAI Chat Completions conversation in the envelope of DESIGN.md
  (``*.openai.json``: system + user message, assistant ``tool_calls`` with JSON-string
  arguments, ``role: "tool"`` results, a final assistant answer), or
* the native skillforge model (``*.native.json``, ``Trajectory.to_json()``).

The agent is scripted rather than a model so the files are reproducible: running
``python examples/record.py`` rewrites them byte for byte.  Inputs are picked from the
seeded shop (different users and orders per run), and one run takes a realistic detour
(a failed lookup with a mistyped order id before the right one) so compilers see noise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillforge.trajectory.model import Message, Step, ToolCall, ToolSpec, Trajectory

try:
    from .shop import TOOLS, ShopEnv
except ImportError:  # run as a script: python examples/record.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from examples.shop import TOOLS, ShopEnv

OUT_DIR = Path(__file__).resolve().parent / "trajectories"
SYSTEM_PROMPT = (
    "You are a customer-service agent for an online shop. Identify the customer, look up "
    "what you need with the tools, make only the changes the customer asked for, and "
    "answer briefly."
)


@dataclass
class Recorder:
    """Calls tools on a fresh shop and logs every call both as OpenAI messages and steps."""

    run_id: str
    task: str
    inputs: dict[str, Any]
    env: ShopEnv = field(default_factory=ShopEnv.seeded)
    messages: list[dict[str, Any]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    final_answer: str = ""

    def __post_init__(self) -> None:
        self._tools = self.env.tools()
        for role, text in (("system", SYSTEM_PROMPT), ("user", self.task)):
            self.messages.append({"role": role, "content": text})
            self.steps.append(Message(role=role, content=text))

    def call(self, name: str, **arguments: Any) -> str:
        """Call a tool and log the assistant's tool call and the tool's string result."""
        # deterministic ids in OpenAI's shape: the same run always gets the same ids
        digest = hashlib.sha256(f"{self.run_id}/{len(self.steps)}".encode()).hexdigest()
        call_id = "call_" + digest[:24]
        result = self._tools[name](**arguments)
        self.messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": json.dumps(arguments)},
                    }
                ],
            }
        )
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": result})
        self.steps.append(
            ToolCall(
                id=call_id,
                name=name,
                arguments=arguments,
                result=result,
                is_error=result.startswith("Error:"),
            )
        )
        return result

    def answer(self, text: str) -> None:
        self.final_answer = text
        self.messages.append({"role": "assistant", "content": text})
        self.steps.append(Message(role="assistant", content=text))

    def openai_envelope(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "inputs": self.inputs,
            "tools": TOOLS,
            "messages": self.messages,
            "outcome": "success",
        }

    def native(self) -> Trajectory:
        specs = [
            ToolSpec(
                name=spec["function"]["name"],
                description=spec["function"]["description"],
                parameters=spec["function"]["parameters"],
            )
            for spec in TOOLS
        ]
        return Trajectory(
            task=self.task,
            inputs=self.inputs,
            tools=specs,
            steps=self.steps,
            outcome="success",
            final_answer=self.final_answer,
        )


# -- the scripted agent, one function per task kind ------------------------------------


def cancel_order(rec: Recorder, detour: bool = False) -> None:
    email, order_id, reason = (rec.inputs[k] for k in ("email", "order_id", "reason"))
    rec.call("find_user_id_by_email", email=email)
    if detour:  # the agent drops the '#', gets an error, and retries with the real id
        rec.call("get_order_details", order_id=order_id.lstrip("#"))
    rec.call("get_order_details", order_id=order_id)
    order = json.loads(rec.call("cancel_pending_order", order_id=order_id, reason=reason))
    rec.answer(
        f"Your order {order_id} has been cancelled ({reason}). A refund of "
        f"${order['total']:.2f} goes back to your original payment method."
    )


def update_default_address(rec: Recorder, detour: bool = False) -> None:
    i = rec.inputs
    user_id = rec.call(
        "find_user_id_by_name_zip",
        first_name=i["first_name"],
        last_name=i["last_name"],
        zip=i["zip"],
    )
    rec.call(
        "modify_user_address",
        user_id=user_id,
        address1=i["address1"],
        address2=i["address2"],
        city=i["city"],
        state=i["state"],
        country=i["country"],
        zip=i["new_zip"],
    )
    rec.answer(
        f"Done! Your default address is now {i['address1']}, {i['city']}, "
        f"{i['state']} {i['new_zip']}."
    )


def order_status(rec: Recorder, detour: bool = False) -> None:
    order = json.loads(rec.call("get_order_details", order_id=rec.inputs["order_id"]))
    rec.answer(f"Your order {order['order_id']} is currently {order['status']}.")


def latest_order_total(rec: Recorder, detour: bool = False) -> None:
    user_id = rec.call("find_user_id_by_email", email=rec.inputs["email"])
    user = json.loads(rec.call("get_user_details", user_id=user_id))
    order = json.loads(rec.call("get_order_details", order_id=user["orders"][-1]))
    rec.answer(f"Your most recent order, {order['order_id']}, totals ${order['total']:.2f}.")


SOLVERS: dict[str, Callable[..., None]] = {
    "cancel_order": cancel_order,
    "update_default_address": update_default_address,
    "order_status": order_status,
    "latest_order_total": latest_order_total,
}


# -- which runs to record ----------------------------------------------------------------

NEW_ADDRESSES = [
    ("742 Evergreen Terrace", "", "Springfield", "IL", "USA", "62704"),
    ("18 Harbor View", "Apt 5B", "San Diego", "CA", "USA", "92101"),
    ("400 Magnolia Street", "Unit 12", "Savannah", "GA", "USA", "31401"),
]


@dataclass(frozen=True)
class Run:
    """One recorded run: its file stem, task kind, what the user said, and the format."""

    stem: str
    kind: str
    task: str
    inputs: dict[str, Any]
    fmt: str  # "openai" or "native"
    detour: bool = False


def plan_runs(env: ShopEnv) -> list[Run]:
    """Pick inputs from the seeded shop: different users and orders for every run."""
    state = env.state()
    users = [state["users"][uid] for uid in sorted(state["users"])]
    orders = state["orders"]

    def first_order(user: dict[str, Any], status: str) -> str | None:
        return next((o for o in user["orders"] if orders[o]["status"] == status), None)

    runs: list[Run] = []
    with_pending = [u for u in users if first_order(u, "pending")]
    reasons = ["no longer needed", "ordered by mistake", "no longer needed"]
    for n, (user, reason) in enumerate(zip(with_pending[:3], reasons, strict=True), 1):
        order_id = first_order(user, "pending")
        text = (
            f"Hi, please cancel my order {order_id}, the reason is: {reason}. "
            f"My email is {user['email']}."
        )
        inputs = {"email": user["email"], "order_id": order_id, "reason": reason}
        runs.append(Run(f"cancel_order_{n}", "cancel_order", text, inputs, "openai", n == 2))

    movers = [u for u in users if u not in with_pending[:3]][:3]
    for n, (user, new) in enumerate(zip(movers, NEW_ADDRESSES, strict=True), 1):
        address1, address2, city, state_code, country, new_zip = new
        name = user["name"]
        line2 = f" {address2}," if address2 else ""
        text = (
            f"I'm {name['first_name']} {name['last_name']}, zip code {user['address']['zip']}. "
            f"I moved: please change my default address to {address1},{line2} {city}, "
            f"{state_code} {new_zip}, {country}."
        )
        inputs = {
            "first_name": name["first_name"],
            "last_name": name["last_name"],
            "zip": user["address"]["zip"],
            "address1": address1,
            "address2": address2,
            "city": city,
            "state": state_code,
            "country": country,
            "new_zip": new_zip,
        }
        runs.append(Run(f"update_default_address_{n}", "update_default_address", text, inputs,
                        "native"))

    for n, status in enumerate(("pending", "delivered", "processed"), 1):
        order_id = next(o for o in sorted(orders) if orders[o]["status"] == status)
        text = f"What's the status of my order {order_id}?"
        fmt = "native" if n == 3 else "openai"  # one task mixes both formats
        runs.append(Run(f"order_status_{n}", "order_status", text, {"order_id": order_id}, fmt))

    # users with 2 and with 3 orders, so "the last order" is not confused with "the second"
    repeat_buyers = [u for u in reversed(users) if len(u["orders"]) == 3][:1]
    repeat_buyers += [u for u in reversed(users) if len(u["orders"]) == 2][:2]
    for n, user in enumerate(repeat_buyers, 1):
        text = f"How much was my most recent order? My email is {user['email']}."
        runs.append(Run(f"latest_order_total_{n}", "latest_order_total", text,
                        {"email": user["email"]}, "openai"))
    return runs


def record(run: Run) -> tuple[str, str]:
    """Play one run against a fresh shop; return (file name, file text)."""
    rec = Recorder(run_id=run.stem, task=run.task, inputs=dict(run.inputs))
    SOLVERS[run.kind](rec, detour=run.detour)
    if run.fmt == "native":
        return f"{run.stem}.native.json", rec.native().to_json() + "\n"
    text = json.dumps(rec.openai_envelope(), indent=2, ensure_ascii=False) + "\n"
    return f"{run.stem}.openai.json", text


def record_all(out_dir: Path = OUT_DIR) -> list[Path]:
    """Write every run into ``out_dir`` (replacing old recordings); return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for pattern in ("*.openai.json", "*.native.json"):
        for old in out_dir.glob(pattern):
            old.unlink()
    paths = []
    for run in plan_runs(ShopEnv.seeded(0)):
        name, text = record(run)
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    args = parser.parse_args(argv)
    for path in record_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
