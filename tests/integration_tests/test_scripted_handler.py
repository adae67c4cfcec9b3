"""`scripted_handler`: the loopback server as a deterministic model.

Driven through ChatQwen (and the raw SDK where ChatQwen would stop a request
first); the assertions are what a user's code sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer, scripted_handler


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def lookup_city(name: str, country: str = "CN") -> str:
    """Look a city up."""
    return name


class Person(BaseModel):
    """A person."""

    name: str
    age: int = Field(ge=0, le=150)
    email: str | None = None


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer(handler=scripted_handler) as srv:
        yield srv


def _model(server: DashScopeServer, **kwargs: Any) -> ChatQwen:
    return ChatQwen(
        base_url=server.base_url, api_key="sk-test", max_retries=0, **kwargs
    )


def _raw(server: DashScopeServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)


def _streamed(chunks: Iterator[Any]) -> AIMessageChunk:
    full = None
    for chunk in chunks:
        full = chunk if full is None else full + chunk
    assert isinstance(full, AIMessageChunk)
    return full


def test_named_tool_choice_gets_schema_arguments(server: DashScopeServer) -> None:
    model = _model(server).bind_tools([add, lookup_city], tool_choice="lookup_city")
    message = model.invoke("Where is Hangzhou?")
    assert message.content == ""
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("lookup_city", {"name": "Where is Hangzhou?", "country": "Where is Hangzhou?"})
    ]
    assert message.tool_calls[0]["id"].startswith("call_")
    assert message.response_metadata["finish_reason"] == "tool_calls"
    assert server.requests[-1].body["tool_choice"] == {
        "type": "function",
        "function": {"name": "lookup_city"},
    }


def test_streamed_tool_call_takes_numbers_from_the_prompt(
    server: DashScopeServer,
) -> None:
    model = _model(server).bind_tools([add], tool_choice="add")
    full = _streamed(model.stream("What is 3 + 4?"))
    assert [(c["name"], c["args"]) for c in full.tool_calls] == [
        ("add", {"a": 3, "b": 4})
    ]
    assert full.usage_metadata is not None
    assert full.usage_metadata["output_tokens"] > 0


def test_required_calls_the_first_tool(server: DashScopeServer) -> None:
    # qwen3.7-plus takes DashScope's "required"; ChatQwen sends it as asked.
    model = _model(server, model="qwen3.7-plus")
    message = model.bind_tools([lookup_city, add], tool_choice="any").invoke("hi")
    assert server.requests[-1].body["tool_choice"] == "required"
    assert [c["name"] for c in message.tool_calls] == ["lookup_city"]


def test_unforced_tools_are_not_called(server: DashScopeServer) -> None:
    message = _model(server).bind_tools([add]).invoke("What is 3 + 4?")
    assert message.tool_calls == []
    assert message.content == "What is 3 + 4?"


def test_tool_results_get_a_text_answer(server: DashScopeServer) -> None:
    history = [
        HumanMessage("What is 3 + 4?"),
        AIMessage(
            "", tool_calls=[{"name": "add", "args": {"a": 3, "b": 4}, "id": "c1"}]
        ),
        ToolMessage("7", tool_call_id="c1"),
    ]
    message = _model(server).bind_tools([add]).invoke(history)
    assert message.content == "Tool results: 7"
    assert message.tool_calls == []
    # As on DashScope, a forced tool_choice keeps forcing the call.
    forced = _model(server).bind_tools([add], tool_choice="add").invoke(history)
    assert [c["name"] for c in forced.tool_calls] == ["add"]


def test_json_schema_output_matches_the_schema(server: DashScopeServer) -> None:
    structured = _model(server).with_structured_output(Person, method="json_schema")
    person = structured.invoke("Ada Lovelace, 36")
    assert person == Person(name="Ada Lovelace, 36", age=36, email="Ada Lovelace, 36")
    streamed = list(structured.stream("Ada, 36"))
    assert streamed[-1] == Person(name="Ada, 36", age=36, email="Ada, 36")
    assert server.requests[-1].body["response_format"]["type"] == "json_schema"
    # The script's JSON is long only because it echoes: limits leave it whole.
    limited = _model(server, max_tokens=5, stop=["Ada"])
    short = limited.with_structured_output(Person, method="json_schema")
    assert short.invoke("Ada, 36") == Person(name="Ada, 36", age=36, email="Ada, 36")


def test_json_object_needs_the_word_json(server: DashScopeServer) -> None:
    raw = _raw(server)
    fmt: Any = {"type": "json_object"}
    with pytest.raises(openai.BadRequestError) as err:
        raw.chat.completions.create(
            model="qwen-plus",
            messages=[{"role": "user", "content": "Describe a cat"}],
            response_format=fmt,
        )
    assert err.value.status_code == 400
    assert "must contain the word 'json'" in str(err.value)
    reply = raw.chat.completions.create(
        model="qwen-plus",
        messages=[{"role": "user", "content": "Describe a cat as JSON"}],
        response_format=fmt,
    )
    assert json.loads(reply.choices[0].message.content or "") == {
        "answer": "Describe a cat as JSON"
    }
    # ChatQwen adds the word itself, so the same prompt goes through.
    message = _model(server).bind(response_format=fmt).invoke("Describe a cat")
    assert json.loads(message.text) == {"answer": "Describe a cat"}


def test_json_output_with_thinking_is_rejected(server: DashScopeServer) -> None:
    fmt: Any = {
        "type": "json_schema",
        "json_schema": {"name": "Person", "schema": Person.model_json_schema()},
    }
    with pytest.raises(openai.BadRequestError, match="enable_thinking is true"):
        _raw(server).chat.completions.create(
            model="qwen-plus",
            messages=[{"role": "user", "content": "Ada, 36"}],
            response_format=fmt,
            extra_body={"enable_thinking": True},
        )
    # ChatQwen turns thinking off for the structured runnable only.
    model = _model(server, enable_thinking=True)
    person = model.with_structured_output(Person, method="json_schema").invoke(
        "Ada, 36"
    )
    assert isinstance(person, Person)
    assert server.requests[-1].body["enable_thinking"] is False
    assert model.enable_thinking is True


@pytest.mark.parametrize("stream", [False, True])
def test_thinking_adds_reasoning(server: DashScopeServer, stream: bool) -> None:
    model = _model(server, enable_thinking=True)
    message = (
        _streamed(model.stream("What is 17 * 23?"))
        if stream
        else model.invoke("What is 17 * 23?")
    )
    reasoning = message.additional_kwargs["reasoning_content"]
    assert reasoning == "The request asks me to answer: What is 17 * 23?"
    assert message.text == "What is 17 * 23?"
    assert message.content_blocks[0]["type"] == "reasoning"
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_token_details"]["reasoning"] > 0


def test_stop_and_max_tokens_cut_the_answer(server: DashScopeServer) -> None:
    model = _model(server)
    stopped = model.invoke("Thank you very much", stop=["you"])
    assert stopped.content == "Thank "
    assert stopped.response_metadata["finish_reason"] == "stop"
    cut = model.invoke("one two three four five six", max_tokens=2)
    assert cut.content == "one two "
    assert cut.response_metadata["finish_reason"] == "length"
    streamed = _streamed(model.stream("Thank you", stop=["you"]))
    assert streamed.content == "Thank "


def test_unknown_forced_tool_is_a_400(server: DashScopeServer) -> None:
    with _raw(server) as client, pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(
            model="qwen-plus",
            messages=[{"role": "user", "content": "hi"}],
            tools=[{"type": "function", "function": {"name": "a", "parameters": {}}}],
            tool_choice={"type": "function", "function": {"name": "b"}},
        )
    assert "'b', which is not in tools ['a']" in str(err.value)


def test_answers_in_the_requested_model(server: DashScopeServer) -> None:
    message = _model(server, model="qwen-plus").invoke("hi", model="qwen-max")
    assert message.response_metadata["model_name"] == "qwen-max"


def test_server_can_skip_recording() -> None:
    with DashScopeServer(handler=scripted_handler, record=False) as quiet:
        assert _model(quiet).invoke("hi").content == "hi"
        assert quiet.requests == []
