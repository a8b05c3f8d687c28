"""The scripted agent's recorder: real tool calls logged as a native trajectory, with noise.

A family's solver calls tools through :class:`Agent`; the agent logs every call (failed
ones too) the way a framework would.  ``noise`` switches on what real agents do and a
compiler must see through: ``chatter`` (thinking out loud), ``retry`` (a call that fails
first, e.g. with a mistyped id, then the right one), ``extra`` (reads whose results are
never used).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from skillforge.trajectory.model import Message, Step, ToolCall, ToolSpec, Trajectory


class Agent:
    def __init__(
        self,
        tools: dict[str, Callable[..., str]],
        specs: list[dict[str, Any]],
        task: str,
        inputs: dict[str, Any],
        noise: frozenset[str] = frozenset(),
    ) -> None:
        self.tools = tools
        self.specs = specs
        self.task = task
        self.inputs = inputs
        self.noise = noise
        self.steps: list[Step] = [Message(role="user", content=task)]
        self.failed = False

    def call(self, name: str, **arguments: Any) -> str:
        result = self.tools[name](**arguments)
        error = result.startswith("Error:")
        self.steps.append(
            ToolCall(
                id=f"call_{len(self.steps)}",
                name=name,
                arguments=arguments,
                result=result,
                is_error=error,
            )
        )
        return result

    def change(self, name: str, **arguments: Any) -> str:
        """A state-changing call: its failure fails the task."""
        result = self.call(name, **arguments)
        self.failed = self.failed or result.startswith("Error:")
        return result

    def read(self, name: str, **arguments: Any) -> Any:
        result = self.call(name, **arguments)
        if result.startswith("Error:"):
            self.failed = True
            return None
        return json.loads(result) if result[:1] in "[{" else result

    def say(self, text: str) -> None:
        if "chatter" in self.noise:
            self.steps.append(Message(role="assistant", content=text))

    def wrong(self, name: str, **arguments: Any) -> None:
        """A call that fails before the agent corrects itself (``retry`` noise)."""
        if "retry" in self.noise:
            self.call(name, **arguments)

    def extra(self, name: str, **arguments: Any) -> None:
        """A read whose result the agent never uses (``extra`` noise)."""
        if "extra" in self.noise:
            self.call(name, **arguments)

    def answer(self, text: str) -> None:
        self.steps.append(Message(role="assistant", content=text))

    def trajectory(self) -> Trajectory:
        specs = [
            ToolSpec(
                name=s["function"]["name"],
                description=s["function"].get("description", ""),
                parameters=s["function"].get("parameters", {}),
            )
            for s in self.specs
        ]
        final = next((s.content for s in reversed(self.steps) if isinstance(s, Message)), None)
        return Trajectory(
            task=self.task,
            inputs=self.inputs,
            tools=specs,
            steps=self.steps,
            final_answer=final,
            source_format="native",
        )
