"""langchain-openai's own unit tests for BaseChatOpenAI, as behaviours of ChatQwen.

The facts carry over from `libs/partners/openai/tests/unit_tests/chat_models/
test_base.py` (langchain-ai/langchain); the tests are ours, written against
ChatQwen with DashScope's names and shapes. Which of theirs apply, and why the
others do not, is tallied in `tests/PEER_TESTS.md`. Sockets are disabled here:
every call reaches a mock client (`patch.object(llm, "client", ...)`, the
pattern those tests use), never the network.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal
from unittest.mock import AsyncMock, MagicMock, patch

import openai
import pytest
from langchain_core.exceptions import ContextOverflowError
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    message_chunk_to_message,
)
from langchain_core.outputs import ChatResult
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_qwen import ChatQwen
from tests.conftest import httpx2

KEY = "sk-0123456789abcdef0123456789abcdef"
TOOLS_MODEL = "qwen3.7-plus"  # takes tool_choice="required" and json_schema


def _model(**kwargs: Any) -> ChatQwen:
    return ChatQwen(**{"model": "qwen-plus", "api_key": KEY, **kwargs})


# --------------------------------------------------------------------------
# Mock clients, as langchain-openai's tests build them
# --------------------------------------------------------------------------

COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-ported",
    "object": "chat.completion",
    "created": 1_764_000_000,
    "model": "qwen-plus",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hangzhou", "name": "Qwen"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10},
}


def _stream_chunks(texts: list[str], usage: dict[str, int]) -> list[dict[str, Any]]:
    """A DashScope-shaped stream: deltas, a finish, then a usage-only chunk."""
    base = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1}
    chunks = [
        {
            **base,
            "model": "qwen-plus",
            "choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}],
        }
        for t in texts
    ]
    chunks.append(
        {
            **base,
            "model": "qwen-plus",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }
    )
    chunks.append({**base, "model": "qwen-plus", "choices": [], "usage": usage})
    return chunks


USAGE = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}


def _usage(chunks: list[AIMessageChunk]) -> list[tuple[int, int, int]]:
    return [
        (u["input_tokens"], u["output_tokens"], u["total_tokens"])
        for c in chunks
        if (u := c.usage_metadata)
    ]


class _SyncStream:
    def __init__(self, chunks: list[dict[str, Any]]) -> None:
        self._chunks = chunks

    def __enter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._chunks)

    def __exit__(self, *args: object) -> None:
        return None


class _AsyncStream:
    def __init__(self, chunks: list[dict[str, Any]]) -> None:
        self._chunks = chunks

    async def __aenter__(self) -> AsyncIterator[dict[str, Any]]:
        async def gen() -> AsyncIterator[dict[str, Any]]:
            for chunk in self._chunks:
                yield chunk

        return gen()

    async def __aexit__(self, *args: object) -> None:
        return None


@pytest.fixture
def mock_client() -> MagicMock:
    client = MagicMock()
    raw = MagicMock()
    raw.headers = {"content-type": "application/json"}
    raw.parse.return_value = COMPLETION
    client.with_raw_response.create.return_value = raw
    client.create.side_effect = lambda **kw: _SyncStream(
        _stream_chunks(["Hang", "zhou"], USAGE)
    )
    return client


@pytest.fixture
def mock_async_client() -> AsyncMock:
    client = AsyncMock()
    raw = MagicMock()
    raw.parse.return_value = COMPLETION
    client.with_raw_response.create.return_value = raw

    async def create(**kw: Any) -> _AsyncStream:
        return _AsyncStream(_stream_chunks(["Hang", "zhou"], USAGE))

    client.create = create
    return client


# --------------------------------------------------------------------------
# Construction
# --------------------------------------------------------------------------


def test_model_and_model_name_and_both_token_cap_names() -> None:
    assert _model(model="qwen-max").model_name == "qwen-max"
    by_field = ChatQwen(model_name="qwen-max", api_key=KEY)  # type: ignore[call-arg]
    assert by_field.model_name == "qwen-max"
    assert _model(max_tokens=10).max_tokens == 10
    assert _model(max_completion_tokens=10).max_tokens == 10


@pytest.mark.parametrize("async_api", [True, False])
def test_streaming_true_streams(async_api: bool) -> None:
    assert _model(streaming=True)._should_stream(async_api=async_api)


def test_http_clients_are_shared_per_configuration() -> None:
    first, second = _model(), _model()
    assert first.root_client._client is second.root_client._client
    other_host = _model(base_url="http://127.0.0.1:8000/v1")
    assert first.root_client._client is not other_host.root_client._client
    assert first.root_client._client is not _model(timeout=3).root_client._client
    timeout = httpx2.Timeout(timeout=60.0, connect=5.0)
    assert first.root_client._client is not _model(timeout=timeout).root_client._client


def test_profile_is_per_instance_and_can_be_given() -> None:
    model = _model(model=TOOLS_MODEL)
    assert model.profile
    assert model.profile["tool_calling"]
    assert model.profile["structured_output"]
    model.profile["tool_calling"] = False
    assert _model(model=TOOLS_MODEL).profile["tool_calling"]  # not shared
    given = _model(model=TOOLS_MODEL, profile={"tool_calling": False})
    assert given.profile == {"tool_calling": False}


def test_metadata_names_the_package_versions() -> None:
    versions = _model().metadata["lc_versions"]  # type: ignore[index]
    assert {"langchain-core", "langchain-openai", "langchain-qwen"} <= set(versions)


def test_custom_token_counting() -> None:
    assert _model(custom_get_token_ids=lambda text: [1, 2, 3]).get_token_ids("x") == [
        1,
        2,
        3,
    ]


# --------------------------------------------------------------------------
# What is sent
# --------------------------------------------------------------------------


def _sent(messages: Any, **kwargs: Any) -> Any:
    return _model(**kwargs)._get_request_payload(messages)


def test_each_message_kind_is_sent_in_openai_format() -> None:
    tool_call = {"name": "get_weather", "args": {"city": "杭州"}, "id": "call_1"}
    sent = _sent(
        [
            SystemMessage("Be brief."),
            HumanMessage("Weather?", name="Katie"),
            AIMessage("", tool_calls=[tool_call], name="Qwen"),
            ToolMessage("sunny", tool_call_id="call_1"),
        ]
    )["messages"]
    assert sent[0] == {"role": "system", "content": "Be brief."}
    assert sent[1] == {"role": "user", "content": "Weather?", "name": "Katie"}
    assert sent[2]["role"] == "assistant"
    assert sent[2]["name"] == "Qwen"
    (call,) = sent[2]["tool_calls"]
    assert call["id"] == "call_1"
    assert call["function"]["name"] == "get_weather"
    # Non-ASCII arguments travel as they are, not as \\u escapes.
    assert "杭州" in call["function"]["arguments"]
    assert json.loads(call["function"]["arguments"]) == {"city": "杭州"}
    assert sent[3] == {"role": "tool", "content": "sunny", "tool_call_id": "call_1"}


def test_function_call_is_dropped_when_tool_calls_are_present() -> None:
    message = AIMessage(
        "",
        additional_kwargs={
            "function_call": {"name": "get_weather", "arguments": '{"city": "x"}'}
        },
        tool_calls=[{"name": "get_weather", "args": {"city": "x"}, "id": "c1"}],
    )
    history = [HumanMessage("Weather?"), message, ToolMessage("sun", tool_call_id="c1")]
    sent = _sent(history)["messages"][1]
    assert "tool_calls" in sent
    assert "function_call" not in sent


def test_reasoning_blocks_of_other_providers_are_not_sent() -> None:
    sent = _sent(
        [
            {
                "role": "user",
                "content": [
                    {"type": "reasoning_content", "reasoning_content": "..."},
                    {"type": "text", "text": "reasoned"},
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "thinking", "thinking": "..."},
                    {"type": "text", "text": "thought"},
                ],
            },
        ]
    )["messages"]
    # Text-only parts go as plain strings (DashScope's text-only models refuse
    # part lists: "input content must be a string", Model Studio error codes,
    # https://www.alibabacloud.com/help/en/model-studio/error-code, 2026-12-04).
    assert [m["content"] for m in sent] == ["reasoned", "thought"]


def test_text_block_ids_are_not_sent() -> None:
    sent = _sent(
        [
            HumanMessage("Weather?"),
            AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "d1"}]),
            ToolMessage(
                content=[{"type": "text", "text": "foo", "id": "lc_abc"}],
                tool_call_id="d1",
            ),
        ]
    )["messages"]
    # The block's id is not sent; a lone text part goes as a plain string.
    assert sent[2] == {"role": "tool", "content": "foo", "tool_call_id": "d1"}


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image", "source_type": "url", "url": "https://example.com/a.png"},
        {"type": "image", "url": "https://example.com/a.png"},
    ],
    ids=["v0", "v1"],
)
def test_standard_image_blocks_become_image_url_parts(block: dict[str, Any]) -> None:
    sent = _sent([HumanMessage(content=[block])], model=TOOLS_MODEL)["messages"]
    assert sent[0]["content"] == [
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    ]


def test_stop_extra_body_model_kwargs_and_service_tier_are_sent() -> None:
    payload = _sent(
        "Hello",
        stop=["END"],
        extra_body={"ttl": 300},
        model_kwargs={"custom_param": "x"},
        temperature=0.5,
        service_tier="flex",
    )
    assert payload["stop"] == ["END"]
    assert payload["extra_body"]["ttl"] == 300
    assert payload["custom_param"] == "x"
    assert payload["temperature"] == 0.5
    assert payload["service_tier"] == "flex"


# --------------------------------------------------------------------------
# Calls through a replaced client
# --------------------------------------------------------------------------


def test_invoke_through_a_mock_client(mock_client: MagicMock) -> None:
    llm = _model()
    with patch.object(llm, "client", mock_client):
        answer = llm.invoke([HumanMessage("Capital of Zhejiang?", name="Katie")])
    assert answer.content == "Hangzhou"
    assert answer.name == "Qwen"
    assert "headers" not in answer.response_metadata
    assert answer.response_metadata["model_provider"] == "qwen"
    args, kwargs = mock_client.with_raw_response.create.call_args
    assert args == ()
    assert kwargs["messages"] == [
        {"role": "user", "content": "Capital of Zhejiang?", "name": "Katie"}
    ]


async def test_ainvoke_through_a_mock_client(mock_async_client: AsyncMock) -> None:
    llm = _model()
    with patch.object(llm, "async_client", mock_async_client):
        answer = await llm.ainvoke("Capital of Zhejiang?")
    assert answer.content == "Hangzhou"
    assert "headers" not in answer.response_metadata
    assert mock_async_client.with_raw_response.create.called


def test_stream_reports_usage_and_asks_for_it(mock_client: MagicMock) -> None:
    llm = _model()
    seen: list[dict[str, Any]] = []

    def create(**kwargs: Any) -> _SyncStream:
        seen.append(kwargs)
        return _SyncStream(_stream_chunks(["Hang", "zhou"], USAGE))

    mock_client.create.side_effect = create
    with patch.object(llm, "client", mock_client):
        chunks = list(llm.stream("Capital of Zhejiang?"))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert _usage(chunks) == [(12, 3, 15)]
    assert seen[-1]["stream_options"] == {"include_usage": True}
    assert "".join(str(c.content) for c in chunks) == "Hangzhou"


def test_stream_usage_false_does_not_ask(mock_client: MagicMock) -> None:
    llm = _model(stream_usage=False)
    seen: list[dict[str, Any]] = []

    def create(**kwargs: Any) -> _SyncStream:
        seen.append(kwargs)
        return _SyncStream(_stream_chunks(["a"], USAGE))

    mock_client.create.side_effect = create
    with patch.object(llm, "client", mock_client):
        list(llm.stream("x"))
    assert "stream_options" not in seen[-1]


async def test_astream_reports_usage(mock_async_client: AsyncMock) -> None:
    llm = _model()
    with patch.object(llm, "async_client", mock_async_client):
        chunks = [c async for c in llm.astream("Capital of Zhejiang?")]
    assert _usage(chunks) == [(12, 3, 15)]


def test_stream_events_v3_lifecycle_is_valid(mock_client: MagicMock) -> None:
    from langchain_tests.utils.stream_lifecycle import (  # noqa: PLC0415
        assert_valid_event_stream,
    )

    llm = _model()
    with patch.object(llm, "client", mock_client):
        events = list(llm.stream_events("Capital of Zhejiang?", version="v3"))
    assert_valid_event_stream(events)
    finished = [e for e in events if e["event"] == "content-block-finish"]
    assert [f["content"]["type"] for f in finished].count("text") == 1


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


def _overflow() -> openai.BadRequestError:
    # DashScope's answer to an input over the window (recorded shape).
    body = {
        "message": "Range of input length should be [1, 129024]",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_parameter_error",
    }
    request = httpx2.Request("POST", "https://dashscope-intl.aliyuncs.com/v1")
    response = httpx2.Response(400, request=request, json={"error": body})
    return openai.BadRequestError(message=body["message"], response=response, body=body)


def test_context_overflow_on_invoke() -> None:
    llm = _model(max_retries=0)
    raw = MagicMock()
    raw.create.side_effect = _overflow()
    with (
        patch.object(llm.client, "with_raw_response", raw),
        pytest.raises(ContextOverflowError, match="Range of input length") as err,
    ):
        llm.invoke("x")
    # Still the class ChatOpenAI users catch.
    assert isinstance(err.value, openai.BadRequestError)


async def test_context_overflow_on_ainvoke() -> None:
    llm = _model(max_retries=0)
    raw = MagicMock()
    raw.create = AsyncMock(side_effect=_overflow())
    with (
        patch.object(llm.async_client, "with_raw_response", raw),
        pytest.raises(ContextOverflowError),
    ):
        await llm.ainvoke("x")


def test_context_overflow_on_stream() -> None:
    llm = _model(max_retries=0)
    with (
        patch.object(llm.client, "create", side_effect=_overflow()),
        pytest.raises(ContextOverflowError),
    ):
        list(llm.stream("x"))


async def test_context_overflow_on_astream() -> None:
    llm = _model(max_retries=0)
    with (
        patch.object(llm.async_client, "create", AsyncMock(side_effect=_overflow())),
        pytest.raises(ContextOverflowError),
    ):
        async for _ in llm.astream("x"):
            pass


# --------------------------------------------------------------------------
# Tools and structured output
# --------------------------------------------------------------------------


class GenerateUsername(BaseModel):
    """Get a username based on someone's name and hair color."""

    name: str
    hair_color: str


