"""Structured output on DashScope: method, response format, thinking, the JSON word."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
)
from langchain_core.runnables import RunnableBinding, RunnableParallel, RunnableSequence
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_qwen import ChatQwen
from langchain_qwen._chat import structured
from langchain_qwen.catalogue import catalog

KEY = "sk-test"
# An active model that always thinks (qwq-plus was retired on 2026-10-10).
THINKER = "qwen3-next-80b-a3b-thinking"


class Joke(BaseModel):
    """A joke to tell."""

    setup: str = Field(description="The question")
    punchline: str = Field(description="The answer")


class JokeDict(TypedDict):
    """A joke to tell."""

    setup: str
    punchline: str


def _model(model: str = "qwen-plus", **kwargs: Any) -> ChatQwen:
    return ChatQwen(model=model, api_key=KEY, **kwargs)


def _binding(runnable: Any) -> RunnableBinding:
    """The model binding inside a structured-output runnable."""
    assert isinstance(runnable, RunnableSequence)
    first = runnable.first
    if isinstance(first, RunnableParallel):  # include_raw=True
        first = first.steps__["raw"]
    assert isinstance(first, RunnableBinding)
    return first


def _body(runnable: Any, *messages: Any) -> dict[str, Any]:
    binding = _binding(runnable)
    kwargs = {k: v for k, v in binding.kwargs.items() if not k.startswith("ls_")}
    return binding.bound._get_request_payload(
        list(messages) or [HumanMessage("Tell me a joke")], **kwargs
    )


def _method(runnable: Any) -> str:
    return _binding(runnable).kwargs["ls_structured_output_format"]["kwargs"]["method"]


# --- the default method --------------------------------------------------------


def test_default_is_json_schema_where_the_catalogue_has_it() -> None:
    assert catalog.lookup("qwen-plus").json_schema  # type: ignore[union-attr]
    runnable = _model("qwen-plus").with_structured_output(Joke)
    assert _method(runnable) == "json_schema"
    assert _body(runnable)["response_format"]["type"] == "json_schema"


def test_default_is_function_calling_elsewhere() -> None:
    assert not catalog.lookup("qwen-max").json_schema  # type: ignore[union-attr]
    runnable = _model("qwen-max").with_structured_output(Joke)
    assert _method(runnable) == "function_calling"
    body = _body(runnable)
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Joke"}}
    assert "response_format" not in body


def test_default_is_function_calling_for_an_unknown_model() -> None:
    model = ChatQwen(base_url="http://127.0.0.1:9/v1", model="my-qwen", api_key=KEY)
    assert _method(model.with_structured_output(Joke)) == "function_calling"


# --- json_schema: sent as given -------------------------------------------------


@pytest.mark.parametrize("schema", [Joke, JokeDict, Joke.model_json_schema()])
def test_json_schema_without_strict_sends_no_strict(schema: Any) -> None:
    body = _body(_model().with_structured_output(schema, method="json_schema"))
    json_schema = body["response_format"]["json_schema"]
    assert "strict" not in json_schema
    assert json_schema["name"] in ("Joke", "JokeDict")
    assert set(json_schema["schema"]["properties"]) == {"setup", "punchline"}


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("schema", [Joke, JokeDict])
def test_json_schema_strict_sent_as_given(schema: Any, strict: bool) -> None:
    runnable = _model().with_structured_output(
        schema, method="json_schema", strict=strict
    )
    assert _body(runnable)["response_format"]["json_schema"]["strict"] is strict
    assert _binding(runnable).kwargs["ls_structured_output_format"]["kwargs"] == {
        "method": "json_schema",
        "strict": strict,
    }


def test_json_schema_parses_to_the_pydantic_class() -> None:
    runnable = _model().with_structured_output(Joke, method="json_schema")
    parser = runnable.last
    reply = AIMessage('{"setup": "Why?", "punchline": "Because."}')
    assert parser.invoke(reply) == Joke(setup="Why?", punchline="Because.")


def test_json_schema_name_dashscope_rejects_is_an_error() -> None:
    schema = {"title": "my joke", "type": "object", "properties": {}}
    with pytest.raises(ValueError, match="letters, digits"):
        _model().with_structured_output(schema, method="json_schema")


def test_json_schema_on_a_model_without_it_is_an_error() -> None:
    with pytest.raises(ValueError, match="method='json_schema'") as e:
        _model("qwen-max").with_structured_output(Joke, method="json_schema")
    assert "function_calling" in str(e.value)
    assert "json_mode" in str(e.value)
    assert "validate_model=False" in str(e.value)


def test_json_schema_with_tools_uses_the_parent_path() -> None:
    def weather(city: str) -> str:
        """Get the weather."""
        return city

    runnable = _model().with_structured_output(
        Joke, method="json_schema", tools=[weather], strict=True, include_raw=True
    )
    kwargs = _binding(runnable).kwargs
    assert kwargs["response_format"] is Joke
    assert kwargs["tools"][0]["function"]["name"] == "weather"


# --- json_mode -----------------------------------------------------------------


def test_json_mode_adds_the_json_word_when_absent() -> None:
    runnable = _model().with_structured_output(Joke, method="json_mode")
    body = _body(runnable, HumanMessage("Tell me a joke"))
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"] == [
        {"role": "system", "content": structured.JSON_HINT},
        {"role": "user", "content": "Tell me a joke"},
    ]


def test_json_mode_appends_to_a_leading_system_message() -> None:
    runnable = _model().with_structured_output(Joke, method="json_mode")
    body = _body(runnable, SystemMessage("Be funny."), HumanMessage("A joke"))
    assert body["messages"][0] == {
        "role": "system",
        "content": f"Be funny.\n\n{structured.JSON_HINT}",
    }
    assert len(body["messages"]) == 2


@pytest.mark.parametrize(
    "messages",
    [
        [HumanMessage("Tell me a joke as json")],
        [SystemMessage("Answer in JSON."), HumanMessage("A joke")],
        [HumanMessage([{"type": "text", "text": "Return Json please"}])],
    ],
)
def test_json_mode_leaves_messages_that_mention_json(messages: list) -> None:
    runnable = _model().with_structured_output(Joke, method="json_mode")
    body = _body(runnable, *messages)
    assert len(body["messages"]) == len(messages)
    assert structured.JSON_HINT not in str(body["messages"])


def test_json_word_in_an_assistant_message_does_not_count() -> None:
    messages = [
        {"role": "assistant", "content": "json"},
        {"role": "user", "content": "x"},
    ]
    assert not structured.mentions_json(messages)
    assert structured.with_json_word(messages)[0] == {
        "role": "system",
        "content": structured.JSON_HINT,
    }


def test_json_word_added_to_list_content_system_message() -> None:
    system = {
        "role": "system",
        "content": [{"type": "text", "text": "Be brief.", "cache_control": {}}],
    }
    out = structured.with_json_word([system, {"role": "user", "content": "x"}])
    assert out[0]["content"][-1] == {"type": "text", "text": structured.JSON_HINT}
    assert len(system["content"]) == 1  # the input is not modified


def test_json_mode_strict_is_rejected_by_the_parent() -> None:
    with pytest.raises(ValueError, match="strict"):
        _model().with_structured_output(Joke, method="json_mode", strict=True)


def test_json_mode_on_a_model_without_it_is_an_error() -> None:
    with pytest.raises(ValueError, match="method='json_mode'"):
        _model("qwen-long", region="beijing").with_structured_output(
            Joke, method="json_mode"
        )


def test_json_word_not_added_for_an_unknown_model_off_dashscope() -> None:
    model = ChatQwen(base_url="http://127.0.0.1:9/v1", model="my-qwen", api_key=KEY)
    body = _body(model.with_structured_output(Joke, method="json_mode"))
    assert body["messages"] == [{"role": "user", "content": "Tell me a joke"}]


# --- thinking off for the structured runnable only -----------------------------


@pytest.mark.parametrize("method", ["function_calling", "json_mode", "json_schema"])
def test_thinking_turned_off_for_the_runnable_only(method: str) -> None:
    model = _model("qwen3.7-plus")  # thinks by default
    before = model.model_dump()
    runnable = model.with_structured_output(Joke, method=method, include_raw=True)
    assert _body(runnable)["extra_body"] == {"enable_thinking": False}
    assert model.model_dump() == before
    assert "extra_body" not in model._get_request_payload([HumanMessage("hi")])


@pytest.mark.parametrize("method", ["function_calling", "json_mode", "json_schema"])
def test_thinking_on_the_instance_is_off_for_the_runnable(method: str) -> None:
    model = _model("qwen-plus", enable_thinking=True)
    before = model.model_dump()
    runnable = model.with_structured_output(Joke, method=method)
    assert _body(runnable)["extra_body"] == {"enable_thinking": False}
    assert model.model_dump() == before
    assert model.enable_thinking is True


@pytest.mark.parametrize("method", ["function_calling", "json_mode", "json_schema"])
def test_nothing_added_when_thinking_is_off_by_default(method: str) -> None:
    runnable = _model("qwen-plus").with_structured_output(Joke, method=method)
    assert "enable_thinking" not in _binding(runnable).kwargs
    assert "extra_body" not in _body(runnable)


@pytest.mark.parametrize("method", ["json_mode", "json_schema"])
def test_json_output_with_thinking_asked_for_is_an_error(method: str) -> None:
    with pytest.raises(ValueError, match="enable_thinking=True cannot be combined"):
        _model("qwen3.7-plus").with_structured_output(
            Joke, method=method, enable_thinking=True
        )


@pytest.mark.parametrize("method", [None, "function_calling"])
def test_always_thinking_model_is_an_error(method: str | None) -> None:
    with pytest.raises(ValueError, match=f"'{THINKER}' always thinks") as e:
        _model(THINKER).with_structured_output(Joke, method=method)  # type: ignore[arg-type]
    assert "tool_choice='auto'" in str(e.value)


def test_always_thinking_model_with_auto_tool_choice() -> None:
    runnable = _model(THINKER).with_structured_output(Joke, tool_choice="auto")
    body = _body(runnable)
    assert body["tool_choice"] == "auto"
    assert "extra_body" not in body


def test_per_call_json_mode_on_a_thinking_model_is_an_error() -> None:
    with pytest.raises(ValueError, match="with_structured_output"):
        _model("qwen3.7-plus")._get_request_payload(
            [HumanMessage("json")], response_format={"type": "json_object"}
        )


def test_per_call_thinking_on_for_a_structured_runnable_is_an_error() -> None:
    binding = _binding(_model("qwen3.7-plus").with_structured_output(Joke))
    kwargs = {k: v for k, v in binding.kwargs.items() if not k.startswith("ls_")}
    with pytest.raises(ValueError, match="thinking"):
        binding.bound._get_request_payload(
            [HumanMessage("hi")], **{**kwargs, "enable_thinking": True}
        )


# --- include_raw and the parsers -----------------------------------------------


@pytest.mark.parametrize("method", ["function_calling", "json_mode", "json_schema"])
def test_include_raw_returns_raw_parsed_and_error(method: str) -> None:
    runnable = _model().with_structured_output(Joke, method=method, include_raw=True)
    good = '{"setup": "Why?", "punchline": "Because."}'
    if method == "function_calling":
        message = AIMessage(
            "",
            tool_calls=[
                {
                    "name": "Joke",
                    "args": {"setup": "Why?", "punchline": "Because."},
                    "id": "c1",
                }
            ],
        )
    else:
        message = AIMessage(good)
    parser = runnable.last
    out = parser.invoke({"raw": message})
    assert out["parsed"] == Joke(setup="Why?", punchline="Because.")
    assert out["parsing_error"] is None
    if method != "function_calling":
        bad = parser.invoke({"raw": AIMessage("not json")})
        assert bad["parsed"] is None
        assert bad["parsing_error"] is not None


@pytest.mark.parametrize(
    ("schema", "final"),
    [
        (JokeDict, {"setup": "Why?", "punchline": "Because."}),
        (Joke, Joke(setup="Why?", punchline="Because.")),
    ],
)
def test_json_schema_parser_streams_partial_results(schema: Any, final: Any) -> None:
    parser = _model().with_structured_output(schema, method="json_schema").last
    text = '{"setup": "Why?", "punchline": "Because."}'
    deltas = [AIMessageChunk(text[i : i + 6]) for i in range(0, len(text), 6)]
    outs = list(parser.transform(iter(deltas)))
    assert len(outs) > 1
    assert outs[-1] == final


# --- pure functions ------------------------------------------------------------


def test_default_method_function() -> None:
    assert structured.default_method(None) == "function_calling"
    assert structured.default_method(catalog.lookup("qwen3.7-plus")) == "json_schema"
    assert (
        structured.default_method(catalog.lookup("qwen3.5-plus")) == "function_calling"
    )


def test_json_schema_format_keeps_a_ready_response_format() -> None:
    ready = {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}
    assert structured.json_schema_format(ready, strict=None) == ready
    assert structured.json_schema_format(ready, strict=True)["json_schema"] == {
        "name": "x",
        "schema": {},
        "strict": True,
    }
    assert structured.json_schema_format({"name": "y", "schema": {}}, strict=None) == {
        "type": "json_schema",
        "json_schema": {"name": "y", "schema": {}},
    }


def test_response_format_type() -> None:
    assert structured.response_format_type(None) is None
    assert structured.response_format_type({"type": "json_object"}) == "json_object"
    assert structured.response_format_type(Joke) == "json_schema"
