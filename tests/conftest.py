"""Shared fixtures: the example shop, trajectory builders, and a fresh skills directory."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXAMPLES = ROOT / "examples" / "trajectories"


def chat_run(
    task: str,
    inputs: dict[str, Any],
    calls: list[tuple[str, dict[str, Any], Any]],
    answer: str = "Done.",
    tools: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An OpenAI Chat Completions run in the envelope, from (tool, arguments, result)."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": task}]
    for i, (name, args, result) in enumerate(calls):
        call_id = f"call_{i}"
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": json.dumps(args)},
                    }
                ],
            }
        )
        content = result if isinstance(result, str) else json.dumps(result)
        messages.append({"role": "tool", "tool_call_id": call_id, "content": content})
    messages.append({"role": "assistant", "content": answer})
    envelope: dict[str, Any] = {"task": task, "inputs": inputs, "messages": messages}
    if tools is not None:
        envelope["tools"] = tools
    return envelope


def write_run(path: Path, run: dict[str, Any]) -> Path:
    path.write_text(json.dumps(run, indent=2))
    return path


@pytest.fixture
def skills_dir(tmp_path: Path) -> Path:
    from skillforge.store import SkillStore

    target = tmp_path / "skills"
    SkillStore.init(target)
    return target


def example_files(task: str) -> list[Path]:
    return sorted(EXAMPLES.glob(f"{task}_*.json"))
