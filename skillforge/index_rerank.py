"""Optional embedding re-ranking of search results, through litellm.

BM25 cannot know that "dig out" means "retrieve" unless a synonym table says so; an
embedding model can.  When ``SKILLFORGE_EMBEDDING_MODEL`` names one (any litellm
embedding model, e.g. ``openai/text-embedding-3-small``, with ``SKILLFORGE_API_BASE`` for
a local server), :func:`rerank` re-orders BM25's top candidates by blending their BM25
rank with the cosine similarity of query and skill.  Without a model nothing changes, and
a failing embedding call falls back to the BM25 order with a warning: search must not
break because a model endpoint is down.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .index import Hit

Embedder = Callable[[list[str]], Sequence[Sequence[float]]]
log = logging.getLogger("skillforge.search")
CANDIDATES = 20
BLEND = 0.6  # weight of the embedding similarity against the BM25 rank


def embedding_model() -> str | None:
    return os.environ.get("SKILLFORGE_EMBEDDING_MODEL") or None


def litellm_embedder(model: str) -> Embedder:
    """An embedder calling ``litellm.embedding`` (imported offline, on first use)."""

    def embed(texts: list[str]) -> list[list[float]]:
        from .compile.llm import import_litellm

        litellm = import_litellm()
        kwargs: dict[str, Any] = {"model": model, "input": texts}
        if os.environ.get("SKILLFORGE_API_BASE"):
            kwargs["api_base"] = os.environ["SKILLFORGE_API_BASE"]
        response = litellm.embedding(**kwargs)
        return [item["embedding"] for item in response.data]

    return embed


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def rerank(query: str, hits: list[Hit], embed: Embedder) -> list[Hit]:
    """``hits`` (BM25 order) re-ordered by BM25 rank blended with embedding similarity."""
    if len(hits) < 2:
        return hits
    texts = [query] + [f"{h.name.replace('_', ' ')}: {h.description}" for h in hits]
    try:
        vectors = embed(texts)
    except Exception as exc:  # the model endpoint is optional infrastructure
        log.warning("embedding re-ranking skipped (%s: %s)", type(exc).__name__, exc)
        return hits
    similarity = [_cosine(vectors[0], v) for v in vectors[1:]]
    n = len(hits)
    blended = [BLEND * sim + (1 - BLEND) * (1 - i / n) for i, sim in enumerate(similarity)]
    order = sorted(range(n), key=lambda i: -blended[i])
    return [hits[i] for i in order]