class MakeASandwich(BaseModel):
    """Make a sandwich given a list of ingredients."""

    bread_type: str
    cheese_type: str
    condiments: list[str]
    vegetables: list[str]


@pytest.mark.parametrize(
    "tool_choice",
    [
        "any",
        "none",
        "auto",
        "required",
        "GenerateUsername",
        {"type": "function", "function": {"name": "MakeASandwich"}},
        False,
        None,
    ],
)
@pytest.mark.parametrize("strict", [True, False, None])
def test_bind_tools_takes_every_tool_choice(tool_choice: Any, strict: Any) -> None:
    bound = _model(model=TOOLS_MODEL).bind_tools(
        [GenerateUsername, MakeASandwich], tool_choice=tool_choice, strict=strict
    )
    payload = bound._get_request_payload("hi", **bound.kwargs)  # type: ignore[attr-defined]
    assert len(payload["tools"]) == 2


def test_bind_tools_without_strict_sends_no_strict() -> None:
    bound = _model(model=TOOLS_MODEL).bind_tools([GenerateUsername])
    tools = bound.kwargs["tools"]  # type: ignore[attr-defined]
    assert "strict" not in tools[0]["function"]


@pytest.mark.parametrize(
    "schema", [GenerateUsername, GenerateUsername.model_json_schema()]
)
@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
@pytest.mark.parametrize("include_raw", [True, False])
@pytest.mark.parametrize("strict", [True, False, None])
def test_with_structured_output_builds(
    schema: Any,
    method: Literal["function_calling", "json_mode", "json_schema"],
    include_raw: bool,
    strict: bool | None,
) -> None:
    if method == "json_mode":
        strict = None
    _model(model=TOOLS_MODEL).with_structured_output(
        schema, method=method, strict=strict, include_raw=include_raw
    )


