"""The LLM compiler's parts on their own: configuration, answer extraction, prompt, cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skillforge.compile.answer import read_answer
from skillforge.compile.llm_cache import ResponseCache, cache_key
from skillforge.compile.prompt import (
    TEMPLATE_HASH,
    PromptInput,
    first_messages,
    render_run,
    repair_message,
)
from skillforge.config import DEFAULT_ROUNDS, load_config
from skillforge.errors import InputError
from skillforge.trajectory.model import Message, ToolCall, ToolSpec, Trajectory
from tests.llm.conftest import GOOD


# -- configuration -------------------------------------------------------------------
def test_config_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKILLFORGE_LLM_TIMEOUT")  # set low for the stub tests
    skills = tmp_path / "skills"
    skills.mkdir()
    (skills / "skillforge.toml").write_text(
        '[skills]\nformat = 1\n[llm]\nmodel = "dir/m"\nrounds = 5\ntimeout = 9\n'
    )
    cwd = tmp_path / "project"
    cwd.mkdir()
    assert load_config(cwd=cwd, skills_dir=skills).model == "dir/m"
    (cwd / "pyproject.toml").write_text(
        '[tool.skillforge]\nmodel = "pyproject/m"\napi_base = "http://127.0.0.1:1/v1"\n'
    )
    config = load_config(cwd=cwd, skills_dir=skills)
    assert (config.model, config.rounds, config.timeout) == ("pyproject/m", 5, 9.0)
    assert config.sources["model"].endswith("pyproject.toml")
    assert config.sources["rounds"].endswith("skills/skillforge.toml")
    (cwd / "skillforge.toml").write_text('[llm]\nmodel = "toml/m"\n')
    assert load_config(cwd=cwd, skills_dir=skills).model == "toml/m"
    monkeypatch.setenv("SKILLFORGE_MODEL", "env/m")
    monkeypatch.setenv("SKILLFORGE_LLM_ROUNDS", "2")
    config = load_config(cwd=cwd, skills_dir=skills)
    assert (config.model, config.rounds) == ("env/m", 2)
    assert config.sources["model"] == "SKILLFORGE_MODEL"
    config = load_config(model="arg/m", api_base="http://x/v1", cwd=cwd, skills_dir=skills)
    assert (config.model, config.api_base, config.sources["model"]) == (
        "arg/m",
        "http://x/v1",
        "--model",
    )


def test_config_defaults_and_bad_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(cwd=tmp_path)
    assert not config.configured and config.rounds == DEFAULT_ROUNDS
    monkeypatch.setenv("SKILLFORGE_LLM_ROUNDS", "zero")
    with pytest.raises(InputError, match="SKILLFORGE_LLM_ROUNDS: rounds: rounds = 'zero'"):
        load_config(cwd=tmp_path)
    monkeypatch.delenv("SKILLFORGE_LLM_ROUNDS")
    (tmp_path / "pyproject.toml").write_text("[tool.skillforge\nmodel=1")
    with pytest.raises(InputError, match=r"pyproject\.toml: cannot read the configuration"):
        load_config(cwd=tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.skillforge]\nmodel = 3\n")
    with pytest.raises(InputError, match="model must be a string"):
        load_config(cwd=tmp_path)


# -- answers ----------------------------------------------------------------------------
def test_read_answer_variants() -> None:
    plain = read_answer(json.dumps({"name": "account_status", "description": "D.", "code": GOOD}))
    assert plain.ok and plain.code == GOOD and plain.name == "account_status"
    assert plain.description == "D."
    prose = read_answer("Sure! Here it is:\n```py\n" + GOOD + "```\nHope that helps.")
    assert prose.ok and prose.code == GOOD and prose.name == "account_status"
    assert prose.description == "Tell whether a user's account is active, given their full name."
    bare = read_answer(GOOD)
    assert bare.ok and bare.code == GOOD
    around = read_answer(
        "Answer: " + json.dumps({"name": "x", "description": "", "code": GOOD}) + " -- end"
    )
    assert around.ok and around.name == "x"


def test_read_answer_problems() -> None:
    assert read_answer("").problems == ["the answer was empty; answer with the JSON object"]
    broken = read_answer("def f(tools:\n    pass\n")
    assert not broken.ok and broken.problems[0].startswith("line 1: syntax error")
    prose = read_answer("I cannot help with that.")
    assert not prose.ok and "syntax error" in prose.problems[0]


# -- prompt -------------------------------------------------------------------------------
def _traj() -> Trajectory:
    return Trajectory(
        task="Cancel order #W1",
        inputs={"order_id": "#W1"},
        tools=[
            ToolSpec(
                name="cancel_order",
                description="Cancel.",
                parameters={"properties": {"order_id": {"type": "string"}}},
            )
        ],
        steps=[
            Message(role="system", content="You are an agent."),
            Message(role="user", content="Cancel order #W1"),
            ToolCall(id="1", name="get_order", arguments={"order_id": "#W1"}, result="x" * 5000),
            ToolCall(
                id="2",
                name="cancel_order",
                arguments={"order_id": "#W1"},
                result="ok",
                is_error=False,
            ),
        ],
        final_answer="Cancelled.",
    )


def test_prompt_has_rules_tools_runs_and_draft() -> None:
    data = PromptInput(
        [_traj()],
        ["run.json"],
        "cancel_order",
        "def cancel_order(...): ...",
        ["run.json: returned 'x'"],
    )
    system, user = (m["content"] for m in first_messages(data))
    assert "`cancel_order(tools, *, <parameters>)`" in system
    assert "Allowed imports: collections, dataclasses, datetime" in system
    assert "- cancel_order (changes state): Cancel." in user
    assert "- get_order (read-only): no spec recorded" in user
    assert "You are an agent." not in user  # system prompts of the agent are noise here
    assert "[2000 more characters]" in user  # long results are clipped
    assert "It failed verification:\n- run.json: returned 'x'" in user
    assert "final answer: Cancelled." in render_run(_traj(), "r", 1)
    assert TEMPLATE_HASH.startswith("sha256:") and len(TEMPLATE_HASH) == 23


def test_repair_message_and_name_choice() -> None:
    msg = repair_message(["line 3: bad"], None, {"taken_one"})
    assert msg["role"] == "user" and "- line 3: bad" in msg["content"]
    assert "choose its name" in msg["content"] and "taken_one" in msg["content"]
    data = PromptInput([_traj()], ["run.json"], None, None, ["no way"])
    user = first_messages(data)[1]["content"]
    assert "The trace compiler could not compile these runs: no way" in user


# -- cache ----------------------------------------------------------------------------
def test_cache_roundtrip_and_keys(tmp_path: Path) -> None:
    cache = ResponseCache.for_skills_dir(tmp_path)
    messages = [{"role": "user", "content": "hi"}]
    key = cache_key("openai/m", messages)
    assert key != cache_key("openai/other", messages)
    assert key != cache_key("openai/m", [{"role": "user", "content": "hi!"}])
    assert cache.get(key) is None
    cache.put(key, {"content": "answer", "prompt_tokens": 3})
    assert cache.get(key) == {"content": "answer", "prompt_tokens": 3}
    path = tmp_path / ".skillforge" / "llm-cache" / key[:2] / f"{key}.json"
    path.write_text("{broken")
    assert cache.get(key) is None  # a damaged entry is refetched, not an error
