"""ChatQwen on DashScope's Responses API, over real HTTP against the loopback server.

Every mode (invoke, ainvoke, stream, astream) reads the same replies; requests
are checked as the server received them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from pydantic import BaseModel

from langchain_qwen import ChatQwen, QwenError, StreamInterruptedError
from langchain_qwen.testing import (
    DashScopeServer,
    Reply,
    ResponseTurn,
    code_interpreter_call_item,
    error_reply,
    file_search_call_item,
    function_call_item,
    image_search_call_item,
    mcp_call_item,
    message_item,
    reasoning_item,
    responses_of,
    web_extractor_call_item,
    web_search_call_item,
    web_search_image_call_item,
)
from langchain_qwen.testing.responses import response_body, stream_events
from tests.integration_tests._standard import ONE_EVENT_LOOP

pytestmark = ONE_EVENT_LOOP
RESPONSES = "/compatible-mode/v1/responses"
CHAT = "/compatible-mode/v1/chat/completions"
MODES = ["invoke", "ainvoke", "stream", "astream"]


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as s:
        yield s


def _model(server: DashScopeServer, **kwargs: Any) -> ChatQwen:
    kwargs.setdefault("model", "qwen3.7-plus")
    kwargs.setdefault("use_responses_api", True)
    return ChatQwen(base_url=server.base_url, api_key="sk-test", **kwargs)


async def _call(model: Any, mode: str, prompt: Any, **kwargs: Any) -> AIMessage:
    """One call in the given mode; streams are aggregated into one message."""
    if mode == "invoke":
        return model.invoke(prompt, **kwargs)
    if mode == "ainvoke":
        return await model.ainvoke(prompt, **kwargs)
    total: AIMessageChunk | None = None
    if mode == "stream":
        for chunk in model.stream(prompt, **kwargs):
            total = chunk if total is None else total + chunk
    else:
        async for chunk in model.astream(prompt, **kwargs):
            total = chunk if total is None else total + chunk
    assert total is not None
    return total


def _strip_index(blocks: list[Any]) -> list[Any]:
    out = []
    for raw in blocks:
        block = {k: v for k, v in raw.items() if k != "index"}
        if block.get("type") == "reasoning":
            block["summary"] = [
                {k: v for k, v in s.items() if k != "index"} for s in block["summary"]
            ]
        out.append(block)
    return out


# --------------------------------------------------------------------------
# Routing: which calls go to /responses
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("init", "call", "bind"),
    [
        ({"use_responses_api": True}, {}, {}),
        ({"output_version": "responses/v1"}, {}, {}),
        ({"use_previous_response_id": True}, {}, {}),
        ({"reasoning": {"effort": "low"}}, {}, {}),
        ({"include": ["reasoning.encrypted_content"]}, {}, {}),
        ({}, {"reasoning": {"effort": "low"}}, {}),
        ({}, {"include": ["reasoning.encrypted_content"]}, {}),
        ({}, {}, {"reasoning": {"effort": "low"}}),
    ],
)
def test_the_forms_langchain_openai_accepts_go_to_responses(
    server: DashScopeServer, init: dict, call: dict, bind: dict
) -> None:
    model: Any = _model(server, **{"use_responses_api": None, **init})
    if bind:
        model = model.bind(**bind)
    assert model.invoke("hi", **call).text == "hi"
    assert [r.path for r in server.requests] == [RESPONSES]


def test_binding_a_builtin_tool_switches_to_responses(server: DashScopeServer) -> None:
    model = _model(server, use_responses_api=None)
    searching = model.bind_tools([{"type": "web_search"}])
    searching.invoke("news?")
    assert server.requests[-1].path == RESPONSES
    # Passed as given.
    assert server.requests[-1].body["tools"] == [{"type": "web_search"}]
    model.invoke("plain")
    assert server.requests[-1].path == CHAT


def test_previous_response_id_per_call_goes_to_responses(
    server: DashScopeServer,
) -> None:
    model = _model(server, use_responses_api=None)
    first = _model(server).invoke("one")
    model.invoke("two", previous_response_id=first.id)
    assert server.requests[-1].path == RESPONSES
    assert server.requests[-1].body["previous_response_id"] == first.id


def test_use_responses_api_false_stays_on_chat(server: DashScopeServer) -> None:
    model = _model(server, use_responses_api=False)
    model.invoke("hi")
    assert server.requests[-1].path == CHAT
    # A built-in tool cannot go there: raised, never dropped or re-routed.
    with pytest.raises(ValueError, match="Responses API only"):
        model.bind_tools([{"type": "web_search"}]).invoke("news?")
    assert len(server.requests) == 1


# --------------------------------------------------------------------------
# Replies: every output item, usage, x_tools
# --------------------------------------------------------------------------

ITEMS = {
    "web_search_call": lambda: web_search_call_item("Qwen4", ["https://e.com/q"]),
    "web_extractor_call": lambda: web_extractor_call_item(
        "release date", ["https://e.com/q"], "2026-11-16"
    ),
    "code_interpreter_call": lambda: code_interpreter_call_item("print(6*7)", "42\n"),
    "web_search_image_call": lambda: web_search_image_call_item(
        "a red panda", [{"title": "panda", "url": "https://e.com/p.png"}]
    ),
    "image_search_call": lambda: image_search_call_item(
        0, [0, 0, 64, 64], [{"url": "https://e.com/s.png"}]
    ),
    "file_search_call": lambda: file_search_call_item(
        ["refunds"],
        [{"file_id": "file_1", "filename": "p.md", "score": 0.93, "text": "30 days"}],
    ),
    "mcp_call": lambda: mcp_call_item("amap", "weather", {"city": "Hangzhou"}, "22C"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", sorted(ITEMS))
async def test_each_builtin_tool_item_is_kept_in_content(
    server: DashScopeServer, mode: str, kind: str
) -> None:
    item = ITEMS[kind]()
    responses_of(server).queue(
        ResponseTurn([reasoning_item("Use the tool."), item, message_item("Done.")])
    )
    message = await _call(_model(server), mode, "go")
    blocks = _strip_index(message.content)  # type: ignore[arg-type]
    assert [b["type"] for b in blocks] == ["reasoning", kind, "text"]
    assert blocks[1] == item
    assert message.text == "Done."
    assert message.response_metadata["x_tools"] == {
        kind.removesuffix("_call"): {"count": 1}
    }
    assert message.response_metadata["model_provider"] == "qwen"
    assert message.response_metadata["finish_reason"] == "stop"
    # Standard blocks: a server tool call and its result.
    standard = [b["type"] for b in message.content_blocks]
    assert standard == [
        "reasoning",
        "server_tool_call",
        "server_tool_result",
        "text",
    ]


@pytest.mark.parametrize("mode", MODES)
async def test_text_reasoning_summary_function_call_and_usage(
    server: DashScopeServer, mode: str
) -> None:
    responses_of(server).queue(
        ResponseTurn(
            [
                reasoning_item("The user wants the weather."),
                function_call_item(
                    "get_weather", {"city": "Hangzhou"}, call_id="call_1"
                ),
            ],
            input_tokens=2048,
            cached_tokens=1024,
            reasoning_tokens=7,
        )
    )
    message = await _call(_model(server), mode, "Weather in Hangzhou?")
    assert message.tool_calls == [
        {
            "name": "get_weather",
            "args": {"city": "Hangzhou"},
            "id": "call_1",
            "type": "tool_call",
        }
    ]
    reasoning = [b for b in message.content_blocks if b["type"] == "reasoning"]
    assert reasoning[0]["reasoning"] == "The user wants the weather."
    usage = message.usage_metadata
    assert usage is not None
    assert usage["input_tokens"] == 2048
    assert usage["input_token_details"] == {"cache_read": 1024}
    assert usage["output_token_details"] == {"reasoning": 7}
    assert message.response_metadata["finish_reason"] == "tool_calls"
    assert "x_tools" not in message.response_metadata


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("id_style", ["uuid", "resp"])
async def test_response_id_is_the_message_id(
    server: DashScopeServer, mode: str, id_style: str
) -> None:
    responses_of(server).id_style = id_style  # type: ignore[assignment]
    message = await _call(_model(server), mode, "hi")
    created = list(responses_of(server).created)
    assert message.response_metadata["id"] == created[-1]
    assert message.id == created[-1]


def test_stream_cut_before_completed_raises(server: DashScopeServer) -> None:
    turn = ResponseTurn([message_item("partial answer here")])
    events = stream_events(turn, response_body(turn, {"model": "m"}, "r1"))
    cut = Reply(
        events=[json.dumps(d) for _, d in events[:-1]],
        event_names=[n for n, _ in events[:-1]],
        done=False,
    )
    responses_of(server).queue(cut)
    with pytest.raises(StreamInterruptedError):
        list(_model(server).stream("hi"))


def test_throttling_is_retried_and_quota_is_not(server: DashScopeServer) -> None:
    store = responses_of(server)
    store.queue(
        error_reply(
            429, "Throttling", "Too many requests", headers={"retry-after": "0"}
        )
    )
    model = _model(server, max_retries=1)
    assert model.invoke("again").text == "again"
    assert len(server.requests) == 2
    store.queue(error_reply(429, "insufficient_quota", "quota"))
    with pytest.raises(openai.RateLimitError):
        model.invoke("x")
    assert len(server.requests) == 3


def test_errors_are_translated(server: DashScopeServer) -> None:
    with pytest.raises(QwenError) as info:
        _model(server).invoke("x", previous_response_id="resp_unknown")
    assert "not found" in str(info.value)
    assert "sk-test" not in str(info.value)


# --------------------------------------------------------------------------
# The request DashScope receives
# --------------------------------------------------------------------------


def test_request_body_and_headers(server: DashScopeServer) -> None:
    model = _model(
        server,
        model="qwen3.7-plus",
        enable_thinking=True,
        max_tokens=300,
        session_cache=True,
    )
    model.invoke([("system", "Be brief."), ("human", "hi")])
    request = server.requests[-1]
    body = request.body
    assert body["enable_thinking"] is True
    assert body["max_output_tokens"] == 300
    assert "max_tokens" not in body
    assert body["input"][0] == {
        "content": "Be brief.",
        "role": "system",
        "type": "message",
    }
    assert request.headers["x-dashscope-session-cache"] == "enable"
    assert request.headers["authorization"] == "Bearer sk-test"
    # Per call too, and off when not asked.
    _model(server).invoke("hi", session_cache=True)
    assert server.requests[-1].headers["x-dashscope-session-cache"] == "enable"
    _model(server).invoke("hi")
    assert "x-dashscope-session-cache" not in server.requests[-1].headers


def test_tools_are_sent_as_given(server: DashScopeServer) -> None:
    tools = [
        {"type": "web_search"},
        {"type": "web_extractor"},
        {"type": "code_interpreter"},
        {"type": "web_search_image"},
        {"type": "image_search"},
        {
            "type": "mcp",
            "server_protocol": "sse",
            "server_label": "amap",
            "server_url": "https://mcp.example.com/sse",
        },
        {"type": "file_search", "vector_store_ids": ["kb_1"]},
    ]
    _model(server, model="qwen3.7-plus").bind_tools(tools).invoke("go")
    assert server.requests[-1].body["tools"] == tools


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stop": ["\n"]}, "Chat Completions field"),
        ({"enable_search": True}, "web_search"),
        ({"enable_code_interpreter": True}, "code_interpreter"),
        ({"thinking_budget": 100}, "thinking_budget"),
        ({"background": True}, "background"),
        ({"conversation": "conv_1", "previous_response_id": "resp_1"}, "not both"),
        ({"reasoning": {"summary": "auto"}}, "qwen4-max"),
        ({"tools": [{"type": "web_extractor"}]}, "web_search"),
        (
            {"tools": [{"type": "file_search", "vector_store_ids": ["a", "b"]}]},
            "exactly 1",
        ),
        ({"tools": [{"type": "mcp", "server_label": "x"}]}, "server_protocol"),
        (
            {
                "tools": [{"type": "web_search"}, {"type": "code_interpreter"}],
                "tool_choice": "required",
            },
            "exactly one tool",
        ),
    ],
)
def test_documented_refusals_before_any_request(
    server: DashScopeServer, kwargs: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _model(server).invoke("hi", **kwargs)
    assert server.requests == []


def test_file_search_is_checked_against_its_models(server: DashScopeServer) -> None:
    kb = {"type": "file_search", "vector_store_ids": ["kb_1"]}
    with pytest.raises(ValueError, match=r"qwen3\.7-plus"):
        _model(server, model="qwen-plus").bind_tools([kb]).invoke("x")
    assert server.requests == []
    # Listed (an open model by pattern), and unknown names, go through.
    _model(server, model="qwen3.6-35b-a3b").bind_tools([kb]).invoke("x")
    _model(server, model="qwen-plus", validate_model=False).bind_tools([kb]).invoke("x")
    assert len(server.requests) == 2


def test_web_extractor_needs_thinking_on_qwen3_max(server: DashScopeServer) -> None:
    tools = [{"type": "web_search"}, {"type": "web_extractor"}]
    with pytest.raises(ValueError, match="enable_thinking=True"):
        _model(server, model="qwen3-max").bind_tools(tools).invoke("x")
    _model(server, model="qwen3-max", enable_thinking=True).bind_tools(tools).invoke(
        "x"
    )
    assert server.requests[-1].body["enable_thinking"] is True


@pytest.mark.parametrize(
    "part",
    [
        {"type": "video", "url": "https://e.com/v.mp4"},
        {"type": "audio", "url": "https://e.com/a.wav"},
        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
    ],
)
def test_no_video_or_audio_input(server: DashScopeServer, part: dict) -> None:
    message = HumanMessage([{"type": "text", "text": "what is this?"}, part])
    with pytest.raises(ValueError, match="no video or audio input"):
        _model(server).invoke([message])
    assert server.requests == []


def test_session_cache_on_chat_path_raises(server: DashScopeServer) -> None:
    with pytest.raises(ValueError, match="use_responses_api=True"):
        _model(server, use_responses_api=False, session_cache=True).invoke("x")
    assert server.requests == []


# --------------------------------------------------------------------------
# Conversations
# --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("id_style", ["uuid", "resp"])
async def test_use_previous_response_id_with_both_id_forms(
    server: DashScopeServer, mode: str, id_style: str
) -> None:
    responses_of(server).id_style = id_style  # type: ignore[assignment]
    model = _model(server, use_previous_response_id=True)
    first = await _call(model, mode, "My name is Ada.")
    history = [HumanMessage("My name is Ada."), first, HumanMessage("And my name?")]
    await _call(model, mode, history)
    body = server.requests[-1].body
    assert body["previous_response_id"] == first.response_metadata["id"]
    # Only the messages after the last answer are sent.
    assert body["input"] == [
        {"content": "And my name?", "role": "user", "type": "message"}
    ]


async def test_store_and_retrieve_by_id(server: DashScopeServer) -> None:
    responses_of(server).queue(
        ResponseTurn([web_search_call_item("q"), message_item("Stored answer.")])
    )
    model = _model(server, store=True)
    answer = model.invoke("keep this")
    assert server.requests[-1].body["store"] is True
    again = model.retrieve_response(answer.id)  # type: ignore[arg-type]
    assert again.text == "Stored answer."
    assert again.content == answer.content
    assert server.requests[-1].method == "GET"
    assert server.requests[-1].path == f"{RESPONSES}/{answer.id}"
    again_async = await model.aretrieve_response(answer.id)  # type: ignore[arg-type]
    assert again_async.text == "Stored answer."


def test_retrieving_an_unstored_response_fails(server: DashScopeServer) -> None:
    model = _model(server)
    answer = model.invoke("not stored")
    with pytest.raises(openai.NotFoundError):
        model.retrieve_response(answer.id)  # type: ignore[arg-type]


def test_conversation_is_passed(server: DashScopeServer) -> None:
    _model(server).invoke("hi", conversation="conv_123")
    assert server.requests[-1].body["conversation"] == "conv_123"


@pytest.mark.parametrize("mode", MODES)
async def test_encrypted_reasoning_goes_back_unchanged(
    server: DashScopeServer, mode: str
) -> None:
    responses_of(server).queue(
        ResponseTurn(
            [
                reasoning_item("Summary only.", encrypted_content="gAAAA-cipher=="),
                web_search_call_item("q"),
                message_item("First answer."),
            ]
        )
    )
    model = _model(server, model="qwen4-max", reasoning={"summary": "auto"})
    first = await _call(model, mode, "Question one")
    assert server.requests[-1].body["reasoning"] == {"summary": "auto"}
    reasoning = [b for b in first.content if b["type"] == "reasoning"]  # type: ignore[index,union-attr]
    assert reasoning[0]["encrypted_content"] == "gAAAA-cipher=="
    history = [HumanMessage("Question one"), first, HumanMessage("Question two")]
    await _call(model, mode, history)
    sent = server.requests[-1].body["input"]
    kinds = [item.get("type") for item in sent]
    # The ciphertext goes back unchanged; the earlier web search does not.
    assert kinds == ["message", "reasoning", "message", "message"]
    assert sent[1]["encrypted_content"] == "gAAAA-cipher=="
    # Without the summary switch on, the next request is refused.
    with pytest.raises(ValueError, match="every request"):
        _model(server, model="qwen4-max").invoke(history)


def test_plain_reasoning_is_not_sent_back(server: DashScopeServer) -> None:
    responses_of(server).queue(
        ResponseTurn([reasoning_item("thinking"), message_item("A.")])
    )
    model = _model(server)
    first = model.invoke("Q1")
    model.invoke([HumanMessage("Q1"), first, HumanMessage("Q2")])
    kinds = [item.get("type") for item in server.requests[-1].body["input"]]
    assert kinds == ["message", "message", "message"]


# --------------------------------------------------------------------------
# Tools and structured output on this path
# --------------------------------------------------------------------------


class Weather(BaseModel):
    """Weather in a city."""

    city: str
    celsius: int


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_function_tool_loop(server: DashScopeServer, mode: str) -> None:
    responses_of(server).queue(
        ResponseTurn(
            [function_call_item("Weather", {"city": "Hangzhou", "celsius": 22})]
        ),
        ResponseTurn([message_item("It is 22C.")]),
    )
    model = _model(server).bind_tools([Weather])
    first = await _call(model, mode, "weather?")
    call = first.tool_calls[0]
    history = [
        HumanMessage("weather?"),
        first,
        ToolMessage("22C", tool_call_id=call["id"]),
    ]
    final = await _call(model, mode, history)
    assert final.text == "It is 22C."
    sent = server.requests[-1].body["input"]
    assert [i.get("type") for i in sent] == [
        "message",
        "function_call",
        "function_call_output",
    ]
    assert sent[2] == {
        "type": "function_call_output",
        "output": "22C",
        "call_id": call["id"],
    }


@pytest.mark.parametrize("method", [None, "function_calling", "json_mode"])
@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_structured_output(
    server: DashScopeServer, method: str | None, mode: str
) -> None:
    answer = {"city": "Hangzhou", "celsius": 22}
    if method == "json_mode":
        turn = ResponseTurn([message_item(json.dumps(answer))])
    else:
        turn = ResponseTurn([function_call_item("Weather", answer)])
    responses_of(server).queue(turn)
    model = _model(server, model="qwen3.7-plus")
    structured = model.with_structured_output(Weather, method=method)  # type: ignore[arg-type]
    prompt = "Weather in Hangzhou, as JSON"
    result = (
        structured.invoke(prompt)
        if mode == "invoke"
        else list(structured.stream(prompt))[-1]
    )
    assert result == Weather(city="Hangzhou", celsius=22)
    body = server.requests[-1].body
    assert server.requests[-1].path == RESPONSES
    # Thinking off for the structured runnable, as on Chat Completions.
    assert body["enable_thinking"] is False
    if method == "json_mode":
        assert body["text"]["format"] == {"type": "json_object"}
    else:  # the default on this path: documented function tools
        assert body["tools"][0]["name"] == "Weather"


def test_json_schema_is_refused_where_reported_ignored(server: DashScopeServer) -> None:
    model = _model(server, model="qwen-plus")
    with pytest.raises(ValueError, match="function_calling"):
        model.with_structured_output(Weather, method="json_schema").invoke("x")
    assert server.requests == []
    responses_of(server).queue(
        ResponseTurn([message_item('{"city": "Hangzhou", "celsius": 22}')])
    )
    anyway = _model(server, model="qwen-plus", validate_model=False)
    result = anyway.with_structured_output(Weather, method="json_schema").invoke("x")
    assert result == Weather(city="Hangzhou", celsius=22)
    assert server.requests[-1].body["text"]["format"]["type"] == "json_schema"


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_stream_without_event_lines_reads_the_same(
    server: DashScopeServer, mode: str
) -> None:
    # Whether DashScope names its events is not documented: data alone works.
    turn = ResponseTurn([reasoning_item("Hmm."), message_item("Plain data lines.")])
    events = stream_events(turn, response_body(turn, {"model": "m"}, "r-plain"))
    responses_of(server).queue(
        Reply(events=[json.dumps(d) for _, d in events], done=False)
    )
    message = await _call(_model(server), mode, "hi")
    assert message.text == "Plain data lines."
    assert message.response_metadata["finish_reason"] == "stop"


@pytest.mark.parametrize("mode", MODES)
async def test_include_response_headers(server: DashScopeServer, mode: str) -> None:
    message = await _call(_model(server, include_response_headers=True), mode, "hi")
    assert "x-request-id" in message.response_metadata["headers"]