class SelfEvaluation(TypedDict):
    score: int
    text: str


class JokeWithEvaluation(TypedDict):
    """Joke to tell user."""

    setup: str
    punchline: str
    evaluation: SelfEvaluation


def test_structured_output_strict_and_nested() -> None:
    class Joke(BaseModel):
        """Joke to tell user."""

        setup: str = Field(description="question to set up a joke")
        punchline: str = Field(description="answer to resolve the joke")

    llm = _model(model=TOOLS_MODEL)
    for method in ("function_calling", "json_schema"):
        llm.with_structured_output(Joke, method=method, strict=True)  # type: ignore[arg-type]
        llm.with_structured_output(Joke.model_json_schema(), method=method, strict=True)  # type: ignore[arg-type]
    llm.with_structured_output(JokeWithEvaluation, method="json_schema")


def test_structured_output_schema_is_the_given_one() -> None:
    class Foo(BaseModel):
        bar: int

    runnable = _model(model=TOOLS_MODEL).with_structured_output(
        Foo, method="json_schema", strict=True
    )
    schema = runnable.get_output_schema().model_json_schema()  # type: ignore[attr-defined]
    assert schema == {
        "properties": {"bar": {"title": "Bar", "type": "integer"}},
        "required": ["bar"],
        "title": "Foo",
        "type": "object",
    }


