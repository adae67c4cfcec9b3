"""Tool calling over real HTTP against the loopback DashScope server.

Streamed tool calls are assembled from DashScope's own chunk shapes: the recorded
qwen3-max stream, and scripted parallel calls with interleaved indices,
continuation deltas carrying `"id": ""`, and trailing deltas whose arguments are
`""` (qwen3-max) or `null` (qwen-plus). The request bodies are what DashScope
would receive.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from pydantic import BaseModel

from langchain_qwen import ChatQwen
from langchain_qwen.testing import (
    DashScopeServer,
    completion_body,
    json_reply,
    load_recording,
    sse_reply,
    text_completion,
)
from tests.conftest import RECORDED

RECORDED_CALL_ID = "call_eee11723464a4b9eb8cee71d"


def weather(location: str) -> str:
    """Get the weather in a location."""
    return f"sunny in {location}"


def clock(tz: str) -> str:
    """Get the time in a time zone."""
    return f"noon in {tz}"


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        yield srv


def _model(server: DashScopeServer, model: str = "qwen-plus", **kw: Any) -> ChatQwen:
    return ChatQwen(
        base_url=server.base_url, api_key="sk-loop", model=model, max_retries=0, **kw
    )


def _aggregate(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


def _chunk(
    delta: dict[str, Any], finish: str | None = None, *, bare: bool = False
) -> dict:
    choice: dict[str, Any] = {"delta": delta, "index": 0}
    if not bare:  # qwen3-max's trailing delta has no finish_reason/logprobs keys
        choice.update(finish_reason=finish, logprobs=None)
    return {
        "choices": [choice],
        "object": "chat.completion.chunk",
        "usage": None,
        "created": 1770764938,
        "system_fingerprint": None,
        "model": "qwen-plus",
        "id": "chatcmpl-5b1f2c3d-0000-4000-8000-000000000001",
    }


def _call(
    index: int, *, call_id: str = "", name: str | None = None, args: Any = ""
) -> dict:
    function: dict[str, Any] = {"arguments": args}
    if name is not None:
        function["name"] = name
    return {"index": index, "id": call_id, "type": "function", "function": function}


def _parallel_chunks() -> list[dict]:
    """Two calls, interleaved by index, in DashScope's shapes."""
    return [
        _chunk(
            {
                "content": None,
                "role": "assistant",
                "tool_calls": [_call(0, call_id="call_w", name="weather")],
            }
        ),
        _chunk(
            {"content": None, "tool_calls": [_call(1, call_id="call_c", name="clock")]}
        ),
        _chunk({"content": None, "tool_calls": [_call(0, args='{"location": ')]}),
        _chunk({"content": None, "tool_calls": [_call(1, args='{"tz": "Asia/')]}),
        _chunk({"content": None, "tool_calls": [_call(0, args='"Hangzhou"}')]}),
        _chunk({"content": None, "tool_calls": [_call(1, args='Shanghai"}')]}),
        _chunk({"tool_calls": [_call(0, args="")]}, bare=True),
        _chunk({"tool_calls": [_call(1, args=None)]}, bare=True),
        _chunk({}, "tool_calls"),
        {
            **_chunk({}),
            "choices": [],
            "usage": {"prompt_tokens": 40, "completion_tokens": 30, "total_tokens": 70},
        },
    ]


PARALLEL_CALLS = [
    {
        "name": "weather",
        "args": {"location": "Hangzhou"},
        "id": "call_w",
        "type": "tool_call",
    },
    {
        "name": "clock",
        "args": {"tz": "Asia/Shanghai"},
        "id": "call_c",
        "type": "tool_call",
    },
]


# --- the recorded qwen3-max tool-call stream -------------------------------------


def test_recorded_tool_call_stream_assembles(server: DashScopeServer) -> None:
    server.enqueue(load_recording(RECORDED / "alibaba-tool-call.chunks.txt"))
    model = _model(server, "qwen3-max").bind_tools([weather])
    chunks = list(model.stream("What is the weather in San Francisco?"))
    message = _aggregate(chunks)
    assert message.tool_calls == [
        {
            "name": "weather",
            "args": {"location": "San Francisco"},
            "id": RECORDED_CALL_ID,
            "type": "tool_call",
        }
    ]
    assert message.invalid_tool_calls == []
    # The id arrives once and is not repeated or concatenated by the "" deltas.
    assert [c["id"] for c in message.tool_call_chunks] == [RECORDED_CALL_ID]
    assert [b["type"] for b in message.content_blocks] == ["tool_call"]
    assert message.response_metadata["finish_reason"] == "tool_calls"
    assert message.usage_metadata is not None
    assert message.usage_metadata["total_tokens"] > 0


