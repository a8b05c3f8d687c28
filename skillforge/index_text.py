"""Text normalisation shared by the search index and its queries.

Both sides go through :func:`terms`: lowercase words, split at ``_`` and punctuation, a
light suffix stemmer (orders/ordered/ordering -> order), and no stop words.  Stemming in
Python rather than with FTS5's ``porter`` tokenizer means a query term is exactly an index
term, so its document frequency can be looked up in ``fts5vocab`` and very common words
dropped before they make an OR query slow.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")

STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "get",
        "give",
        "how",
        "i",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "should",
        "so",
        "some",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "those",
        "to",
        "up",
        "us",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
        "want",
        "need",
    }
)

# Groups of words an agent's user says interchangeably.  Expanding a query with its
# group costs a few OR terms and lets "purchase" find "order".
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("get", "fetch", "retrieve", "read", "look", "lookup", "find", "show", "view", "see"),
    ("list", "enumerate", "all", "show"),
    ("cancel", "abort", "revoke", "void", "stop", "terminate"),
    ("create", "add", "make", "new", "open", "register", "start"),
    ("delete", "remove", "erase", "drop", "destroy", "purge"),
    ("update", "change", "modify", "edit", "set", "alter", "amend"),
    ("send", "email", "mail", "notify", "message", "post"),
    ("refund", "reimburse", "repay", "return"),
    ("order", "purchase", "buy"),
    ("customer", "user", "client", "buyer", "account", "member"),
    ("address", "location", "shipping"),
    ("invoice", "bill", "billing"),
    ("ticket", "case", "issue", "incident", "request"),
    ("latest", "last", "recent", "newest", "most"),
    ("status", "state", "progress"),
    ("total", "sum", "amount", "cost", "price"),
    ("product", "item", "article", "sku"),
    ("archive", "store", "backup", "save"),
    ("assign", "allocate", "delegate"),
    ("schedule", "book", "plan", "arrange"),
    ("subscription", "plan", "membership"),
    ("shipment", "delivery", "package", "parcel"),
    ("payment", "charge", "transaction"),
    ("employee", "staff", "worker"),
    ("file", "document", "doc"),
    ("meeting", "event", "appointment"),
    ("report", "summary", "overview"),
    ("close", "resolve", "finish", "complete"),
    ("pending", "open", "unfulfilled", "outstanding", "waiting"),
    ("id", "identifier", "number"),
    ("overdue", "late", "delinquent"),
    ("bulk", "batch", "many", "multiple", "several"),
    ("note", "comment", "remark", "annotation"),
    ("fail", "failed", "error", "errored", "broken", "crash", "crashed"),
    ("unpaid", "owed", "owing"),
    ("priority", "urgent", "critical", "important"),
    ("team", "group", "squad", "department"),
    ("draft", "unpublished"),
    ("week", "weekly"),
    ("zip", "postal", "postcode"),
    ("repository", "repo", "codebase"),
    ("deployment", "deploy", "release", "rollout"),
    ("coupon", "voucher", "discount"),
    ("candidate", "applicant"),
    ("contact", "lead", "prospect"),
    ("survey", "questionnaire", "poll"),
    ("export", "download"),
    ("duplicate", "copy", "clone"),
    ("merge", "combine"),
    ("tag", "label"),
    ("approve", "accept"),
    ("reject", "decline"),
    ("sync", "synchronize"),
)


def stem(word: str) -> str:
    """A deliberately small stemmer: plural, past and -ing forms meet their base."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + repl
            if suffix in ("ing", "ed") and len(word) > 3 and word[-1] == word[-2]:
                word = word[:-1]  # cancelled -> cancel, shipping -> ship
            break
    else:
        if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
            word = word[:-1]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("_", " "))


def terms(text: str) -> list[str]:
    """The index terms of ``text`` (stemmed, stop words removed, order kept)."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


_SYNONYMS: dict[str, frozenset[str]] = {}
for _group in SYNONYM_GROUPS:
    _stems = frozenset(stem(w) for w in _group)
    for _s in _stems:
        _SYNONYMS[_s] = _SYNONYMS.get(_s, frozenset()) | _stems


def expand(term: str) -> frozenset[str]:
    """A query term and its synonyms (as index terms)."""
    return _SYNONYMS.get(term, frozenset()) | {term}
