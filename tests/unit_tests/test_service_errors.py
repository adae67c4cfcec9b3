"""Embeddings and rerank errors on a DashScope host, through a mock transport.

No socket is opened: the SDK's httpx client is given a transport that answers
in DashScope's error envelope, so the region hints can be checked as a user of
the real endpoint would see them.
"""

from __future__ import annotations

import json

import pytest

from langchain_qwen import QwenAuthenticationError, QwenEmbeddings, QwenRerank
from tests.conftest import httpx2


def _answer(status: int, code: str, message: str, seen: list) -> httpx2.MockTransport:
    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        body = {
            "error": {"message": message, "type": code, "code": code},
            "request_id": "r-1",
        }
        return httpx2.Response(status, content=json.dumps(body).encode())

    return httpx2.MockTransport(handle)


def test_wrong_region_key_on_embeddings_says_so() -> None:
    seen: list = []
    client = httpx2.Client(
        transport=_answer(401, "invalid_api_key", "Incorrect API key provided.", seen)
    )
    embedder = QwenEmbeddings(api_key="sk-beijing-key", http_client=client)
    with pytest.raises(QwenAuthenticationError) as info:
        embedder.embed_query("hi")
    text = str(info.value)
    assert "region 'singapore'" in text
    assert "a key issued in another region is rejected" in text
    assert "sk-beijing-key" not in text
    assert info.value.request_id == "r-1"
    assert (
        str(seen[0].url)
        == "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/embeddings"
    )


async def test_wrong_region_key_on_rerank_says_so() -> None:
    seen: list = []

    async def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        body = {
            "error": {
                "message": "Incorrect API key provided.",
                "code": "invalid_api_key",
            }
        }
        return httpx2.Response(401, content=json.dumps(body).encode())

    client = httpx2.AsyncClient(transport=httpx2.MockTransport(handle))
    reranker = QwenRerank(api_key="sk-other", http_async_client=client)
    with pytest.raises(QwenAuthenticationError, match="region 'singapore'"):
        await reranker.arerank(["a"], "q")
    assert (
        str(seen[0].url)
        == "https://dashscope-intl.aliyuncs.com/compatible-api/v1/reranks"
    )
