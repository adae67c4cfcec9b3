"""A chain holding ChatQwen survives `dumps`/`loads` and still answers.

langchain-core 1.8.3 loads a partner class when it is named in
`allowed_objects` and its package in `valid_namespaces`; the key travels as a
secret reference (`DASHSCOPE_API_KEY`), never as its value.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_core.load import dumps, loads
from langchain_core.prompts import (
    ChatPromptTemplate,
    HumanMessagePromptTemplate,
    PromptTemplate,
)
from langchain_core.runnables import RunnableSequence

from langchain_qwen import ChatQwen, QwenEmbeddings, QwenRerank
from langchain_qwen.testing import DashScopeServer

KEY = "sk-serial-Zq7Xw3Lr9Tb2"
ALLOWED = [
    ChatQwen,
    ChatPromptTemplate,
    HumanMessagePromptTemplate,
    PromptTemplate,
    RunnableSequence,
]


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        yield srv


def test_a_chain_round_trips_and_answers(server: DashScopeServer) -> None:
    prompt = ChatPromptTemplate.from_messages([("human", "Echo: {q}")])
    chain = prompt | ChatQwen(
        base_url=server.base_url,
        api_key=KEY,
        model="qwen-max",
        temperature=0.2,
        top_k=20,
        enable_search=False,
        max_retries=0,
    )
    text = dumps(chain)
    assert KEY not in text
    assert '"DASHSCOPE_API_KEY"' in text

    loaded = loads(
        text,
        allowed_objects=ALLOWED,
        valid_namespaces=["langchain_qwen"],
        secrets_map={"DASHSCOPE_API_KEY": KEY},
    )
    answer = loaded.invoke({"q": "ping"})
    assert "Echo: ping" in str(answer.content)
    (request,) = server.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = request.body
    assert body["model"] == "qwen-max"
    assert body["temperature"] == 0.2
    assert body["top_k"] == 20
    assert body["enable_search"] is False


def test_a_loaded_chain_needs_the_key() -> None:
    chain = ChatPromptTemplate.from_messages([("human", "{q}")]) | ChatQwen(
        model="qwen-plus", api_key=KEY
    )
    with pytest.raises(ValueError, match="DASHSCOPE_API_KEY"):
        loads(
            dumps(chain),
            allowed_objects=ALLOWED,
            valid_namespaces=["langchain_qwen"],
        )


@pytest.mark.parametrize("region", ["beijing", "singapore"])
def test_dashscope_fields_and_region_are_kept(region: str) -> None:
    model = ChatQwen(
        region=region,
        workspace_id="ws-123",
        model="qwen3.6-plus",
        api_key=KEY,
        enable_thinking=True,
        thinking_budget=100,
        max_tokens=256,
        stop=["END"],
    )
    loaded = loads(
        dumps(model),
        allowed_objects=[ChatQwen],
        valid_namespaces=["langchain_qwen"],
        secrets_map={"DASHSCOPE_API_KEY": KEY},
    )
    for field in (
        "region",
        "workspace_id",
        "openai_api_base",
        "model_name",
        "enable_thinking",
        "thinking_budget",
        "max_tokens",
        "stop",
        "stream_usage",
    ):
        assert getattr(loaded, field) == getattr(model, field), field
    assert loaded.openai_api_key.get_secret_value() == KEY


def test_embeddings_and_rerank_round_trip() -> None:
    for model, namespace in (
        (
            QwenEmbeddings(region="beijing", api_key=KEY, dimensions=512),
            ["langchain_qwen", "embeddings"],
        ),
        (
            QwenRerank(region="beijing", api_key=KEY, top_n=3),
            ["langchain_qwen", "rerank"],
        ),
    ):
        text = dumps(model)
        assert KEY not in text
        assert type(model).get_lc_namespace() == namespace
        loaded = loads(
            text,
            allowed_objects=[type(model)],
            valid_namespaces=["langchain_qwen"],
            secrets_map={"DASHSCOPE_API_KEY": KEY},
        )
        assert type(loaded) is type(model)
        assert loaded.model_dump(exclude={"api_key"}) == model.model_dump(
            exclude={"api_key"}
        )
        assert loaded.api_key.get_secret_value() == KEY
        assert KEY not in repr(loaded)
