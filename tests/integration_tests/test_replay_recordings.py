"""Replay every recorded DashScope response through ChatQwen over real HTTP.

The loopback server sends the recorded bytes; the assertions are what a user sees:
text, reasoning, tool calls and their arguments, usage numbers and details, model
name, finish reason and id, through invoke, ainvoke, stream and astream.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage

from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer, load_recording
from tests.conftest import RECORDED

JSON_FILES = sorted(p.stem for p in RECORDED.glob("*.json"))
CHUNK_FILES = sorted(
    p.name.removesuffix(".chunks.txt") for p in RECORDED.glob("*.chunks.txt")
)


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        yield srv


def _model(server: DashScopeServer, body_model: str) -> ChatQwen:
    return ChatQwen(
        base_url=server.base_url, api_key="sk-replay", model=body_model, max_retries=0
    )


def _expected_from_json(name: str) -> dict[str, Any]:
    body = json.loads((RECORDED / f"{name}.json").read_text())
    choice = body["choices"][0]
    msg = choice["message"]
    return {
        "model": body["model"],
        "id": body["id"],
        "finish_reason": choice["finish_reason"],
        "content": msg.get("content") or "",
        "reasoning": msg.get("reasoning_content"),
        "tool_calls": [
            (tc["id"], tc["function"]["name"], json.loads(tc["function"]["arguments"]))
            for tc in msg.get("tool_calls") or []
        ],
        "usage": body["usage"],
    }


def _expected_from_chunks(name: str) -> dict[str, Any]:
    lines = (RECORDED / f"{name}.chunks.txt").read_text().splitlines()
    chunks = [json.loads(line) for line in lines if line.strip()]
    content, reasoning, finish = "", None, None
    calls: dict[int, list[Any]] = {}
    for c in chunks:
        for choice in c["choices"]:
            delta = choice.get("delta") or {}
            content += delta.get("content") or ""
            if delta.get("reasoning_content") is not None:
                reasoning = (reasoning or "") + delta["reasoning_content"]
            for tc in delta.get("tool_calls") or []:
                slot = calls.setdefault(tc["index"], ["", "", ""])
                slot[0] = slot[0] or tc.get("id") or ""
                slot[1] += tc["function"].get("name") or ""
                slot[2] += tc["function"].get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    usage = next(c["usage"] for c in chunks if c.get("usage"))
    return {
        "model": chunks[0]["model"],
        "id": chunks[0]["id"],
        "finish_reason": finish,
        "content": content,
        "reasoning": reasoning or None,
        "tool_calls": [(i, n, json.loads(a)) for i, n, a in calls.values()],
        "usage": usage,
    }


def _assert_user_view(message: BaseMessage, expected: dict[str, Any]) -> None:
    assert isinstance(message, AIMessage)
    assert message.content == expected["content"]
    assert message.additional_kwargs.get("reasoning_content") == expected["reasoning"]
    if expected["reasoning"]:
        assert expected["reasoning"] not in message.text
        assert message.content_blocks[0]["type"] == "reasoning"
    assert [
        (tc["id"], tc["name"], tc["args"]) for tc in message.tool_calls
    ] == expected["tool_calls"]
    meta = message.response_metadata
    assert meta["model_name"] == expected["model"]
    assert meta["finish_reason"] == expected["finish_reason"]
    assert meta["id"] == expected["id"]
    assert meta["model_provider"] == "qwen"
    usage = expected["usage"]
    um = message.usage_metadata
    assert um is not None
    assert um["input_tokens"] == usage["prompt_tokens"]
    assert um["output_tokens"] == usage["completion_tokens"]
    assert um["total_tokens"] == usage["total_tokens"]
    assert (
        um.get("input_token_details", {}).get("cache_read")
        == usage["prompt_tokens_details"]["cached_tokens"]
    )
    reasoning_tokens = (usage.get("completion_tokens_details") or {}).get(
        "reasoning_tokens"
    )
    assert um.get("output_token_details", {}).get("reasoning") == reasoning_tokens


@pytest.mark.parametrize("name", JSON_FILES)
def test_invoke_replays(server: DashScopeServer, name: str) -> None:
    expected = _expected_from_json(name)
    server.enqueue(load_recording(RECORDED / f"{name}.json"))
    message = _model(server, expected["model"]).invoke("hello")
    _assert_user_view(message, expected)
    assert server.requests[-1].body["stream"] is False
    assert server.requests[-1].headers["authorization"] == "Bearer sk-replay"


@pytest.mark.parametrize("name", JSON_FILES)
async def test_ainvoke_replays(server: DashScopeServer, name: str) -> None:
    expected = _expected_from_json(name)
    server.enqueue(load_recording(RECORDED / f"{name}.json"))
    message = await _model(server, expected["model"]).ainvoke("hello")
    _assert_user_view(message, expected)


def _aggregate(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for c in chunks[1:]:
        total = total + c
    return total


@pytest.mark.parametrize("name", CHUNK_FILES)
def test_stream_replays(server: DashScopeServer, name: str) -> None:
    expected = _expected_from_chunks(name)
    server.enqueue(load_recording(RECORDED / f"{name}.chunks.txt"))
    chunks = list(_model(server, expected["model"]).stream("hello"))
    assert len(chunks) > 2
    total = _aggregate(chunks)
    _assert_user_view(
        AIMessage(**total.model_dump(exclude={"type", "tool_call_chunks"})), expected
    )
    body = server.requests[-1].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert sum(1 for c in chunks if c.usage_metadata) == 1


@pytest.mark.parametrize("name", CHUNK_FILES)
async def test_astream_replays(server: DashScopeServer, name: str) -> None:
    expected = _expected_from_chunks(name)
    server.enqueue(load_recording(RECORDED / f"{name}.chunks.txt"))
    chunks = [c async for c in _model(server, expected["model"]).astream("hello")]
    total = _aggregate(chunks)
    _assert_user_view(
        AIMessage(**total.model_dump(exclude={"type", "tool_call_chunks"})), expected
    )


def test_openai_key_never_sent(
    server: DashScopeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-not-leak")
    monkeypatch.setenv("DASHSCOPE_BASE_URL", server.base_url)
    ChatQwen(model="qwen-plus", max_retries=0).invoke("hi")
    ChatQwen(model="qwen-plus", api_key="sk-ds", max_retries=0).invoke("hi")
    sent = [r.headers.get("authorization") for r in server.requests]
    assert sent == ["Bearer EMPTY", "Bearer sk-ds"]
    assert all("sk-openai" not in r.raw.decode() for r in server.requests)
