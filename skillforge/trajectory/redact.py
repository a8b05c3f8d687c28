"""Secret redaction on the way in: nothing a trajectory leaks may reach a skill, a file or a commit.

Every string of a loaded trajectory (task, messages, tool arguments and results, final
answer, inputs) is scanned, and secrets are replaced by stable placeholders naming their
kind, e.g. ``<REDACTED:api_key>``, ``<REDACTED:github_token>``, ``Bearer
<REDACTED:bearer_token>``, ``password=<REDACTED:password>``.  Kinds, not values: a hash of
a weak password could be brute-forced, and equal placeholders keep runs comparable.
Object fields with sensitive names (``password``, ``api_key``, ``token``, ``cookie``,
``session``, ``*_cookie``, ``sessionid``, ``csrf``...) are redacted whatever their value
looks like, also inside JSON documents carried as strings (a tool result such as
``'{"session_cookie": "..."}'``): those are parsed, redacted and re-encoded in their own
style (``embedded.py``).

**Secrets that are inputs.**  A run's ``inputs`` are what the compiler lifts into skill
parameters, by finding input values in call arguments.  Replacing an input secret by a
generic placeholder would break that link and leave a literal in generated code, so an
input that is secret (by its name, or because its value matches a secret pattern) is
replaced, *everywhere it occurs*, by ``<REDACTED:input:NAME>``: the input keeps its name,
its value becomes that placeholder, and the arguments that used it carry the same
placeholder, so dataflow still sees ``auth_token == inputs["api_token"]`` and the compiler
makes ``api_token`` a parameter.  The secret itself is gone from the model.

**Extra patterns** come from the ``patterns`` argument of :class:`Redactor` (a mapping of
kind to regex, or a list of regexes) and from ``SKILLFORGE_REDACT_PATTERNS``: a JSON object
``{"kind": "regex"}``, a JSON list of regexes, or one bare regex.  A regex with a group
named ``secret`` replaces only that group.  Redaction is idempotent: placeholders are never
matched again.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import InputError
from .embedded import field_names, looks_like_json, redact_embedded
from .model import Message, ToolCall, Trajectory

ENV_PATTERNS = "SKILLFORGE_REDACT_PATTERNS"
_PLACEHOLDER = "<REDACTED:{}>"
_PASSWORDS = r"password|passwd|passphrase"
_KEYS = (
    r"client[_-]?secret|secret[_-]?key|secret|api[_-]?key|access[_-]?token|refresh[_-]?token|"
    r"auth[_-]?token|id[_-]?token|session[_-]?token|private[_-]?key|x-api-key"
)
#: Session and CSRF identifiers, as field names and in ``name=value`` text.
_SESSION_IDS = r"(?:j|php)?sess(?:ion)?ids?|session[_-]ids?|csrf(?:[_-]?token)?|xsrf(?:[_-]?token)?"
_SESSION_TRIGGERS = ("sessid", "sessionid", "session_id", "session-id", "csrf", "xsrf")
_NOT_PLACEHOLDER = r"(?!<REDACTED:)"
#: First characters of strings that may be JSON documents (``embedded.py``); whitespace too.
_JSON_START = frozenset("{[ \t\r\n")

#: (kind, regex, triggers) in priority order.  The group named ``secret`` (if any) is what is
#: replaced.  A rule runs only on strings containing one of its lowercase ``triggers``:
#: ``in`` is far cheaper than a regex scan and most strings trigger nothing.
_RULES: list[tuple[str, str, tuple[str, ...]]] = [
    ("private_key", r"-----BEGIN[A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
                    r"(?:-----END[A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----|\Z)", ("-----begin",)),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}", ("eyj",)),
    ("github_token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})",
     ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")),
    ("gitlab_token", r"\bglpat-[A-Za-z0-9_-]{20,}", ("glpat-",)),
    ("slack_token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", ("xox",)),
    ("slack_webhook", r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}",
     ("hooks.slack.com",)),
    ("aws_access_key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
     ("akia", "asia", "abia", "acca")),
    ("aws_secret_key", r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?"
                       r"(?P<secret>[A-Za-z0-9/+=]{40})", ("aws",)),
    ("api_key", r"\bsk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", ("sk-",)),
    ("api_key", r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}", ("k_live_", "k_test_")),
    ("api_key", r"\bAIza[0-9A-Za-z_-]{35}", ("aiza",)),
    ("api_key", r"\bhf_[A-Za-z0-9]{30,}", ("hf_",)),
    ("api_key", r"\b(?:gsk_[A-Za-z0-9]{40,}|xai-[A-Za-z0-9]{40,}|npm_[A-Za-z0-9]{36})",
     ("gsk_", "xai-", "npm_")),
    ("api_key", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{40,}", ("pypi-",)),
    ("api_key", r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", ("sg.",)),
    ("bearer_token", r"(?i)\bbearer\s+" + _NOT_PLACEHOLDER
                     + r"(?P<secret>[A-Za-z0-9\-._~+/]{12,}=*)", ("bearer",)),
    ("authorization", r"(?i)\bauthorization[\"']?\s*[:=]\s*[\"']?(?:basic|token|digest)\s+"
                      + _NOT_PLACEHOLDER + r"(?P<secret>[^\s\"',;]{8,})", ("authorization",)),
    ("cookie", r"(?i)\b(?:set-)?cookie[\"']?\s*:\s*[\"']?" + _NOT_PLACEHOLDER
               + r"(?P<secret>[^\s\"][^\r\n\"]*)", ("cookie",)),
    ("password", r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^/\s:@\"']{1,64}:" + _NOT_PLACEHOLDER
                 + r"(?P<secret>[^/\s@\"']{1,128})@", ("://",)),
    *[
        (kind, regex, triggers)
        for kind, keys, triggers in (
            ("password", _PASSWORDS, ("pass",)),
            ("secret", _KEYS, ("secret", "api_key", "api-key", "apikey", "token", "private")),
            ("cookie", _SESSION_IDS, _SESSION_TRIGGERS),
        )
        for regex in (
            # "key": "value" (JSON, also inside JSON strings)
            r"(?i)[\"']?\b(?:" + keys + r")[\"']?\s*[:=]\s*\"" + _NOT_PLACEHOLDER
            + r"(?P<secret>(?:[^\"\\\n]|\\.){1,512})\"",
            # key=value, key: value (query strings, config, logs)
            r"(?i)\b(?:" + keys + r")\s*[:=]\s*[\"']?" + _NOT_PLACEHOLDER
            + r"(?P<secret>[^\s\"'&,;})\]<]{1,512})",
        )
    ],
]
#: The default rules as (kind, regex), in priority order.
DEFAULT_PATTERNS: list[tuple[str, str]] = [(kind, regex) for kind, regex, _ in _RULES]

#: Field names whose value is a secret whatever it looks like (the name's last word counts:
#: ``session_cookie``, ``x-csrf-token``, ``db_password``).  Cookies, sessions and CSRF
#: tokens are in: whoever holds one is logged in as the user.
_SECRET_NAMES = (_PASSWORDS + "|" + _KEYS + "|" + _SESSION_IDS + r"|sess[_-]ids?"
                 + r"|token|cookies?|session|authorization|credentials?|pin")
_SECRET_KEY = re.compile(
    r"(?i)^(?!.*(?:page|next|continuation|sync|cursor|pagination)[_-]?token$)"
    r"(?:.*[_-])?(?:" + _SECRET_NAMES + r")$"
)
_PASSWORD_KEY = re.compile(r"(?i)pass(?:word|wd|phrase)|pin$")
_COOKIE_KEY = re.compile(r"(?i)cookie|sess")


@functools.lru_cache(maxsize=4096)
def _secret_key(key: str) -> bool:
    """Whether an object field of this name holds a secret (keys repeat: cached)."""
    return _SECRET_KEY.match(key) is not None


def _kind_of_key(key: str) -> str:
    lowered = key.lower()
    if _PASSWORD_KEY.search(lowered):
        return "password"
    if _COOKIE_KEY.search(lowered):
        return "cookie"
    return "secret"


class Redactor:
    """Replaces secrets in strings and JSON values; one instance compiles its patterns once."""

    def __init__(self, patterns: Mapping[str, str] | Iterable[str] | None = None, *,
                 use_env: bool = True) -> None:
        custom: list[tuple[str, str]] = []
        if use_env and os.environ.get(ENV_PATTERNS):
            custom += _parse_extra(os.environ[ENV_PATTERNS], ENV_PATTERNS)
        if patterns is not None:
            custom = _extra_rules(patterns, "patterns") + custom
        rules = [(kind, regex, None) for kind, regex in custom] + list(_RULES)  # custom first
        self.kinds: list[str] = []
        self._triggers: list[tuple[str, ...] | None] = []
        self._secret_groups: list[str | None] = []
        self._branches: list[str] = []
        for n, (kind, regex, triggers) in enumerate(rules):
            inner = re.sub(r"\(\?P<secret>", f"(?P<s{n}>", _scoped_flags(regex))
            self._branches.append(f"(?P<r{n}>{inner})")
            self.kinds.append(kind)
            self._triggers.append(triggers)
            self._secret_groups.append(f"s{n}" if f"(?P<s{n}>" in inner else None)
        self._patterns: dict[tuple[int, ...], re.Pattern[str]] = {}
        self._always = tuple(n for n, t in enumerate(self._triggers) if t is None)
        self._by_trigger: dict[str, list[int]] = {}
        for n, triggers in enumerate(self._triggers):
            for trigger in triggers or ():
                self._by_trigger.setdefault(trigger, []).append(n)
        self._trigger_list = list(self._by_trigger)

    def text(self, text: str) -> str:
        """``text`` with every secret replaced by its placeholder."""
        if len(text) < 8:
            return text
        lowered = text.lower()
        found = [t for t in self._trigger_list if t in lowered]  # C-speed substring scans
        if not found and not self._always:
            return text
        active = tuple(sorted({n for t in found for n in self._by_trigger[t]}
                              | set(self._always)))
        pattern = self._patterns.get(active)
        if pattern is None:
            if len(self._patterns) > 512:
                self._patterns.clear()
            pattern = re.compile("|".join(self._branches[n] for n in active))
            self._patterns[active] = pattern
        cleaned = pattern.sub(self._replace, text)
        return text if cleaned == text else cleaned

    def _replace(self, match: re.Match[str]) -> str:
        name = match.lastgroup or "r0"
        n = int(name[1:])
        placeholder = _PLACEHOLDER.format(self.kinds[n])
        group = self._secret_groups[n]
        whole = match.group(0)
        if group is None or match.start(group) < 0:
            return placeholder
        start, end = match.start(group) - match.start(), match.end(group) - match.start()
        return whole[:start] + placeholder + whole[end:]

    def string(self, text: str) -> str:
        """``text`` redacted; a JSON document in it also loses its secret-named fields."""
        if looks_like_json(text) and any(map(_secret_key, set(field_names(text)))):
            embedded = redact_embedded(text, self.value)
            if embedded is not None:
                return self.text(embedded)
        return self.text(text)

    def value(self, value: Any, key: str | None = None) -> Any:
        """A JSON value with secrets replaced: strings scanned, sensitive fields blanked.

        Returns the very same object when nothing changed (no copies on the common path).
        """
        if isinstance(value, str):
            cleaned = self.string(value) if value[:1] in _JSON_START else self.text(value)
            if (key is not None and cleaned is value and value and _secret_key(key)
                    and not value.startswith("<REDACTED:")):
                return _PLACEHOLDER.format(_kind_of_key(key))
            return cleaned
        if isinstance(value, dict):
            changed = {}
            for k, v in value.items():
                new = self.value(v, k if isinstance(k, str) else None)
                if new is not v:
                    changed[k] = new
            return {**value, **changed} if changed else value
        if isinstance(value, list):
            items = [self.value(v) for v in value]
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        if (key is not None and isinstance(value, int | float) and not isinstance(value, bool)
                and _secret_key(key) and _PASSWORD_KEY.search(key)):
            return _PLACEHOLDER.format("password")  # a numeric PIN or password
        return value

    def secret_inputs(self, inputs: Mapping[str, Any]) -> dict[str, str]:
        """Input name -> secret value, for inputs that are secrets by name or by value."""
        found = {}
        for name, value in inputs.items():
            if not isinstance(value, str) or len(value) < 4 or value.startswith("<REDACTED:"):
                continue
            if _secret_key(name) or self.text(value) != value:
                found[name] = value
        return found

    def trajectory(self, traj: Trajectory) -> Trajectory:
        """A redacted copy of ``traj`` (see the module docstring for inputs)."""
        return self.redact_in_place(traj.model_copy(deep=True))

    def redact_in_place(self, traj: Trajectory) -> Trajectory:
        secrets = self.secret_inputs(traj.inputs)
        swap = _input_swapper(secrets)

        def clean(value: Any, key: str | None = None) -> Any:
            return self.value(swap(value), key)

        traj.inputs = {
            name: _PLACEHOLDER.format(f"input:{name}") if name in secrets else clean(value, name)
            for name, value in traj.inputs.items()
        }
        traj.task = clean(traj.task)
        if traj.final_answer is not None:
            traj.final_answer = clean(traj.final_answer)
        for step in traj.steps:  # assign only what changed: pydantic's setattr is not free
            if isinstance(step, Message):
                content = clean(step.content)
                if content is not step.content:
                    step.content = content
            elif isinstance(step, ToolCall):
                arguments, result = clean(step.arguments), clean(step.result)
                if arguments is not step.arguments:
                    step.arguments = arguments
                if result is not step.result:
                    step.result = result
        return traj


#: Shorter secret inputs (PINs) are replaced only where a whole value equals them: as
#: substrings they would also hit unrelated text ("1234" inside "#W12345").
MIN_SUBSTRING = 8


def _input_swapper(secrets: Mapping[str, str]) -> Callable[[Any], Any]:
    """A function replacing each secret input value, wherever it occurs, by its placeholder."""
    if not secrets:
        return lambda value: value
    by_value = {v: _PLACEHOLDER.format(f"input:{k}") for k, v in secrets.items()}
    long = sorted((v for v in by_value if len(v) >= MIN_SUBSTRING), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(v) for v in long)) if long else None

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            if value in by_value:
                return by_value[value]
            if pattern is None:
                return value
            swapped = pattern.sub(lambda m: by_value[m.group(0)], value)
            return value if swapped == value else swapped
        if isinstance(value, dict):
            changed = {k: new for k, v in value.items() if (new := swap(v)) is not v}
            return {**value, **changed} if changed else value
        if isinstance(value, list):
            items = [swap(v) for v in value]
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        return value

    return swap


def _scoped_flags(regex: str) -> str:
    """Turn a leading ``(?i)`` into a scoped ``(?i:...)`` so rules can share one pattern."""
    match = re.match(r"\(\?([aiLmsux]+)\)", regex)
    if not match:
        return regex
    return f"(?{match.group(1)}:{regex[match.end():]})"


def _extra_rules(patterns: Mapping[str, str] | Iterable[str], origin: str) -> list[tuple[str, str]]:
    items = patterns.items() if isinstance(patterns, Mapping) else (("custom", p) for p in patterns)
    rules = []
    for kind, regex in items:
        if not isinstance(kind, str) or not re.fullmatch(r"[a-z0-9_:]{1,40}", kind):
            raise InputError(f"bad redaction kind {kind!r} in {origin}",
                             hint="kinds are short snake_case names like 'api_key'")
        try:
            re.compile(_scoped_flags(regex))
        except (re.error, TypeError) as exc:
            raise InputError(f"bad redaction pattern {regex!r} in {origin}: {exc}",
                             hint="give a Python regular expression") from None
        if re.search(r"\(\?P<(?!secret>)", regex) or re.search(r"\(\?P=", regex):
            raise InputError(f"redaction pattern {regex!r} in {origin} uses named groups",
                             hint="only a group named 'secret' is allowed")
        rules.append((kind, regex))
    return rules


def _parse_extra(raw: str, origin: str) -> list[tuple[str, str]]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = [raw]
    if isinstance(parsed, str):
        parsed = [parsed]
    if not isinstance(parsed, dict | list):
        raise InputError(f"{origin} must be a JSON object or list of regexes, or one regex",
                         hint='e.g. {"ticket": "TCK-\\\\d+"}, ["TCK-\\\\d+"] or TCK-\\d+')
    return _extra_rules(parsed, origin)


_DEFAULT: dict[str, Redactor] = {}


def default_redactor() -> Redactor:
    """The shared redactor (rebuilt when ``SKILLFORGE_REDACT_PATTERNS`` changes)."""
    env = os.environ.get(ENV_PATTERNS, "")
    if env not in _DEFAULT:
        _DEFAULT.clear()
        _DEFAULT[env] = Redactor()
    return _DEFAULT[env]


Patterns = Mapping[str, str] | Iterable[str]


def redact(traj: Trajectory, patterns: Patterns | None = None) -> Trajectory:
    """A redacted copy of a trajectory (default patterns, env patterns, and ``patterns``)."""
    redactor = default_redactor() if patterns is None else Redactor(patterns)
    return redactor.trajectory(traj)


def redact_text(text: str, patterns: Patterns | None = None) -> str:
    redactor = default_redactor() if patterns is None else Redactor(patterns)
    return redactor.text(text)


__all__ = ["DEFAULT_PATTERNS", "ENV_PATTERNS", "Redactor", "default_redactor", "redact",
           "redact_text"]