def test_parsed_structured_answer_gives_no_serializer_warning() -> None:
    from openai.lib._parsing._completions import (  # noqa: PLC0415
        parse_chat_completion,
    )
    from openai.types.chat import ChatCompletion  # noqa: PLC0415
    from openai.types.chat.chat_completion import Choice  # noqa: PLC0415
    from openai.types.chat.chat_completion_message import (  # noqa: PLC0415
        ChatCompletionMessage,
    )

    class City(BaseModel):
        name: str

    raw = ChatCompletion(
        id="chatcmpl-1",
        object="chat.completion",
        created=0,
        model="qwen-plus",
        choices=[
            Choice(
                index=0,
                finish_reason="stop",
                message=ChatCompletionMessage(
                    role="assistant", content='{"name": "Hangzhou"}'
                ),
            )
        ],
    )
    parsed = parse_chat_completion(
        response_format=City, input_tools=openai.omit, chat_completion=raw
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _model()._create_chat_result(parsed)
    assert not [w for w in caught if "PydanticSerialization" in str(w.message)]
    assert result.generations[0].message.additional_kwargs["parsed"] == City(
        name="Hangzhou"
    )


# --------------------------------------------------------------------------
# Reading answers
# --------------------------------------------------------------------------


def test_malformed_tool_call_arguments_become_invalid_tool_calls() -> None:
    answer = {
        **COMPLETION,
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_bad",
                            "type": "function",
                            "function": {
                                "name": "GenerateUsername",
                                "arguments": "oops",
                            },
                        },
                        {
                            "id": "call_good",
                            "type": "function",
                            "function": {
                                "name": "GenerateUsername",
                                "arguments": '{"name": "Sally", "hair_color": "green"}',
                            },
                        },
                    ],
                },
            }
        ],
    }
    result: ChatResult = _model()._create_chat_result(answer)
    message = result.generations[0].message
    assert isinstance(message, AIMessage)
    assert [c["id"] for c in message.tool_calls] == ["call_good"]
    assert message.tool_calls[0]["args"] == {"name": "Sally", "hair_color": "green"}
    assert [c["id"] for c in message.invalid_tool_calls] == ["call_bad"]
    assert message.invalid_tool_calls[0]["args"] == "oops"


