"""Structured output and multimodal input over real HTTP, against the loopback server.

With a `response_format`, `BaseChatOpenAI` streams through the openai SDK's
`beta.chat.completions.stream` and invokes through `chat.completions.parse`; both
are driven here with DashScope-shaped replies. Parsed results must stream.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_qwen import ChatQwen
from langchain_qwen._chat.structured import JSON_HINT
from langchain_qwen.testing import DashScopeServer, text_completion


class Joke(BaseModel):
    """A joke to tell."""

    setup: str = Field(description="The question")
    punchline: str = Field(description="The answer")


class JokeDict(TypedDict):
    """A joke to tell."""

    setup: str
    punchline: str


JOKE = {
    "setup": "Why did the cat sit on the laptop?",
    "punchline": "To keep an eye on the mouse.",
}
JOKE_TEXT = json.dumps(JOKE)


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        yield srv


def _model(server: DashScopeServer, model: str = "qwen-plus", **kw: Any) -> ChatQwen:
    return ChatQwen(
        base_url=server.base_url, api_key="sk-loop", model=model, max_retries=0, **kw
    )


def _reply(method: str, name: str = "Joke") -> Any:
    if method == "function_calling":
        return text_completion(
            "",
            tool_calls=[{"name": name, "args": JOKE, "id": "call_j"}],
            chunk_size=6,
        )
    return text_completion(JOKE_TEXT, chunk_size=6)


def _expected(schema: Any) -> Any:
    return Joke(**JOKE) if schema is Joke else JOKE


METHODS = ["function_calling", "json_mode", "json_schema"]


@pytest.mark.parametrize("schema", [Joke, JokeDict])
@pytest.mark.parametrize("method", METHODS)
def test_invoke(server: DashScopeServer, method: str, schema: Any) -> None:
    server.enqueue(_reply(method, schema.__name__))
    runnable = _model(server).with_structured_output(schema, method=method)
    assert runnable.invoke("Tell me a joke about cats") == _expected(schema)


@pytest.mark.parametrize("schema", [Joke, JokeDict])
@pytest.mark.parametrize("method", METHODS)
def test_parsed_result_streams(
    server: DashScopeServer, method: str, schema: Any
) -> None:
    server.enqueue(_reply(method, schema.__name__))
    runnable = _model(server).with_structured_output(schema, method=method)
    outs = list(runnable.stream("Tell me a joke about cats"))
    assert len(outs) > 1, "the parsed result should arrive in several steps"
    assert outs[-1] == _expected(schema)
    if schema is Joke:
        assert all(isinstance(o, Joke) for o in outs)
    body = server.requests[0].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("method", METHODS)
async def test_parsed_result_astreams(server: DashScopeServer, method: str) -> None:
    server.enqueue(_reply(method, "JokeDict"))
    runnable = _model(server).with_structured_output(JokeDict, method=method)
    outs = [o async for o in runnable.astream("Tell me a joke about cats")]
    assert len(outs) > 1
    assert outs[-1] == JOKE


def test_default_method_sends_json_schema_as_given(server: DashScopeServer) -> None:
    server.enqueue(_reply("json_schema"))
    _model(server).with_structured_output(Joke).invoke("Tell me a joke")
    body = server.requests[0].body
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "Joke",
            "description": "A joke to tell.",
            "schema": {
                "properties": {
                    "setup": {"description": "The question", "type": "string"},
                    "punchline": {"description": "The answer", "type": "string"},
                },
                "required": ["setup", "punchline"],
                "type": "object",
            },
        },
    }
    assert "enable_thinking" not in body
    assert body["messages"] == [{"role": "user", "content": "Tell me a joke"}]


@pytest.mark.parametrize("strict", [True, False])
def test_json_schema_strict_reaches_dashscope(
    server: DashScopeServer, strict: bool
) -> None:
    server.enqueue(_reply("json_schema"))
    _model(server).with_structured_output(
        Joke, method="json_schema", strict=strict
    ).invoke("Tell me a joke")
    assert server.requests[0].body["response_format"]["json_schema"]["strict"] is strict


def test_json_mode_body_has_the_json_word_and_thinking_off(
    server: DashScopeServer,
) -> None:
    server.enqueue(_reply("json_mode"))
    model = _model(server, "qwen3.7-plus")
    before = model.model_dump()
    result = model.with_structured_output(Joke, method="json_mode").invoke(
        [HumanMessage("Tell me a joke about cats")]
    )
    assert result == Joke(**JOKE)
    body = server.requests[0].body
    assert body["response_format"] == {"type": "json_object"}
    assert body["enable_thinking"] is False
    assert body["messages"] == [
        {"role": "system", "content": JSON_HINT},
        {"role": "user", "content": "Tell me a joke about cats"},
    ]
    assert model.model_dump() == before


def test_function_calling_body(server: DashScopeServer) -> None:
    server.enqueue(_reply("function_calling"))
    _model(server, "qwen3.7-plus").with_structured_output(
        Joke, method="function_calling", strict=True
    ).invoke("Tell me a joke")
    body = server.requests[0].body
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Joke"}}
    assert body["tools"][0]["function"]["strict"] is True
    assert body["parallel_tool_calls"] is False
    assert body["enable_thinking"] is False


@pytest.mark.parametrize("method", METHODS)
def test_include_raw(server: DashScopeServer, method: str) -> None:
    server.enqueue(_reply(method))
    out = (
        _model(server)
        .with_structured_output(Joke, method=method, include_raw=True)
        .invoke("Tell me a joke")
    )
    assert out["parsed"] == Joke(**JOKE)
    assert out["parsing_error"] is None
    assert out["raw"].response_metadata["model_provider"] == "qwen"


def test_include_raw_keeps_a_parsing_error(server: DashScopeServer) -> None:
    server.enqueue(text_completion("not json at all"))
    out = (
        _model(server)
        .with_structured_output(Joke, method="json_schema", include_raw=True)
        .invoke("Tell me a joke")
    )
    assert out["parsed"] is None
    assert out["parsing_error"] is not None
    assert out["raw"].content == "not json at all"


def test_structured_stream_usage_arrives_once(server: DashScopeServer) -> None:
    server.enqueue(_reply("json_schema"))
    runnable = _model(server).bind(
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "Joke", "schema": {}},
        }
    )
    chunks = list(runnable.stream("Tell me a joke"))
    assert "".join(str(c.content) for c in chunks) == JOKE_TEXT
    assert len([c for c in chunks if c.usage_metadata]) == 1


# --- multimodal ---------------------------------------------------------------------


def test_image_blocks_reach_dashscope_as_image_url(server: DashScopeServer) -> None:
    server.enqueue(text_completion("A cat."))
    _model(server, "qwen3-vl-plus").invoke(
        [
            HumanMessage(
                [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image", "url": "https://example.com/cat.png"},
                    {
                        "type": "image",
                        "base64": "iVBORw0KGgo=",
                        "mime_type": "image/png",
                    },
                    {
                        "type": "video",
                        "video": [f"https://example.com/{i}.jpg" for i in range(4)],
                    },
                ]
            )
        ]
    )
    assert server.requests[0].body["messages"][0]["content"] == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="},
        },
        {"type": "video", "video": [f"https://example.com/{i}.jpg" for i in range(4)]},
    ]


def test_audio_reaches_dashscope_as_a_data_url(server: DashScopeServer) -> None:
    server.enqueue(text_completion("Hello.", stream=True))
    chunks = list(
        _model(server, "qwen3-omni-flash").stream(
            [
                HumanMessage(
                    [
                        {"type": "text", "text": "Transcribe."},
                        {
                            "type": "audio",
                            "base64": "UklGRg==",
                            "mime_type": "audio/wav",
                        },
                    ]
                )
            ]
        )
    )
    assert "".join(str(c.content) for c in chunks) == "Hello."
    assert server.requests[0].body["messages"][0]["content"][1] == {
        "type": "input_audio",
        "input_audio": {"data": "data:audio/wav;base64,UklGRg==", "format": "wav"},
    }


def test_image_for_a_text_model_is_rejected_before_sending(
    server: DashScopeServer,
) -> None:
    with pytest.raises(ValueError, match="'qwen-plus' does not accept image"):
        _model(server).invoke(
            [HumanMessage([{"type": "image", "url": "https://example.com/cat.png"}])]
        )
    assert server.requests == []
