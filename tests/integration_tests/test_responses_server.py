"""The loopback `/responses` route, read by the plain `openai` SDK over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import openai
import pytest

from langchain_qwen.testing import (
    DashScopeServer,
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


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as s:
        yield s


def _client(server: DashScopeServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)


ALL_ITEMS = [
    reasoning_item("Search first, then compute."),
    web_search_call_item("Qwen4 release", ["https://example.com/qwen4"]),
    web_extractor_call_item(
        "release date", ["https://example.com/qwen4"], "2026-11-16"
    ),
    code_interpreter_call_item("print(2 + 2)", "4\n"),
    web_search_image_call_item("a cat", [{"title": "cat", "url": "https://i/1.png"}]),
    image_search_call_item(0, [0, 0, 10, 10], [{"url": "https://i/2.png"}]),
    file_search_call_item(
        ["refund policy"],
        [{"file_id": "f1", "filename": "p.md", "score": 0.9, "text": "30 days"}],
    ),
    mcp_call_item("amap", "weather", {"city": "Hangzhou"}, "22C"),
    function_call_item("get_weather", {"city": "Hangzhou"}),
    message_item("It is 22C in Hangzhou."),
]


def test_json_reply_has_every_item_and_usage(server: DashScopeServer) -> None:
    responses_of(server).queue(ResponseTurn(list(ALL_ITEMS)))
    response = _client(server).responses.create(
        model="qwen3.7-plus", input="weather?", tools=[{"type": "web_search"}]
    )
    kinds = [item.type for item in response.output]
    assert kinds == [item["type"] for item in ALL_ITEMS]
    assert response.output_text == "It is 22C in Hangzhou."
    usage = response.usage.model_dump()
    assert usage["x_tools"] == {
        "web_search": {"count": 1},
        "web_extractor": {"count": 1},
        "code_interpreter": {"count": 1},
        "web_search_image": {"count": 1},
        "image_search": {"count": 1},
        "file_search": {"count": 1},
        "mcp": {"count": 1},
    }
    assert usage["output_tokens_details"]["reasoning_tokens"] > 0
    assert server.requests[-1].path == "/compatible-mode/v1/responses"
    # Ids as DashScope's examples show them: a bare UUID by default.
    assert len(response.id) == 36
    assert response.id.count("-") == 4


def test_stream_events_are_named_and_end_with_completed(
    server: DashScopeServer,
) -> None:
    responses_of(server).queue(ResponseTurn(list(ALL_ITEMS)))
    with httpx.Client() as http:
        raw = http.post(
            f"{server.base_url}/responses",
            json={"model": "qwen3.7-plus", "input": "hi", "stream": True},
        ).text
    assert "[DONE]" not in raw
    names = [
        line[len("event: ") :]
        for line in raw.splitlines()
        if line.startswith("event: ")
    ]
    datas = [
        json.loads(line[len("data: ") :])
        for line in raw.splitlines()
        if line.startswith("data: ")
    ]
    assert names == [d["type"] for d in datas]
    assert names[0] == "response.created"
    assert datas[0]["response"]["status"] == "queued"
    assert names[-1] == "response.completed"
    for expected in (
        "response.reasoning_summary_text.delta",
        "response.web_search_call.searching",
        "response.code_interpreter_call.interpreting",
        "response.file_search_call.completed",
        "response.mcp_call_arguments.delta",
        "response.mcp_call.completed",
        "response.function_call_arguments.done",
        "response.output_text.delta",
    ):
        assert expected in names
    assert [d["sequence_number"] for d in datas] == list(range(len(datas)))


def test_sdk_stream_reads_to_completed(server: DashScopeServer) -> None:
    responses_of(server).queue(ResponseTurn([message_item("Hello there friend")]))
    stream = _client(server).responses.create(
        model="qwen3.7-plus", input="hi", stream=True
    )
    events = list(stream)
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == "Hello there friend"
    assert events[-1].type == "response.completed"


def test_resp_style_ids_and_retrieval_of_stored(server: DashScopeServer) -> None:
    responses_of(server).id_style = "resp"
    client = _client(server)
    stored = client.responses.create(model="qwen-plus", input="keep me", store=True)
    assert stored.id.startswith("resp_")
    again = client.responses.retrieve(stored.id)
    assert again.output_text == "keep me"
    unstored = client.responses.create(model="qwen-plus", input="forget me")
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(unstored.id)


def test_previous_response_id_must_exist(server: DashScopeServer) -> None:
    client = _client(server)
    first = client.responses.create(model="qwen-plus", input="one")
    second = client.responses.create(
        model="qwen-plus", input="two", previous_response_id=first.id
    )
    assert second.previous_response_id == first.id
    with pytest.raises(openai.BadRequestError, match="not found"):
        client.responses.create(
            model="qwen-plus", input="x", previous_response_id="resp_nope"
        )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"background": True}, "background"),
        ({"extra_body": {"thinking_budget": 100}}, "thinking_budget"),
        ({"tool_choice": "required"}, "exactly one tool"),
        ({"conversation": "conv_1", "previous_response_id": "x"}, "together"),
    ],
)
def test_documented_refusals(
    server: DashScopeServer, extra: dict, message: str
) -> None:
    with pytest.raises(openai.BadRequestError, match=message):
        _client(server).responses.create(model="qwen-plus", input="hi", **extra)


def test_video_input_is_refused(server: DashScopeServer) -> None:
    with pytest.raises(openai.BadRequestError, match="input_video"):
        _client(server).responses.create(
            model="qwen-plus",
            input=[
                {"role": "user", "content": [{"type": "input_video", "video_url": "v"}]}
            ],
        )


def test_queued_error_and_when(server: DashScopeServer) -> None:
    store = responses_of(server)
    store.queue(ResponseTurn([message_item("for B")]), when="B?")
    store.queue(error_reply(429, "Throttling", "Requests throttled"))
    client = _client(server)
    with pytest.raises(openai.RateLimitError):
        client.responses.create(model="qwen-plus", input="A?")
    assert client.responses.create(model="qwen-plus", input="B?").output_text == "for B"
    assert store.pending == 0
    # Nothing queued: the last user text is echoed.
    assert (
        client.responses.create(model="qwen-plus", input="echo").output_text == "echo"
    )
