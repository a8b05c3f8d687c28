"""No secret planted in a fixture ever reaches a file or a commit of the skills directory.

Promotes real-library fixtures through the public API and then searches every file of the
skills directory and the whole git history.  Whatever the promotion's outcome (a draft may
fail verification), the secrets must be nowhere; when it succeeds, the secret input is a
parameter of the skill, not a literal.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from trajhelp import FIXTURES, fixture_payload

from skillforge import SkillLibrary
from skillforge.errors import SkillforgeError
from tests.fixtures import scenario as sc


def test_promoted_fixtures_leak_no_secret(tmp_path: Path) -> None:
    envelope = tmp_path / "otel_envelope.json"
    envelope.write_text(json.dumps({"task": sc.TASK, "inputs": sc.INPUTS,
                                    "spans": fixture_payload("otel_otlp.json")}))
    lib = SkillLibrary(tmp_path / "skills").init()
    outcomes = {}
    for name, files in {
        "cancel_native": [FIXTURES / "native.json"],
        "cancel_otel": [envelope],
        "cancel_bare": [FIXTURES / "anthropic.json"],
    }.items():
        try:
            outcomes[name] = lib.promote(files, name=name)
        except SkillforgeError as exc:  # a failed promotion must not leak either
            outcomes[name] = exc
    skills = tmp_path / "skills"
    history = subprocess.run(["git", "log", "--all", "-p", "--format=%B"], cwd=skills,
                             capture_output=True, text=True, check=False).stdout
    blobs = [p.read_bytes() for p in skills.rglob("*") if p.is_file() and ".git" not in p.parts]
    assert blobs
    for secret in sc.SECRETS:
        assert secret not in history
        assert all(secret.encode() not in blob for blob in blobs), secret
    native = outcomes["cancel_native"]
    if not isinstance(native, SkillforgeError):
        source = (skills / "cancel_native" / "skill.py").read_text()
        assert "api_token: str" in source and "auth_token=api_token" in source