def test_zero_total_tokens_is_kept() -> None:
    answer = {
        **COMPLETION,
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 0},
    }
    message = _model()._create_chat_result(answer).generations[0].message
    assert isinstance(message, AIMessage)
    assert message.usage_metadata is not None
    assert message.usage_metadata["total_tokens"] == 0


def test_v1_stream_keeps_string_content_and_builds_tool_call_blocks() -> None:
    llm = _model(output_version="v1")
    base = {"id": "chatcmpl-v1", "object": "chat.completion.chunk", "created": 0}
    raw = [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]},
        {"choices": [{"index": 0, "delta": {"content": "Let me check."}}]},
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_w",
                                "function": {
                                    "name": "get_weather",
                                    "arguments": '{"ci',
                                },
                            }
                        ]
                    },
                }
            ]
        },
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {"index": 0, "function": {"arguments": 'ty": "Hangzhou"}'}}
                        ]
                    },
                }
            ]
        },
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
        {"choices": [], "usage": USAGE},
    ]
    total: AIMessageChunk | None = None
    for part in raw:
        chunk = {**base, "model": "qwen-plus", **part}
        gen = llm._convert_chunk_to_generation_chunk(chunk, AIMessageChunk, None)
        if gen is None:
            continue
        message = gen.message
        assert isinstance(message, AIMessageChunk)
        assert isinstance(message.content, str | list)
        assert message.response_metadata.get("output_version") == "v1"
        assert message.response_metadata.get("model_provider") == "qwen"
        total = message if total is None else total + message
    assert total is not None
    final = message_chunk_to_message(total)
    assert {"type": "text", "text": "Let me check."} in final.content_blocks
    assert {
        "type": "tool_call",
        "name": "get_weather",
        "args": {"city": "Hangzhou"},
        "id": "call_w",
    } in final.content_blocks


def test_a_v1_answer_sent_back_keeps_only_its_text() -> None:
    answer = AIMessage(
        [
            {"type": "reasoning", "reasoning": "Because..."},
            {
                "type": "text",
                "text": "Hello, world!",
                "annotations": [{"type": "citation", "url": "https://example.com"}],
            },
        ],
        id="chatcmpl-1",
        response_metadata={"model_provider": "qwen", "output_version": "v1"},
    )
    sent = _sent([HumanMessage("hi"), answer, HumanMessage("more")])["messages"][1]
    assert sent == {"role": "assistant", "content": "Hello, world!"}


def test_a_developer_message_is_sent_as_system() -> None:
    # langchain-openai sends role "developer"; DashScope's roles are system, user,
    # assistant and tool, so it goes as system (merged by the system rule).
    message = SystemMessage(
        "Be brief.", additional_kwargs={"__openai_role__": "developer"}
    )
    sent = _sent([message, HumanMessage("x")])["messages"]
    assert sent[0] == {"role": "system", "content": "Be brief."}
