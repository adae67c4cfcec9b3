"""ChatQwen on DashScope's live Responses API (`/compatible-mode/v1/responses`).

Runs only when `DASHSCOPE_API_KEY` is set (region from `DASHSCOPE_REGION`,
Singapore by default); the model is `QWEN_RESPONSES_MODEL` or `qwen3.7-plus`.
These tests assert what the documentation promises and what the loopback
server assumes: the id form, the output items, `x_tools`, stored responses.

    DASHSCOPE_API_KEY=sk-... pytest tests/integration_tests/test_responses_live.py
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage

from langchain_qwen import ChatQwen
from langchain_qwen._chat.responses import is_response_id
from tests.integration_tests._standard import ONE_EVENT_LOOP

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("DASHSCOPE_API_KEY"),
        reason=(
            "DASHSCOPE_API_KEY is not set: the live Responses API tests need a "
            "Model Studio key (region from DASHSCOPE_REGION, default singapore)"
        ),
    ),
    *ONE_EVENT_LOOP,
]
MODEL = os.environ.get("QWEN_RESPONSES_MODEL", "qwen3.7-plus")


def _model(**kwargs: Any) -> ChatQwen:
    return ChatQwen(model=MODEL, use_responses_api=True, max_retries=2, **kwargs)


def test_invoke_returns_a_response_id_and_usage() -> None:
    message = _model().invoke("Reply with the single word: pong")
    assert "pong" in message.text.lower()
    assert is_response_id(message.response_metadata["id"])
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] > 0
    assert message.response_metadata["model_provider"] == "qwen"


async def test_astream_aggregates() -> None:
    total: AIMessageChunk | None = None
    async for chunk in _model().astream("Count from 1 to 5, digits only."):
        total = chunk if total is None else total + chunk
    assert total is not None
    assert "3" in total.text
    assert total.usage_metadata is not None


def test_web_search_is_kept_and_billed() -> None:
    model = _model().bind_tools([{"type": "web_search"}])
    message = model.invoke("Search the web: what is the latest Qwen model?")
    kinds = [b.get("type") for b in message.content if isinstance(b, dict)]
    assert "web_search_call" in kinds
    assert message.response_metadata.get("x_tools", {}).get("web_search")


def test_code_interpreter_runs() -> None:
    model = _model().bind_tools([{"type": "code_interpreter"}])
    message = model.invoke("Use code to compute 123456789 * 987654321.")
    assert "121932631112635269" in message.text.replace(",", "")


def test_previous_response_id_conversation() -> None:
    model = _model(use_previous_response_id=True)
    first = model.invoke("My favourite colour is teal. Reply OK.")
    second = model.invoke(
        [
            HumanMessage("My favourite colour is teal."),
            first,
            HumanMessage("What is my favourite colour? One word."),
        ]
    )
    assert "teal" in second.text.lower()


def test_store_and_retrieve() -> None:
    model = _model(store=True)
    answer = model.invoke("Reply with the word: stored")
    again = model.retrieve_response(answer.response_metadata["id"])
    assert again.text == answer.text
