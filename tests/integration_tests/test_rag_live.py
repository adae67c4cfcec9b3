"""QwenEmbeddings and QwenRerank against live DashScope.

Runs only when `DASHSCOPE_API_KEY` is set; the region comes from
`DASHSCOPE_REGION` (Singapore by default), the models are the region's
defaults (`text-embedding-v4`; `qwen3-rerank`, or `gte-rerank-v2` in Beijing).

    DASHSCOPE_API_KEY=sk-... python -m pytest tests/integration_tests/test_rag_live.py
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_qwen import QwenEmbeddings, QwenRerank
from tests.integration_tests._standard import ONE_EVENT_LOOP

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("DASHSCOPE_API_KEY"),
        reason=(
            "DASHSCOPE_API_KEY is not set: the live embeddings and rerank tests need "
            "a Model Studio key (region from DASHSCOPE_REGION, default singapore)"
        ),
    ),
    *ONE_EVENT_LOOP,
]


class TestQwenEmbeddingsLive(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[QwenEmbeddings]:
        return QwenEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"timeout": 60}


def test_dimensions_and_batches_live() -> None:
    embeddings = QwenEmbeddings(dimensions=256)
    texts = [f"sentence number {i}" for i in range(23)]  # three requests
    vectors = embeddings.embed_documents(texts)
    assert len(vectors) == 23
    assert {len(v) for v in vectors} == {256}


def test_rerank_live() -> None:
    docs = [
        Document("Paris is the capital of France."),
        Document("Qwen is a family of large language models built by Alibaba Cloud."),
    ]
    best = QwenRerank(top_n=1).compress_documents(docs, "Who builds Qwen?")
    assert len(best) == 1
    assert "Qwen" in best[0].page_content
    assert 0 <= best[0].metadata["relevance_score"] <= 1
