"""Migrants' embedding and rerank arguments over real HTTP (loopback)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from langchain_qwen import QwenContextOverflowError, QwenEmbeddings, QwenRerank
from langchain_qwen.testing import DashScopeServer

KEY = "sk-0123456789abcdef0123456789abcdef"


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as s:
        yield s


@pytest.fixture
def no_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide tqdm (some environments have it), so the plain bar draws."""
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)


@pytest.mark.usefixtures("no_tqdm")
def test_show_progress_bar_draws_a_bar_over_the_batches(
    server: DashScopeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = [f"text number {i}" for i in range(25)]
    embeddings = QwenEmbeddings(
        base_url=server.base_url, api_key=KEY, show_progress_bar=True
    )
    vectors = embeddings.embed_documents(texts)
    assert len(vectors) == 25
    assert len(server.requests) == 3  # 10 + 10 + 5
    err = capsys.readouterr().err
    assert "0/25 texts" in err
    assert "25/25 texts" in err


def test_show_progress_bar_uses_tqdm_when_installed(
    server: DashScopeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm", reason="tqdm is not installed here")
    embeddings = QwenEmbeddings(
        base_url=server.base_url, api_key=KEY, show_progress_bar=True
    )
    embeddings.embed_documents([f"t{i}" for i in range(12)])
    err = capsys.readouterr().err
    assert "12/12" in err
    assert "texts" not in err  # tqdm's own bar, not the plain one


@pytest.mark.usefixtures("no_tqdm")
async def test_show_progress_bar_async(
    server: DashScopeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    embeddings = QwenEmbeddings(
        base_url=server.base_url, api_key=KEY, show_progress_bar=True
    )
    await embeddings.aembed_documents([f"t{i}" for i in range(12)])
    assert "12/12 texts" in capsys.readouterr().err


def test_no_bar_by_default(
    server: DashScopeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    QwenEmbeddings(base_url=server.base_url, api_key=KEY).embed_documents(["a"])
    assert capsys.readouterr().err == ""


def test_chunk_size_sets_texts_per_request(server: DashScopeServer) -> None:
    embeddings = QwenEmbeddings(base_url=server.base_url, api_key=KEY, chunk_size=4)
    embeddings.embed_documents([f"t{i}" for i in range(10)])
    # Sent concurrently: compare the sizes, not their order.
    assert sorted(len(r.body["input"]) for r in server.requests) == [2, 4, 4]


def test_check_embedding_ctx_length_false_sends_the_text(
    server: DashScopeServer,
) -> None:
    embeddings = QwenEmbeddings(
        base_url=server.base_url, api_key=KEY, check_embedding_ctx_length=False
    )
    # Sent as it is: the server (like DashScope) refuses it.
    with pytest.raises(QwenContextOverflowError, match="8192"):
        embeddings.embed_documents(["word " * 9000])
    assert len(server.requests) == 1


def test_return_documents_adds_the_texts(server: DashScopeServer) -> None:
    docs = ["Paris is in France.", "Qwen is built by Alibaba Cloud.", "Tea."]
    reranker = QwenRerank(base_url=server.base_url, api_key=KEY, return_documents=True)
    results = reranker.rerank(docs, "Who builds Qwen?")
    assert len(results) == 3
    for item in results:
        assert item["document"] == {"text": docs[item["index"]]}
    assert "return_documents" not in server.requests[0].body
    plain = QwenRerank(base_url=server.base_url, api_key=KEY).rerank(docs, "Qwen?")
    assert all("document" not in item for item in plain)
