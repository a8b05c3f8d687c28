"""Inputs inside longer strings become f-strings; redacted secrets never become constants."""

from __future__ import annotations

import json
from typing import Any

import pytest

from skillforge.trajectory import loads
from skillforge.verify import verify
from tests.compile.helpers import body, chat_run, compile_runs

TOKEN = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"
GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


@pytest.fixture(scope="module")
def box():
    from skillforge.library import shared_sandbox

    return shared_sandbox()


def trajectories(*runs: dict[str, Any]) -> list:
    return [t for run in runs for t in loads(json.dumps(run))]


def verified(box: Any, *runs: dict[str, Any]) -> str:
    trajs = trajectories(*runs)
    labels = [f"run{i}.json" for i in range(len(trajs))]
    draft = compile_runs(*runs)
    report = verify(box, draft.source, draft.name, trajs, labels)
    assert report.ok, report.problems()
    return draft.source


def note_run(note: str, user: str) -> dict[str, Any]:
    return chat_run(
        f"Post the note {note}",
        {"note": note, "user": user},
        [("post_note", {"user": user, "text": f"Note from {user}: {note} {{ok}}"}, "ok")],
    )


def test_an_input_inside_a_string_becomes_an_f_string(box: Any) -> None:
    source = verified(box, note_run("hello there", "ann_1"), note_run("bye now", "bob_2"))
    assert 'text=f"Note from {user}: {note} {{ok}}"' in body(compile_runs(note_run("x1y", "z2w")))
    assert 'f"Note from {user}: {note} {{ok}}"' in source


def test_a_string_every_run_sent_unchanged_stays_a_constant() -> None:
    # "needed" is inside the constant in one run only: a coincidence, not a parameter
    runs = [
        chat_run("t", {"order_id": oid, "tag": tag}, [
            ("cancel_pending_order", {"order_id": oid, "reason": "no longer needed"}, "ok"),
        ])
        for oid, tag in (("#W100", "needed"), ("#W200", "other"))
    ]
    source = body(compile_runs(*runs))
    assert 'reason="no longer needed"' in source


def test_a_secret_input_inside_a_string_is_interpolated(box: Any) -> None:
    run = chat_run(
        "Post the note hello using my key",
        {"api_token": TOKEN, "note": "hello"},
        [
            ("whoami", {"token": TOKEN}, {"user": "ann_1"}),
            ("post_note", {"user": "ann_1", "text": "hello", "auth": "Bearer " + TOKEN}, "ok"),
        ],
    )
    source = verified(box, run)
    assert 'auth=f"Bearer {api_token}"' in source
    assert "REDACTED" not in source
    assert TOKEN not in source


def test_a_secret_that_is_no_input_becomes_a_required_parameter(box: Any) -> None:
    def run(order_id: str) -> dict[str, Any]:
        return chat_run(
            f"Cancel {order_id}",
            {"order_id": order_id},
            [
                ("cancel_order", {"order_id": order_id, "auth_token": GITHUB}, "ok"),
                ("notify", {"header": f"token {GITHUB}", "order_id": order_id}, "sent"),
            ],
        )

    source = verified(box, run("#W100"), run("#W200"))
    assert "REDACTED" not in body(compile_runs(run("#W100"))).split('"""')[-1]
    assert "*, order_id: str, auth_token: str)" in source
    assert "auth_token=auth_token" in source
    assert 'header=f"token {auth_token}"' in source
    assert "A secret (github_token) the caller must supply" in source


def test_a_secret_argument_named_like_an_input_gets_its_own_parameter(box: Any) -> None:
    run = chat_run(
        "Log in as ann",
        {"token": "ann"},
        [("login", {"user": "ann", "token": GITHUB}, "ok")],
    )
    source = verified(box, run)
    assert "token_2=" not in source  # the call's argument keeps its name
    assert "token=token_2" in source