async def test_recorded_tool_call_astream_assembles(server: DashScopeServer) -> None:
    server.enqueue(load_recording(RECORDED / "alibaba-tool-call.chunks.txt"))
    model = _model(server, "qwen3-max").bind_tools([weather])
    chunks = [c async for c in model.astream("Weather in San Francisco?")]
    message = _aggregate(chunks)
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("weather", {"location": "San Francisco"}, RECORDED_CALL_ID)
    ]
    assert message.invalid_tool_calls == []


def test_recorded_non_streamed_tool_call(server: DashScopeServer) -> None:
    server.enqueue(load_recording(RECORDED / "alibaba-tool-call.json"))
    message = _model(server, "qwen3-max").bind_tools([weather]).invoke("Weather?")
    recorded = json.loads((RECORDED / "alibaba-tool-call.json").read_text())
    call = recorded["choices"][0]["message"]["tool_calls"][0]
    assert isinstance(message, AIMessage)
    assert message.tool_calls == [
        {
            "name": call["function"]["name"],
            "args": json.loads(call["function"]["arguments"]),
            "id": call["id"],
            "type": "tool_call",
        }
    ]


# --- scripted parallel calls ------------------------------------------------------


def test_parallel_stream_told_apart_by_index(server: DashScopeServer) -> None:
    server.enqueue(sse_reply(_parallel_chunks()))
    model = _model(server).bind_tools([weather, clock], parallel_tool_calls=True)
    message = _aggregate(list(model.stream("Weather and time in Hangzhou?")))
    assert message.tool_calls == PARALLEL_CALLS
    assert message.invalid_tool_calls == []
    assert [(c["index"], c["id"]) for c in message.tool_call_chunks] == [
        (0, "call_w"),
        (1, "call_c"),
    ]
    assert message.usage_metadata == {
        "input_tokens": 40,
        "output_tokens": 30,
        "total_tokens": 70,
        "input_token_details": {},
        "output_token_details": {},
    }
    assert server.requests[0].body["parallel_tool_calls"] is True


async def test_parallel_astream_told_apart_by_index(server: DashScopeServer) -> None:
    server.enqueue(sse_reply(_parallel_chunks()))
    model = _model(server).bind_tools([weather, clock])
    message = _aggregate([c async for c in model.astream("Weather and time?")])
    assert message.tool_calls == PARALLEL_CALLS


def test_two_calls_in_one_delta(server: DashScopeServer) -> None:
    chunks = [
        _chunk(
            {
                "role": "assistant",
                "tool_calls": [
                    _call(0, call_id="call_w", name="weather", args='{"location": '),
                    _call(1, call_id="call_c", name="clock", args='{"tz": '),
                ],
            }
        ),
        _chunk(
            {
                "tool_calls": [
                    _call(0, args='"Hangzhou"}'),
                    _call(1, args='"Asia/Shanghai"}'),
                ]
            }
        ),
        _chunk({}, "tool_calls"),
    ]
    server.enqueue(sse_reply(chunks))
    message = _aggregate(list(_model(server).bind_tools([weather, clock]).stream("x")))
    assert message.tool_calls == PARALLEL_CALLS


def test_generated_stream_matches_invoke(server: DashScopeServer) -> None:
    calls = [{"name": "weather", "args": {"location": "Hangzhou"}, "id": "call_w"}]
    server.enqueue(
        text_completion("", tool_calls=calls, chunk_size=3),
        text_completion("", tool_calls=calls),
    )
    model = _model(server).bind_tools([weather])
    streamed = _aggregate(list(model.stream("Weather in Hangzhou?")))
    invoked = model.invoke("Weather in Hangzhou?")
    assert isinstance(invoked, AIMessage)
    assert (
        streamed.tool_calls == invoked.tool_calls == [{**calls[0], "type": "tool_call"}]
    )


# --- request bodies ----------------------------------------------------------------


def test_forced_choice_on_a_thinking_model_sends_thinking_off(
    server: DashScopeServer,
) -> None:
    server.enqueue(
        text_completion("", tool_calls=[{"name": "weather", "args": {"location": "x"}}])
    )
    model = _model(server, "qwen3.7-plus")
    before = model.model_dump()
    model.bind_tools([weather, clock], tool_choice="weather", strict=True).invoke("x")
    body = server.requests[0].body
    assert body["tool_choice"] == {"type": "function", "function": {"name": "weather"}}
    assert body["enable_thinking"] is False
    assert [t["function"]["strict"] for t in body["tools"]] == [True, True]
    assert "parallel_tool_calls" not in body
    assert model.model_dump() == before

    server.enqueue(text_completion("plain"))
    model.invoke("no tools")
    assert "enable_thinking" not in server.requests[1].body


