"""Streaming-only models over real HTTP: invoke streams under the hood.

The loopback server plays DashScope strictly: for these models it rejects a non-streamed
call with the error DashScope gives
(alibabacloud.com/help/en/model-studio/deep-thinking), so every test here fails if
ChatQwen does not stream. Each test asserts the exact request body and the assembled
`AIMessage`, which must equal the message a non-streamed answer with the same content
gives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import AIMessage

from langchain_qwen import ChatQwen
from langchain_qwen.testing import (
    DashScopeServer,
    RecordedRequest,
    Reply,
    completion_body,
    completion_chunks,
    error_reply,
    json_reply,
    sse_reply,
)

ANSWER = "17 * 23 = 391."
REASONING = "17 * 20 = 340, 17 * 3 = 51, 340 + 51 = 391."
REQUEST_ID = "0b5b2c55-3f5e-9d7a-a1c2-6f1e2d3c4b5a"
USAGE = {"prompt_tokens": 14, "completion_tokens": 40, "total_tokens": 54}
CALL = {"name": "calculator", "args": {"expression": "17*23"}, "id": "call_9"}
NON_STREAM_ERRORS = {
    "qwen3-32b": "parameter.enable_thinking must be set to false for non-streaming "
    "calls",
    "qwen3-8b": "parameter.enable_thinking must be set to false for non-streaming "
    "calls",
    "qwq-plus": "This model only support stream mode, please enable the stream "
    "parameter to access the model.",
    "qvq-max": "current user api does not support http call",
    "qwen3-omni-flash": "This model only support stream mode, please enable the "
    "stream parameter to access the model.",
    "qwen-omni-turbo": "This model only support stream mode, please enable the "
    "stream parameter to access the model.",
}

# (model, per-call kwargs, whether it reasons, whether it calls a tool)
FAMILIES = [
    pytest.param("qwen3-32b", {}, True, True, id="qwen3-open-source-default-on"),
    pytest.param(
        "qwen3-8b", {"enable_thinking": True}, True, False, id="qwen3-open-source-on"
    ),
    pytest.param("qwq-plus", {}, True, True, id="qwq"),
    pytest.param("qvq-max", {}, True, False, id="qvq"),
    pytest.param("qwen3-omni-flash", {}, False, True, id="qwen3-omni"),
    pytest.param("qwen-omni-turbo", {}, False, False, id="qwen-omni"),
]


def _reply_args(model: str, reasons: bool, calls: bool) -> dict[str, Any]:
    return {
        "model": model,
        "reasoning": REASONING if reasons else None,
        "tool_calls": [CALL] if calls else None,
        "usage": USAGE,
        "request_id": REQUEST_ID,
    }


def strict_dashscope(reasons: bool, calls: bool) -> Any:
    """A handler that answers streamed calls only, like DashScope for these models."""

    def handle(request: RecordedRequest) -> Reply:
        body = request.body
        model = body["model"]
        if body.get("stream") is not True:
            return error_reply(
                400,
                "invalid_parameter_error",
                NON_STREAM_ERRORS[model],
                type="invalid_request_error",
            )
        options = body.get("stream_options") or {}
        chunks = completion_chunks(
            ANSWER,
            include_usage=options.get("include_usage") is True,
            **_reply_args(model, reasons, calls),
        )
        return sse_reply(chunks)

    return handle


@pytest.fixture
def reference() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        yield srv


def _non_streamed(
    server: DashScopeServer, model: str, reasons: bool, calls: bool
) -> AIMessage:
    """The message a non-streamed answer with the same content gives."""
    server.enqueue(
        json_reply(completion_body(ANSWER, **_reply_args(model, reasons, calls)))
    )
    chat = ChatQwen(base_url=server.base_url, api_key="sk-loop", model="qwen-plus")
    return chat.invoke("What is 17 * 23?")


def _comparable(message: Any) -> dict[str, Any]:
    assert isinstance(message, AIMessage)
    dumped = message.model_dump()
    dumped.pop("id")  # LangChain's run id, unique per call
    return dumped


def _expected_body(model: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    body = {
        "model": model,
        "stream": True,
        "messages": [{"content": "What is 17 * 23?", "role": "user"}],
        "stream_options": {"include_usage": True},
    }
    return body | kwargs


class Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


class AsyncTokens(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    async def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


def _check_message(
    message: Any, expected: AIMessage, model: str, reasons: bool, calls: bool
) -> None:
    assert _comparable(message) == _comparable(expected)
    # Spelled out, so a failure says what a user would miss.
    assert message.content == ANSWER
    assert message.additional_kwargs.get("reasoning_content") == (
        REASONING if reasons else None
    )
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == (
        [("calculator", {"expression": "17*23"}, "call_9")] if calls else []
    )
    assert message.usage_metadata["input_tokens"] == 14
    assert message.usage_metadata["output_tokens"] == 40
    assert message.usage_metadata["total_tokens"] == 54
    meta = message.response_metadata
    assert meta["finish_reason"] == ("tool_calls" if calls else "stop")
    assert meta["model_name"] == model
    assert meta["id"] == f"chatcmpl-{REQUEST_ID}"
    assert meta["model_provider"] == "qwen"


@pytest.mark.parametrize(("model", "kwargs", "reasons", "calls"), FAMILIES)
def test_invoke_and_batch_stream_under_the_hood(
    reference: DashScopeServer,
    model: str,
    kwargs: dict[str, Any],
    reasons: bool,
    calls: bool,
) -> None:
    expected = _non_streamed(reference, model, reasons, calls)
    with DashScopeServer(handler=strict_dashscope(reasons, calls)) as server:
        # stream_usage=False: invoke still reports usage.
        chat = ChatQwen(
            base_url=server.base_url,
            api_key="sk-loop",
            model=model,
            stream_usage=False,
            max_retries=0,
        )
        before = chat.model_dump()
        tokens = Tokens()
        message = chat.invoke(
            "What is 17 * 23?", config={"callbacks": [tokens]}, **kwargs
        )
        _check_message(message, expected, model, reasons, calls)
        assert "".join(tokens.tokens) == ANSWER
        assert len([t for t in tokens.tokens if t]) > 1

        batched = chat.batch(["What is 17 * 23?"] * 2, **kwargs)
        for item in batched:
            _check_message(item, expected, model, reasons, calls)

        assert [r.body for r in server.requests] == [_expected_body(model, kwargs)] * 3
        assert chat.model_dump() == before


@pytest.mark.parametrize(("model", "kwargs", "reasons", "calls"), FAMILIES)
async def test_ainvoke_and_abatch_stream_under_the_hood(
    reference: DashScopeServer,
    model: str,
    kwargs: dict[str, Any],
    reasons: bool,
    calls: bool,
) -> None:
    expected = await asyncio.to_thread(_non_streamed, reference, model, reasons, calls)
    async with DashScopeServer(handler=strict_dashscope(reasons, calls)) as server:
        chat = ChatQwen(
            base_url=server.base_url, api_key="sk-loop", model=model, max_retries=0
        )
        tokens = AsyncTokens()
        message = await chat.ainvoke(
            "What is 17 * 23?", config={"callbacks": [tokens]}, **kwargs
        )
        _check_message(message, expected, model, reasons, calls)
        assert "".join(tokens.tokens) == ANSWER
        assert len([t for t in tokens.tokens if t]) > 1

        batched = await chat.abatch(["What is 17 * 23?"] * 3, **kwargs)
        for item in batched:
            _check_message(item, expected, model, reasons, calls)

        assert [r.body for r in server.requests] == [_expected_body(model, kwargs)] * 4


def test_follows_the_model_not_the_host() -> None:
    """A self-hosted-style path (a proxy, say) gets the same treatment."""
    with DashScopeServer(handler=strict_dashscope(True, False)) as server:
        chat = ChatQwen(
            base_url=f"{server.url}/v1", api_key="sk-loop", model="qwq-plus"
        )
        assert chat.invoke("What is 17 * 23?").content == ANSWER
        assert server.requests[0].path == "/v1/chat/completions"
        assert server.requests[0].body["stream"] is True


def test_per_call_model_decides() -> None:
    with DashScopeServer(handler=strict_dashscope(True, False)) as server:
        chat = ChatQwen(base_url=server.base_url, api_key="sk-loop", model="qwen-plus")
        message = chat.invoke("What is 17 * 23?", model="qwq-plus")
        assert message.content == ANSWER
        assert message.response_metadata["model_name"] == "qwq-plus"
        assert server.requests[0].body == _expected_body(
            "qwq-plus", {"model": "qwq-plus"}
        )


def test_bound_thinking_decides() -> None:
    """`bind(enable_thinking=...)` turns the hidden stream on and off."""
    with DashScopeServer() as server:
        chat = ChatQwen(base_url=server.base_url, api_key="sk-loop", model="qwen3-32b")
        chat.bind(enable_thinking=False).invoke("plain")
        assert server.requests[-1].body == {
            "model": "qwen3-32b",
            "stream": False,
            "messages": [{"content": "plain", "role": "user"}],
            "enable_thinking": False,
        }
        off = ChatQwen(
            base_url=server.base_url,
            api_key="sk-loop",
            model="qwen3-32b",
            enable_thinking=False,
        )
        off.bind(enable_thinking=True).invoke("think")
        assert server.requests[-1].body["stream"] is True
        assert server.requests[-1].body["enable_thinking"] is True


def test_other_models_are_not_streamed() -> None:
    with DashScopeServer() as server:
        for model in ("qwen-plus", "qwen3.7-plus", "qwen3-235b-a22b-thinking-2507"):
            chat = ChatQwen(base_url=server.base_url, api_key="sk-loop", model=model)
            chat.invoke("hi")
            assert server.requests[-1].body == {
                "model": model,
                "stream": False,
                "messages": [{"content": "hi", "role": "user"}],
            }


def test_stream_of_streaming_only_model_unchanged() -> None:
    with DashScopeServer(handler=strict_dashscope(True, False)) as server:
        chat = ChatQwen(base_url=server.base_url, api_key="sk-loop", model="qwq-plus")
        chunks = list(chat.stream("What is 17 * 23?"))
        assert "".join(c.text for c in chunks) == ANSWER
        assert server.requests[0].body == _expected_body("qwq-plus", {})


@pytest.mark.parametrize(
    ("model", "kwargs", "match"),
    [
        ("qwq-plus", {"enable_thinking": False}, "always thinks"),
        ("qwen-omni-turbo", {"enable_thinking": True}, "has no thinking mode"),
        ("qwen3-32b", {"temperature": 2}, r"temperature must be a number in \[0, 2\)"),
        ("qwq-plus", {"n": 2}, "returns one choice per request"),
    ],
)
async def test_bad_requests_fail_before_sending(
    model: str, kwargs: dict[str, Any], match: str
) -> None:
    async with DashScopeServer() as server:
        chat = ChatQwen(base_url=server.base_url, api_key="sk-loop", model=model)
        with pytest.raises(ValueError, match=match):
            chat.invoke("hi", **kwargs)
        with pytest.raises(ValueError, match=match):
            await chat.ainvoke("hi", **kwargs)
        assert server.requests == []
