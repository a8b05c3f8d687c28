"""Optional embedding re-ranking: off without a model, blended when one is configured."""

from __future__ import annotations

from pathlib import Path

import pytest

import skillforge.index_rerank as rr
from skillforge import SkillLibrary
from skillforge.index import Hit


def hits(*names: str) -> list[Hit]:
    return [Hit(n, -1.0, 1, f"does {n}") for n in names]


def test_rerank_blends_similarity_with_bm25_rank() -> None:
    def embed(texts: list[str]) -> list[list[float]]:
        # the query is closest to the third candidate
        return [[1.0, 0.0]] + [[0.0, 1.0], [0.1, 1.0], [1.0, 0.05]]

    assert [h.name for h in rr.rerank("q", hits("a", "b", "c"), embed)] == ["c", "a", "b"]


def test_a_failing_embedder_keeps_the_bm25_order(caplog: pytest.LogCaptureFixture) -> None:
    def embed(texts: list[str]) -> list[list[float]]:
        raise ConnectionError("no route to the model")

    assert [h.name for h in rr.rerank("q", hits("a", "b"), embed)] == ["a", "b"]
    assert "embedding re-ranking skipped" in caplog.text


def test_library_search_uses_the_configured_model(
    skills: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def fake_embedder(model: str) -> rr.Embedder:
        seen.append(model)

        def embed(texts: list[str]) -> list[list[float]]:
            # prefer whatever mentions "status", whatever BM25 thought
            return [[1.0, 0.0]] + [[1.0, 0.0] if "status" in t else [0.0, 1.0] for t in texts[1:]]

        return embed

    monkeypatch.setattr(rr, "litellm_embedder", fake_embedder)
    lib = SkillLibrary(skills)
    plain = [h["name"] for h in lib.search("order", k=3)]
    assert seen == []
    monkeypatch.setenv("SKILLFORGE_EMBEDDING_MODEL", "fake/embedder")
    reranked = [h["name"] for h in lib.search("order", k=3)]
    assert seen == ["fake/embedder"]
    assert reranked[0] == "order_status" and len(reranked) == 3
    assert plain != reranked or plain[0] == "order_status"
