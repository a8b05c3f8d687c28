"""The public contract other parts of skillforge rely on (see DESIGN.md, Sandbox contract)."""

from __future__ import annotations

import json
from typing import Any

from sandbox import Limits, Result, Sandbox, doctor, run

ORDER_SKILL = '''
import json
from typing import Any

def main(tools, *, order_id: str, items: list[str] | None = None) -> str:
    """Look an order up and return its status."""
    order = json.loads(tools.get_order(order_id=order_id))
    if items:
        missing = [i for i in items if i not in order["items"]]
        if missing:
            raise SkillError(f"no item named {missing[0]} in order {order_id}")
    print("status", order["status"])
    return order["status"]
'''


def get_order(order_id: str) -> str:
    return json.dumps({"id": order_id, "status": "pending", "items": ["pen", "ink"]})


TOOLS: dict[str, Any] = {"get_order": get_order}


def test_run_ok_with_tool_calls_and_stdout(box: Sandbox) -> None:
    result = box.run(ORDER_SKILL, entry="main", kwargs={"order_id": "#W1"}, tools=TOOLS)
    assert isinstance(result, Result)
    assert result.ok, result
    assert result.value == "pending"
    assert result.error is None
    assert result.stdout == "status pending\n"
    assert result.tool_calls == [{"name": "get_order", "arguments": {"order_id": "#W1"},
                                  "result": get_order("#W1"), "error": None}]


def test_module_level_run_uses_default_pool() -> None:
    result = run(ORDER_SKILL, entry="main", kwargs={"order_id": "#W2"}, tools=TOOLS,
                 limits=Limits(cpu_seconds=2, wall_seconds=5, memory_mb=256))
    assert result.ok and result.value == "pending"


def test_skill_error(box: Sandbox) -> None:
    result = box.run(ORDER_SKILL, kwargs={"order_id": "#W1", "items": ["nib"]}, tools=TOOLS)
    assert not result.ok
    assert result.error == "SkillError"
    assert result.message == "no item named nib in order #W1"
    assert result.value is None


def test_tool_error_from_host_tool_is_catchable(box: Sandbox) -> None:
    def broken(**_: Any) -> str:
        raise ValueError("database down")

    source = '''
def main(tools):
    try:
        tools.broken(x=1)
    except ToolError as exc:
        return "caught: " + str(exc)
'''
    result = box.run(source, tools={"broken": broken})
    assert result.ok and result.value == "caught: ValueError: database down"
    assert result.tool_calls[0]["error"] == "ValueError: database down"
    uncaught = box.run("def main(tools):\n    return tools.broken(x=1)\n",
                       tools={"broken": broken})
    assert uncaught.error == "ToolError" and "database down" in uncaught.message


def test_undeclared_tool_is_tool_error_and_recorded(box: Sandbox) -> None:
    result = box.run("def main(tools):\n    return tools.delete_everything(confirm=True)\n",
                     tools=TOOLS)
    assert result.error == "ToolError"
    assert "undeclared tool 'delete_everything'" in result.message
    assert result.tool_calls[0]["name"] == "delete_everything"
    assert result.tool_calls[0]["error"].startswith("undeclared tool")


def test_positional_tool_arguments_are_a_policy_error(box: Sandbox) -> None:
    result = box.run("def main(tools):\n    return tools.get_order('#W1')\n", tools=TOOLS)
    assert result.error == "PolicyViolation"
    assert result.tool_calls == []


def test_compile_refusal_is_policy_violation(box: Sandbox) -> None:
    result = box.run("def main(tools):\n    return ().__class__\n")
    assert result.error == "PolicyViolation"
    assert "__class__" in result.message


def test_other_exceptions_are_error_with_type_name(box: Sandbox) -> None:
    result = box.run("def main(tools, *, d: dict):\n    return d['missing']\n",
                     kwargs={"d": {}})
    assert result.error == "Error"
    assert result.message.startswith("KeyError")


def test_missing_entry(box: Sandbox) -> None:
    result = box.run("def other(tools):\n    return 1\n", entry="main")
    assert result.error == "Error" and "main" in result.message


def test_allowed_modules_and_features(box: Sandbox) -> None:
    source = '''
import json, re, math, datetime, decimal, collections, itertools, statistics, string
from typing import Any, Optional
from dataclasses import dataclass, field, asdict
from collections import defaultdict, Counter

@dataclass
class Line:
    sku: str
    qty: int = 1
    tags: list[str] = field(default_factory=list)

class Basket:
    def __init__(self):
        self.lines = []
        self.total = 0
    def add(self, line):
        self.lines.append(line)
        self.total += line.qty

def main(tools, *, text: str) -> Any:
    basket = Basket()
    for sku, qty in json.loads(text).items():
        basket.add(Line(sku, qty))
    counts = defaultdict(int)
    for line in basket.lines:
        counts[line.sku[0]] += line.qty
    when = datetime.datetime.strptime("2024-03-01", "%Y-%m-%d").date()
    return {
        "total": basket.total, "counts": dict(counts), "when": when.isoformat(),
        "dec": str(decimal.Decimal("0.1") + decimal.Decimal("0.2")),
        "words": re.findall(r"[a-z]+", "ab cd"), "sqrt": math.sqrt(16),
        "mean": statistics.mean([1, 2, 3]), "pairs": list(itertools.combinations("ab", 2)),
        "fmt": "{0}-{name}".format(1, name="x"), "title": string.capwords("a b"),
        "first": asdict(basket.lines[0]), "common": Counter("aab").most_common(1),
        "dumped": json.dumps({"a": 1}, sort_keys=True),
    }
'''
    result = box.run(source, kwargs={"text": '{"apple": 2, "avocado": 3, "kiwi": 1}'})
    assert result.ok, result
    assert result.value == {
        "total": 6, "counts": {"a": 5, "k": 1}, "when": "2024-03-01", "dec": "0.3",
        "words": ["ab", "cd"], "sqrt": 4.0, "mean": 2, "pairs": [["a", "b"]],
        "fmt": "1-x", "title": "A B", "first": {"sku": "apple", "qty": 2, "tags": []},
        "common": [["a", 2]], "dumped": '{"a": 1}',
    }


def test_non_json_return_value_is_error(box: Sandbox) -> None:
    result = box.run("def main(tools):\n    return {1, 2}\n")
    assert result.error == "Error" and "JSON" in result.message


def test_big_integers_are_json(box: Sandbox) -> None:
    result = box.run("def main(tools):\n    return 2 ** 80\n")
    assert result.ok and result.value == 2**80


def test_doctor_reports_layers() -> None:
    report = doctor()
    json.dumps(report)
    assert set(report["layers"]) >= {"language", "seccomp", "network_namespace",
                                     "filesystem", "rlimits", "watchdog"}
    for name, info in report["layers"].items():
        assert isinstance(info["active"], bool), name
        assert info["detail"], name
    assert report["missing"] == sorted(n for n, i in report["layers"].items()
                                       if not i["active"])
