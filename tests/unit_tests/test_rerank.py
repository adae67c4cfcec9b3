"""QwenRerank without a network: endpoint, defaults, checks before sending."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from langchain_qwen import QwenRerank
from langchain_qwen.rerank import rerank_base_url


def test_rerank_base_path_is_derived_from_the_host() -> None:
    assert QwenRerank(api_key="k").base_url == (
        "https://dashscope-intl.aliyuncs.com/compatible-api/v1"
    )
    assert QwenRerank(api_key="k", workspace_id="ws-9z").base_url == (
        "https://ws-9z.ap-southeast-1.maas.aliyuncs.com/compatible-api/v1"
    )
    assert rerank_base_url("http://127.0.0.1:1/compatible-mode/v1/") == (
        "http://127.0.0.1:1/compatible-api/v1"
    )
    assert rerank_base_url("http://localhost:8000/v1") == "http://localhost:8000/v1"
    given = "https://dashscope-intl.aliyuncs.com/compatible-api/v1"
    assert QwenRerank(api_key="k", base_url=given).region == "singapore"


def test_default_model_per_region() -> None:
    assert QwenRerank(api_key="k").model == "qwen3-rerank"
    assert QwenRerank(api_key="k", region="beijing").model == "gte-rerank-v2"
    assert QwenRerank(api_key="k", region="beijing", model="qwen3-vl-rerank").model


def test_retired_gte_rerank_is_refused_with_its_successor() -> None:
    with pytest.raises(
        ValueError, match=r"retired on 2026-05-30 .* use 'qwen3-rerank'"
    ):
        QwenRerank(api_key="k", model="gte-rerank")
    with pytest.raises(ValueError, match="use 'qwen3-rerank'"):
        QwenRerank(base_url="http://localhost:8000/v1", model="gte-rerank")


def test_region_check() -> None:
    with pytest.raises(ValueError, match="not offered in region 'singapore'"):
        QwenRerank(api_key="k", model="gte-rerank-v2")
    assert QwenRerank(api_key="k", model="gte-rerank-v2", validate_model=False)


def test_key_rules_and_secrecy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    with pytest.raises(ValueError, match="OPENAI_API_KEY is never used"):
        QwenRerank()
    r = QwenRerank(api_key="sk-secret-999")
    assert "sk-secret-999" not in repr(r)
    with pytest.raises(ValueError) as info:
        QwenRerank(api_key="sk-secret-999", top_n=0)
    assert "sk-secret-999" not in str(info.value)


def test_no_documents_sends_nothing() -> None:
    assert QwenRerank(api_key="k").compress_documents([], "q") == []


async def test_async_no_documents_sends_nothing() -> None:
    assert await QwenRerank(api_key="k").acompress_documents([], "q") == []


def test_limits_checked_before_sending() -> None:
    r = QwenRerank(api_key="k")
    docs = [Document(f"doc {i}") for i in range(501)]
    with pytest.raises(
        ValueError, match="501 documents are more than qwen3-rerank ranks"
    ):
        r.compress_documents(docs, "q")
    with pytest.raises(
        ValueError, match=r"documents\[1\] .* longer than the 4000 tokens"
    ):
        r.compress_documents([Document("ok"), Document("word " * 4100)], "q")
    with pytest.raises(ValueError, match="query is longer than the 4000 tokens"):
        r.compress_documents([Document("ok")], "word " * 4100)
    many = [Document("word " * 3500) for _ in range(40)]  # 140,000 pieces at least
    with pytest.raises(ValueError, match="more than the 120000 tokens"):
        r.compress_documents(many, "q")


def test_empty_query_and_documents_refused() -> None:
    r = QwenRerank(api_key="k")
    with pytest.raises(ValueError, match="query is empty"):
        r.compress_documents([Document("x")], "")
    with pytest.raises(ValueError, match="documents\\[0\\] has no text"):
        r.compress_documents([Document("")], "q")
    with pytest.raises(ValueError, match="top_n must be at least 1"):
        r.rerank(["x"], "q", top_n=0)


def test_model_kwargs_cannot_override_own_fields() -> None:
    with pytest.raises(ValueError, match="model_kwargs may not set documents"):
        QwenRerank(api_key="k", model_kwargs={"documents": []})
