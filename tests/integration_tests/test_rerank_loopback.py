"""QwenRerank over real HTTP against the loopback server (no key needed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_classic.retrievers import ContextualCompressionRetriever
from langchain_core.documents import Document
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_qwen import (
    MalformedResponseError,
    QwenAuthenticationError,
    QwenEmbeddings,
    QwenInvalidRequestError,
    QwenRerank,
)
from langchain_qwen.testing import (
    DashScopeServer,
    error_reply,
    json_reply,
    rerank_score,
)
from tests.integration_tests._standard import ONE_EVENT_LOOP

pytestmark = ONE_EVENT_LOOP
PATH = "/compatible-api/v1/reranks"
DOCS = [
    Document("Paris is the capital of France.", id="paris", metadata={"n": 1}),
    Document("Qwen models are built by Alibaba Cloud.", id="qwen", metadata={"n": 2}),
    Document("Alibaba Cloud runs Model Studio.", id="studio", metadata={"n": 3}),
]
QUERY = "Who built the Qwen models at Alibaba Cloud?"


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as s:
        yield s


def _reranker(server: DashScopeServer, **kwargs: Any) -> QwenRerank:
    return QwenRerank(base_url=server.base_url, api_key="sk-test", timeout=10, **kwargs)


def test_compress_documents(server: DashScopeServer) -> None:
    best = _reranker(server, top_n=2).compress_documents(DOCS, QUERY)
    assert [d.id for d in best] == ["qwen", "studio"]
    assert best[0].metadata == {
        "n": 2,
        "relevance_score": rerank_score(QUERY, DOCS[1].page_content),
    }
    assert best[0].metadata["relevance_score"] > best[1].metadata["relevance_score"]
    assert "relevance_score" not in DOCS[1].metadata  # the input is not changed
    (request,) = server.requests
    assert request.path == PATH
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body == {
        "model": "qwen3-rerank",
        "query": QUERY,
        "documents": [d.page_content for d in DOCS],
        "top_n": 2,
    }


async def test_acompress_documents(server: DashScopeServer) -> None:
    best = await _reranker(server, top_n=None).acompress_documents(DOCS, "Paris France")
    assert [d.id for d in best] == ["paris", "qwen", "studio"]
    assert "top_n" not in server.requests[0].body


def test_rerank_scores_and_instruct(server: DashScopeServer) -> None:
    reranker = _reranker(server, instruct="Retrieve semantically similar text.")
    ranked = reranker.rerank([d.page_content for d in DOCS], QUERY, top_n=1)
    assert ranked == [
        {"index": 1, "relevance_score": rerank_score(QUERY, DOCS[1].page_content)}
    ]
    assert server.requests[0].body["instruct"] == "Retrieve semantically similar text."


def test_in_a_contextual_compression_retriever(server: DashScopeServer) -> None:
    embeddings = QwenEmbeddings(base_url=server.base_url, api_key="sk-test")
    store = InMemoryVectorStore.from_documents(DOCS, embedding=embeddings)
    retriever = ContextualCompressionRetriever(
        base_compressor=_reranker(server, top_n=1),
        base_retriever=store.as_retriever(search_kwargs={"k": 3}),
    )
    (best,) = retriever.invoke(QUERY)
    assert best.id == "qwen"
    assert best.metadata["relevance_score"] > 0


async def test_in_a_retriever_async(server: DashScopeServer) -> None:
    embeddings = QwenEmbeddings(base_url=server.base_url, api_key="sk-test")
    store = await InMemoryVectorStore.afrom_documents(DOCS, embedding=embeddings)
    retriever = ContextualCompressionRetriever(
        base_compressor=_reranker(server, top_n=1),
        base_retriever=store.as_retriever(search_kwargs={"k": 3}),
    )
    (best,) = await retriever.ainvoke(QUERY)
    assert best.id == "qwen"


def test_limits_checked_before_sending(server: DashScopeServer) -> None:
    docs = [Document(f"doc {i}") for i in range(501)]
    with pytest.raises(ValueError, match="501 documents"):
        _reranker(server).compress_documents(docs, "q")
    assert server.requests == []
    unchecked = _reranker(server, validate_model=False, max_retries=0)
    with pytest.raises(QwenInvalidRequestError, match="should not be larger than 500"):
        unchecked.compress_documents(docs, "q")


def test_errors_are_translated() -> None:
    reply = error_reply(401, "invalid_api_key", "Incorrect API key provided.")
    with DashScopeServer(routes={PATH: lambda _: reply}) as server:
        with pytest.raises(QwenAuthenticationError, match="rejected the API key"):
            _reranker(server).compress_documents(DOCS, QUERY)


def test_a_bad_answer_is_refused() -> None:
    bad = json_reply(
        {"object": "list", "results": [{"index": 9, "relevance_score": 1}]}
    )
    with DashScopeServer(routes={PATH: lambda _: bad}) as server:
        with pytest.raises(MalformedResponseError, match="bad index: 9"):
            _reranker(server).compress_documents(DOCS, QUERY)


def test_results_come_back_best_first_whatever_the_server_order() -> None:
    shuffled = json_reply(
        {
            "id": "r1",
            "object": "list",
            "model": "qwen3-rerank",
            "results": [
                {"index": 0, "relevance_score": 0.1},
                {"index": 2, "relevance_score": 0.9},
            ],
            "usage": {"total_tokens": 10},
        }
    )
    with DashScopeServer(routes={PATH: lambda _: shuffled}) as server:
        best = _reranker(server).compress_documents(DOCS, QUERY)
    assert [d.id for d in best] == ["studio", "paris"]