def test_any_with_one_tool_on_qwen_plus_is_sent_by_name(
    server: DashScopeServer,
) -> None:
    server.enqueue(
        text_completion("", tool_calls=[{"name": "weather", "args": {"location": "x"}}])
    )
    _model(server).bind_tools([weather], tool_choice="any").invoke("x")
    body = server.requests[0].body
    assert body["tool_choice"] == {"type": "function", "function": {"name": "weather"}}
    assert "enable_thinking" not in body


def test_required_on_a_model_that_has_it(server: DashScopeServer) -> None:
    server.enqueue(
        text_completion("", tool_calls=[{"name": "clock", "args": {"tz": "UTC"}}])
    )
    _model(server, "qwen3.7-max").bind_tools(
        [weather, clock], tool_choice="any"
    ).invoke("x")
    body = server.requests[0].body
    assert body["tool_choice"] == "required"
    assert body["enable_thinking"] is False


@pytest.mark.parametrize(
    ("model_name", "bind"),
    [
        ("qwen-plus", {"tool_choice": "any", "tools": [weather, clock]}),
        ("qwq-plus", {"tool_choice": "weather", "tools": [weather]}),
        ("qwen-mt-plus", {"tools": [weather]}),
    ],
)
def test_rejected_binds_send_nothing(
    server: DashScopeServer, model_name: str, bind: dict
) -> None:
    model = _model(server, model_name)
    options = {k: v for k, v in bind.items() if k != "tools"}
    with pytest.raises(ValueError):
        model.bind_tools(bind["tools"], **options)
    assert server.requests == []


def test_per_call_thinking_on_is_caught_before_sending(server: DashScopeServer) -> None:
    bound = _model(server, "qwen3.7-plus").bind_tools([weather], tool_choice="weather")
    with pytest.raises(ValueError, match="thinking"):
        bound.invoke("x", enable_thinking=True)
    assert server.requests == []


def test_tool_history_round_trip(server: DashScopeServer) -> None:
    """An answer with a tool call, then the tool result, as DashScope receives them."""
    server.enqueue(
        json_reply(
            completion_body(
                "",
                tool_calls=[
                    {"name": "weather", "args": {"location": "Paris"}, "id": "c1"}
                ],
            )
        ),
        text_completion("It is sunny in Paris."),
    )
    model = _model(server).bind_tools([weather])
    first = model.invoke("Weather in Paris?")
    assert isinstance(first, AIMessage)
    answer = model.invoke(
        [
            HumanMessage("Weather in Paris?"),
            first,
            ToolMessage("sunny in Paris", tool_call_id="c1"),
        ]
    )
    assert answer.content == "It is sunny in Paris."
    messages = server.requests[1].body["messages"]
    assert messages[1]["role"] == "assistant"
    assert messages[1]["tool_calls"][0]["id"] == "c1"
    assert messages[1]["tool_calls"][0]["function"] == {
        "name": "weather",
        "arguments": '{"location": "Paris"}',
    }
    assert messages[2] == {
        "role": "tool",
        "content": "sunny in Paris",
        "tool_call_id": "c1",
    }


class Answer(BaseModel):
    """The final answer."""

    text: str


@pytest.mark.parametrize("stream", [False, True])
def test_tools_with_response_format(server: DashScopeServer, stream: bool) -> None:
    """The openai SDK's parse/stream path (used by create_agent's ProviderStrategy)."""
    server.enqueue(
        text_completion(
            "",
            tool_calls=[{"name": "weather", "args": {"location": "Paris"}, "id": "c9"}],
        )
    )
    bound = _model(server, "qwen3.7-plus").bind_tools(
        [weather], response_format=Answer, strict=True
    )
    if stream:
        message: Any = _aggregate(list(bound.stream("Weather in Paris?")))
    else:
        message = bound.invoke("Weather in Paris?")
    assert message.tool_calls == [
        {
            "name": "weather",
            "args": {"location": "Paris"},
            "id": "c9",
            "type": "tool_call",
        }
    ]
    body = server.requests[0].body
    assert body["response_format"]["json_schema"]["name"] == "Answer"
    assert body["enable_thinking"] is False
