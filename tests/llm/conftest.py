"""Fixtures for the LLM compiler tests: loopback stub models, runs only a model can compile.

Nothing here talks to a real model: litellm is driven end to end against servers on
127.0.0.1.  Timeouts and retries are set low so the error-path tests stay fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import chat_run, write_run
from tests.llm.stub import StubModel

STUB_MODEL = "openai/stub-model"

#: The skill a competent model writes for :func:`account_runs` (the trace compiler cannot:
#: the first and last name come from splitting the ``full_name`` input).
GOOD = '''import json
from typing import Any


def account_status(tools: Any, *, full_name: str) -> str:
    """Tell whether a user's account is active, given their full name."""
    parts = full_name.split()
    if len(parts) < 2:
        raise SkillError(f"need a first and a last name, got {full_name!r}")
    user_id = tools.find_user_id_by_name(first_name=parts[0], last_name=" ".join(parts[1:]))
    try:
        record = json.loads(tools.get_account_status(user_id=user_id))
        return record["status"]
    except (ValueError, TypeError, KeyError):
        raise SkillError("get_account_status did not return a status record") from None
'''

#: Returns the whole record instead of the status: fails replay on every run.
WRONG_RESULT = GOOD.replace('return record["status"]', "return record")
assert WRONG_RESULT != GOOD

#: Replays fine but breaks on other inputs (a one-word name) with a bare ValueError and on
#: non-JSON results: the property checks reject it.
FRAGILE = """import json
from typing import Any


def account_status(tools: Any, *, full_name: str) -> str:
    \"\"\"Tell whether a user's account is active, given their full name.\"\"\"
    first_name, last_name = full_name.split(" ", 1)
    user_id = tools.find_user_id_by_name(first_name=first_name, last_name=last_name)
    return json.loads(tools.get_account_status(user_id=user_id))["status"]
"""


def account_runs() -> list[dict[str, object]]:
    runs = []
    for name, uid, status in [
        ("Jane Doe", "jane_doe_1", "active"),
        ("Bob Stone", "bob_stone_7", "suspended"),
    ]:
        first, last = name.split()
        runs.append(
            chat_run(
                f"Is {name}'s account active?",
                {"full_name": name},
                [
                    ("find_user_id_by_name", {"first_name": first, "last_name": last}, uid),
                    (
                        "get_account_status",
                        {"user_id": uid},
                        json.dumps({"user_id": uid, "status": status}),
                    ),
                ],
                answer=f"The account is {status}.",
            )
        )
    return runs


_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_blocked: list[str] = []
_active = [False]  # the hook is process-wide; it judges only while a test here runs


def _only_loopback(event: str, args: tuple[object, ...]) -> None:
    """Audit hook: refuse (and record) any connection or lookup beyond this machine."""
    if not _active[0]:
        return
    if event == "socket.connect" and isinstance(args[1], tuple):
        host = str(args[1][0])
    elif event == "socket.getaddrinfo":
        host = str(args[0])
    else:
        return
    if host not in _LOOPBACK and not host.startswith("/"):
        _blocked.append(f"{event} {host}")
        raise OSError(f"tests/llm: network access to {host} is not allowed")


sys.addaudithook(_only_loopback)


@pytest.fixture(autouse=True)
def no_network() -> Iterator[None]:
    """Every test here talks to 127.0.0.1 only; litellm must not fetch anything."""
    _blocked.clear()
    _active[0] = True
    yield
    _active[0] = False
    assert not _blocked, f"attempted non-loopback network access: {_blocked}"


@pytest.fixture(autouse=True)
def llm_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy keys, loopback without proxies, no configuration leaking in from the host."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dummy")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-dummy")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("SKILLFORGE_LLM_TIMEOUT", "15")  # generous: 2 shared cores, cold imports
    monkeypatch.setenv("SKILLFORGE_LLM_RETRIES", "1")
    for var in ("SKILLFORGE_MODEL", "SKILLFORGE_API_BASE", "SKILLFORGE_LLM_ROUNDS"):
        monkeypatch.delenv(var, raising=False)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)  # no pyproject.toml / skillforge.toml from the repo


@pytest.fixture
def openai_stub() -> Iterator[StubModel]:
    stub = StubModel("openai").start()
    yield stub
    stub.stop()


@pytest.fixture
def anthropic_stub() -> Iterator[StubModel]:
    stub = StubModel("anthropic").start()
    yield stub
    stub.stop()


@pytest.fixture
def account_files(tmp_path: Path) -> list[str]:
    return [
        str(write_run(tmp_path / f"account_{i}.json", run))
        for i, run in enumerate(account_runs(), 1)
    ]
