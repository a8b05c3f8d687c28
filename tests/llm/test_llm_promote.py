"""The LLM compiler end to end: SkillLibrary.promote -> litellm -> a loopback stub model.

Each test scripts what the "model" answers and checks what skillforge did with it: the
repair loop's rounds and what it fed back, the verifier as the only judge, the manifest and
commit trailers, the cache, the retries, and ``--compiler auto``'s choice.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from skillforge import PromoteResult, SkillLibrary
from skillforge.compile.llm import ModelError, ModelNotConfiguredError
from skillforge.compile.prompt import TEMPLATE_HASH
from skillforge.errors import CompileError, InputError, VerificationError
from tests.conftest import example_files
from tests.llm.conftest import FRAGILE, GOOD, STUB_MODEL, WRONG_RESULT
from tests.llm.stub import Action, StubModel, answer


def llm_lib(skills_dir: Path) -> SkillLibrary:
    return SkillLibrary(skills_dir)


def promote(lib: SkillLibrary, files: list[str], stub: StubModel, **kw: Any) -> PromoteResult:
    """Promote through the stub: ``--compiler llm``, name ``account_status`` unless given."""
    kw.setdefault("compiler", "llm")
    kw.setdefault("name", "account_status")
    return lib.promote(files, model=kw.pop("model", STUB_MODEL), api_base=stub.api_base, **kw)


def last_user(stub: StubModel, index: int = -1) -> str:
    return str(stub.requests[index]["messages"][-1]["content"])


def commit_message(skills_dir: Path) -> str:
    return subprocess.run(
        ["git", "log", "-1", "--format=%B"],
        cwd=skills_dir,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_correct_skill_first_round(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    openai_stub.play(
        answer(
            GOOD,
            "account_status",
            "Check an account's status.",
            prompt_tokens=1500,
            completion_tokens=200,
        )
    )
    result = promote(llm_lib(skills_dir), account_files, openai_stub)
    assert result.source == GOOD
    manifest = result.manifest
    assert manifest["compiler"] == f"llm:{STUB_MODEL}"
    details = manifest["compiler_details"]
    assert details["rounds"] == 1
    assert (details["prompt_tokens"], details["completion_tokens"]) == (1500, 200)
    assert details["prompt_template"] == TEMPLATE_HASH
    assert details["cost_usd"] is None  # litellm knows no price for a stub model
    assert "trace compiler failed" in details["reason"]
    assert manifest["verification"]["summary"] == "replay 2/2"
    assert manifest["description"] == "Check an account's status."
    saved = json.loads((skills_dir / "account_status" / "skill.json").read_text())
    assert saved["compiler_details"]["rounds"] == 1
    message = commit_message(skills_dir)
    assert f"Compiler: llm:{STUB_MODEL}" in message
    assert "LLM-Rounds: 1" in message and "LLM-Tokens: prompt=1500 completion=200" in message
    assert f"LLM-Prompt-Template: {TEMPLATE_HASH}" in message
    # What the model was told: rules, tools, both runs with results, the trace failure.
    request = openai_stub.requests[0]
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "tools.<tool_name>" in system and "SkillError" in system
    assert "find_user_id_by_name" in user and "bob_stone_7" in user and "Jane Doe" in user
    assert "could not compile" in user and "first_name" in user
    assert request["temperature"] == 0 and "response_format" not in request


def test_syntax_error_then_fix(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    broken = GOOD.replace("parts = full_name.split()", "parts = full_name.split(")
    openai_stub.play(answer(broken, "account_status"), answer(GOOD, "account_status"))
    result = promote(llm_lib(skills_dir), account_files, openai_stub)
    assert result.manifest["compiler_details"]["rounds"] == 2
    repair = last_user(openai_stub)
    assert "syntax error" in repair and "line 7" in repair
    # The conversation carries the rejected answer so the model sees what it wrote.
    assert openai_stub.requests[1]["messages"][-2]["role"] == "assistant"


def test_undeclared_tool_then_fix(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    rogue = GOOD.replace("tools.get_account_status(", "tools.delete_account(")
    openai_stub.play(answer(rogue, "account_status"), answer(GOOD, "account_status"))
    result = promote(llm_lib(skills_dir), account_files, openai_stub)
    assert result.manifest["compiler_details"]["rounds"] == 2
    assert "calls tool 'delete_account', which the trajectories never used" in last_user(
        openai_stub
    )
    assert result.manifest["tools"] == ["find_user_id_by_name", "get_account_status"]


def test_import_os_is_rejected_and_never_run(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    evil = GOOD.replace("import json\n", f"import json\nimport os\n\nos.system('touch {marker}')\n")
    openai_stub.play(*[answer(evil, "account_status")] * 2)
    with pytest.raises(VerificationError) as caught:
        promote(llm_lib(skills_dir), account_files, openai_stub, rounds=2)
    assert "import of ['os'] is not allowed" in str(caught.value)
    assert "in 2 round(s)" in str(caught.value)
    assert not marker.exists()  # the model's code never ran in this process
    assert not (skills_dir / "account_status").exists()


def test_failing_replay_three_times_is_a_clear_failure(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    openai_stub.play(*[answer(WRONG_RESULT, "account_status")] * 3)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=skills_dir, capture_output=True, text=True, check=True
    ).stdout
    with pytest.raises(VerificationError) as caught:
        promote(llm_lib(skills_dir), account_files, openai_stub)  # default: 3 rounds
    err = caught.value
    assert len(openai_stub.requests) == 3
    assert "found no skill that passes verification in 3 round(s)" in err.one_line()
    assert 'the trajectory\'s result was "active"' in err.one_line()
    assert err.report["llm"]["rounds"] == 3 and len(err.report["replay"]) == 2
    assert err.exit_code == 1
    assert "trajectory's result was" in last_user(openai_stub)
    after = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=skills_dir, capture_output=True, text=True, check=True
    ).stdout
    assert after == head and not (skills_dir / "account_status").exists()


@pytest.mark.parametrize(
    "text",
    [
        "Here is the skill:\n\n```python\n" + GOOD + "```\n\nIt splits the name.",
        "```json\n"
        + json.dumps({"name": "account_status", "description": "d", "code": GOOD})
        + "\n```",
        json.dumps(
            {"name": "account_status", "description": "d", "code": "```python\n" + GOOD + "```"}
        ),
    ],
    ids=["fenced-python", "fenced-json", "fence-inside-json"],
)
def test_markdown_fenced_answers(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel, text: str
) -> None:
    openai_stub.play(Action(text=text))
    result = promote(llm_lib(skills_dir), account_files, openai_stub)
    assert result.source == GOOD
    assert result.manifest["compiler_details"]["rounds"] == 1


def test_timeout_and_500_retry_then_clear_error(
    skills_dir: Path,
    account_files: list[str],
    openai_stub: StubModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SKILLFORGE_LLM_TIMEOUT", "1")
    openai_stub.play(Action(delay=2.5), Action(status=500))  # SKILLFORGE_LLM_RETRIES=1
    with pytest.raises(ModelError) as caught:
        promote(llm_lib(skills_dir), account_files, openai_stub)
    assert len(openai_stub.requests) == 2
    text = caught.value.one_line()
    assert f"the model {STUB_MODEL} failed 2 time(s)" in text and "500" in text
    assert openai_stub.api_base in text and caught.value.exit_code == 1


def test_a_500_then_success_is_retried(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    openai_stub.play(Action(status=500), answer(GOOD, "account_status"))
    result = promote(llm_lib(skills_dir), account_files, openai_stub)
    assert len(openai_stub.requests) == 2
    assert result.manifest["compiler_details"]["rounds"] == 1


def test_usage_and_cost_of_a_priced_model(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    bad = GOOD.replace("tools.get_account_status(", "tools.nope(")
    openai_stub.play(
        answer(bad, "account_status", prompt_tokens=1000, completion_tokens=100),
        answer(GOOD, "account_status", prompt_tokens=1300, completion_tokens=90),
    )
    result = promote(llm_lib(skills_dir), account_files, openai_stub, model="openai/gpt-4o-mini")
    details = result.manifest["compiler_details"]
    assert (details["prompt_tokens"], details["completion_tokens"]) == (2300, 190)
    assert details["cost_usd"] > 0  # from litellm's bundled price map, no network
    assert "LLM-Cost-USD:" in commit_message(skills_dir)
    # Structured output is asked for where litellm says the model supports it.
    assert openai_stub.requests[0]["response_format"]["type"] == "json_schema"


def test_response_cache_makes_a_rerun_free(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    lib = llm_lib(skills_dir)
    openai_stub.play(*[answer(WRONG_RESULT, "account_status")] * 3)
    with pytest.raises(VerificationError) as first:
        promote(lib, account_files, openai_stub)
    with pytest.raises(VerificationError) as again:
        promote(lib, account_files, openai_stub)
    assert len(openai_stub.requests) == 3  # the re-run asked nothing
    assert again.value.one_line() == first.value.one_line()
    assert again.value.report["llm"]["cached_responses"] == 3
    assert list((skills_dir / ".skillforge" / "llm-cache").rglob("*.json"))
    openai_stub.play(answer(GOOD, "account_status"))
    result = promote(lib, account_files, openai_stub, no_cache=True)
    assert len(openai_stub.requests) == 4 and result.manifest["compiler_details"]["rounds"] == 1


def test_auto_uses_trace_when_it_verifies(skills_dir: Path, openai_stub: StubModel) -> None:
    files = [str(p) for p in example_files("order_status")]
    result = promote(llm_lib(skills_dir), files, openai_stub, compiler="auto", name="order_status")
    assert result.manifest["compiler"] == "trace" and openai_stub.requests == []


def test_auto_falls_back_to_the_model(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    openai_stub.play(answer(GOOD, "account_status"))
    result = promote(llm_lib(skills_dir), account_files, openai_stub, compiler="auto")
    assert result.manifest["compiler"] == f"llm:{STUB_MODEL}"
    assert result.manifest["compiler_details"]["reason"].startswith("trace compiler failed")


def test_auto_without_a_model_says_what_failed_and_how_to_configure(
    skills_dir: Path, account_files: list[str]
) -> None:
    with pytest.raises(CompileError) as caught:
        llm_lib(skills_dir).promote(account_files, name="account_status")
    text = caught.value.one_line()
    assert "'first_name' argument of find_user_id_by_name cannot be explained" in text
    assert "configure a model" in text and "SKILLFORGE_MODEL" in text and "--model" in text


def test_llm_without_a_model_and_no_name_without_a_model(
    skills_dir: Path, account_files: list[str]
) -> None:
    lib = llm_lib(skills_dir)
    with pytest.raises(ModelNotConfiguredError, match="SKILLFORGE_MODEL"):
        lib.promote(account_files, name="account_status", compiler="llm")
    with pytest.raises(InputError, match="a skill name is needed"):
        lib.promote(account_files, compiler="trace")


def test_model_from_environment_and_pyproject(
    skills_dir: Path,
    account_files: list[str],
    openai_stub: StubModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Path("pyproject.toml").write_text(
        f'[tool.skillforge]\nmodel = "{STUB_MODEL}"\napi_base = "{openai_stub.api_base}"\n'
    )
    openai_stub.play(answer(GOOD, "account_status"))
    result = llm_lib(skills_dir).promote(account_files, name="account_status")
    assert result.manifest["compiler"] == f"llm:{STUB_MODEL}"
    monkeypatch.setenv("SKILLFORGE_MODEL", "openai/env-model")
    openai_stub.play(answer(GOOD.replace("def account_status", "def status_of_account"), ""))
    other = SkillLibrary(skills_dir.parent / "other").init()  # the first skill covers these runs
    second = other.promote(account_files, compiler="llm")
    assert second.name == "status_of_account"
    assert second.manifest["compiler"] == "llm:openai/env-model"
    assert openai_stub.requests[-1]["model"] == "env-model"


def test_model_proposes_a_valid_unused_name(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    lib = llm_lib(skills_dir)
    files = [str(p) for p in example_files("order_status")]
    lib.promote(files, name="account_status", compiler="trace")  # takes the obvious name
    renamed = GOOD.replace("def account_status", "def lookup_account_status")
    openai_stub.play(
        answer(GOOD, "account_status"),  # taken now
        answer(GOOD.replace("def account_status", "def Account_Status"), ""),
        answer(renamed, "lookup_account_status"),
    )
    result = promote(lib, account_files, openai_stub, name=None)
    assert result.name == "lookup_account_status"
    assert result.manifest["compiler_details"]["rounds"] == 3
    first_prompt = openai_stub.requests[0]["messages"][1]["content"]
    assert "choose its name" in first_prompt and "not one of: account_status" in first_prompt
    assert "a skill named 'account_status' already exists" in last_user(openai_stub, 1)
    assert "'Account_Status' is not usable" in last_user(openai_stub, 2)


@pytest.mark.parametrize("model", ["claude-stub", "claude-sonnet-4-5"])
def test_anthropic_route(
    skills_dir: Path, account_files: list[str], anthropic_stub: StubModel, model: str
) -> None:
    anthropic_stub.play(answer(GOOD, "account_status", prompt_tokens=900, completion_tokens=150))
    result = promote(llm_lib(skills_dir), account_files, anthropic_stub, model=f"anthropic/{model}")
    assert result.manifest["compiler"] == f"llm:anthropic/{model}"
    details = result.manifest["compiler_details"]
    assert (details["prompt_tokens"], details["completion_tokens"]) == (900, 150)
    assert anthropic_stub.paths == ["/v1/messages"]
    body = anthropic_stub.requests[0]
    assert body["model"] == model
    if model == "claude-sonnet-4-5":  # known to litellm: structured output and a price
        assert body["output_format"]["type"] == "json_schema"
        assert details["cost_usd"] > 0
    system = body["system"] if isinstance(body["system"], str) else body["system"][0]["text"]
    assert "tools.<tool_name>" in system
    assert [m["role"] for m in body["messages"]] == ["user"]


def test_auto_falls_back_when_the_trace_draft_fails_replay(openai_stub: StubModel) -> None:
    from skillforge.compile import compile_trace
    from skillforge.compile.choose import compile_verified
    from skillforge.config import LLMConfig
    from skillforge.library import shared_sandbox
    from skillforge.trajectory import load
    from skillforge.verify import VerificationReport, verify

    files = [str(p) for p in example_files("order_status")]
    trajs = [t for f in files for t in load(f)]
    seen: list[str] = []

    def verify_fn(source: str, name: str) -> VerificationReport:
        report = verify(shared_sandbox(), source, name, trajs, files)
        seen.append(source)
        if len(seen) == 1:  # the trace draft: pretend its replay failed
            report.ok = False
            report.replays[0].update(ok=False, problems=["pretend: returned 1, expected 2"])
        return report

    trace_source = compile_trace(trajs, "order_status", files).source
    openai_stub.play(answer(trace_source + "# reviewed\n", "order_status"))
    config = LLMConfig(model=STUB_MODEL, api_base=openai_stub.api_base, timeout=15, retries=0)
    draft, report = compile_verified(
        trajs, files, name="order_status", compiler="auto", config=config, verify_fn=verify_fn
    )
    assert report.ok and draft.compiler == f"llm:{STUB_MODEL}" and len(seen) == 2
    assert draft.details["reason"].startswith("trace draft failed verification: ")
    prompt = openai_stub.requests[0]["messages"][1]["content"]
    assert "def order_status(tools: Any" in prompt
    assert "It failed verification:" in prompt and "pretend: returned 1, expected 2" in prompt


def test_the_model_is_asked_without_holding_the_lock(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    """Model rounds take minutes, the lock waits 60 s: others may promote meanwhile."""
    from skillforge.errors import LockTimeoutError
    from skillforge.store import SkillStore

    probes: list[str] = []

    def take_the_lock(body: dict[str, Any]) -> None:
        try:
            with SkillStore(skills_dir).lock(timeout=0.3):
                probes.append("free")
        except LockTimeoutError:
            probes.append("held")

    openai_stub.on_request = take_the_lock
    openai_stub.play(answer(GOOD, "account_status"))
    result = promote(llm_lib(skills_dir), account_files, openai_stub, no_cache=True)
    assert probes == ["free"]  # one model call, made while the lock was free
    assert len(openai_stub.requests) == 1  # the locked pass replayed the answer
    assert result.manifest["compiler_details"]["cached_responses"] == 0  # given just now


def test_property_failure_then_fix(
    skills_dir: Path, account_files: list[str], openai_stub: StubModel
) -> None:
    """A skill that replays but breaks on other inputs goes back to the model."""
    openai_stub.play(answer(FRAGILE, "account_status"), answer(GOOD, "account_status"))
    result = promote(llm_lib(skills_dir), account_files, openai_stub)
    assert result.manifest["compiler_details"]["rounds"] == 2
    repair = last_user(openai_stub)
    assert "property check: failed with" in repair and "instead of a clear SkillError" in repair
    assert result.manifest["verification"]["properties"]["ok"] is True
    assert "raise SkillError" in openai_stub.requests[0]["messages"][0]["content"]
