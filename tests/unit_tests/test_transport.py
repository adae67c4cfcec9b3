"""_chat/transport.py, _dashscope/sse.py: the lean path's parser, timer, switch.

Requests go to an in-process `httpx` mock transport (no sockets). Whole-answer
equivalence with the SDK's typed path is in
`tests/integration_tests/test_transport_equivalence.py`.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest
from langchain_core.utils._signature import _signature_parameters
from langchain_openai.chat_models._client_utils import StreamChunkTimeoutError
from openai._streaming import SSEDecoder
from pydantic import BaseModel

from langchain_qwen import ChatQwen, StreamInterruptedError
from langchain_qwen._chat import deltas, transport
from langchain_qwen._dashscope.sse import SSEParser
from langchain_qwen.testing import completion_body, completion_chunks
from tests.conftest import httpx2

BASE = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"

# --------------------------------------------------------------------------
# The SSE parser follows the SDK's decoder
# --------------------------------------------------------------------------

BODY = (
    b": keep-alive\r\n"
    b'data: {"a": 1}\r\n\r\n'
    b"event: thread.run\n"
    b'data: {"b":\n'
    b"data: 2}\n\n"
    b"retry: 10\r\r"
    b"id: 7\n"
    b'data: {"c": "\xe4\xbd\xa0"}\n\n'
    b"data: [DONE]\n\n"
    b"data: trailing, never ended"
)


def sdk_events(pieces: list[bytes]) -> list[tuple[str | None, str]]:
    return [(e.event, e.data) for e in SSEDecoder().iter_bytes(iter(pieces))]


def lean_events(pieces: list[bytes]) -> list[tuple[str | None, str]]:
    parser = SSEParser()
    return [
        (event, data.decode()) for piece in pieces for event, data in parser.feed(piece)
    ]


def test_parser_matches_the_sdk_on_the_whole_body() -> None:
    expected = sdk_events([BODY])
    assert lean_events([BODY]) == expected
    assert expected[0] == (None, '{"a": 1}')
    assert expected[1] == ("thread.run", '{"b":\n2}')


@pytest.mark.parametrize("seed", range(20))
def test_parser_matches_the_sdk_however_the_body_is_split(seed: int) -> None:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(BODY)), rng.randint(1, 30)))
    pieces = [BODY[a:b] for a, b in zip([0, *cuts], [*cuts, len(BODY)], strict=True)]
    assert lean_events(pieces) == sdk_events([BODY])


def test_parser_byte_by_byte() -> None:
    pieces = [BODY[i : i + 1] for i in range(len(BODY))]
    assert lean_events(pieces) == sdk_events([BODY])


def test_one_event_per_read_matches_the_sdk() -> None:
    # The parser's fast path (a read that is exactly one data event), also
    # right after a read that left a partial line or an open event.
    pieces = [b'data: {"a": 1}\n\n', b"data: [1,", b"2]\n\n", b'data: {"b": 2}\n\n']
    pieces += [b"data: 3\n", b"data: 4\n\n", b"event: e\n", b"data: 5\n\n"]
    pieces += [b"data: x\r", b"data: 6\n\n", b"data:  7\n\n"]
    assert lean_events(pieces) == sdk_events(pieces)
    assert lean_events(pieces)[:2] == [(None, '{"a": 1}'), (None, "[1,2]")]


def test_a_crlf_split_between_reads_is_one_line_end() -> None:
    assert lean_events([b"data: 1\r", b"\ndata: 2\r\n\r\n"]) == [(None, "1\n2")]


# --------------------------------------------------------------------------
# When the lean path applies
# --------------------------------------------------------------------------


class Script:
    """Serve responses in order; keep the requests."""

    def __init__(self, *responses: httpx2.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if self.responses:
            return self.responses.pop(0)
        return httpx2.Response(200, json=completion_body("Hello"))


def model(script: Any, **kw: Any) -> ChatQwen:
    transport_ = httpx2.MockTransport(script)
    return ChatQwen(
        base_url=BASE,
        api_key="sk-test",
        http_client=httpx2.Client(transport=transport_),
        http_async_client=httpx2.AsyncClient(transport=transport_),
        **kw,
    )


def test_the_default_model_takes_the_lean_path() -> None:
    m = model(Script())
    assert transport.use_lean(m, {"model": "qwen-plus", "messages": []}, sync=True)
    assert transport.use_lean(m, {"model": "qwen-plus", "messages": []}, sync=False)


def test_the_parent_keeps_what_only_it_can_do() -> None:
    m = model(Script())
    payload = {"model": "qwen-plus", "messages": []}
    assert not transport.use_lean(m, {**payload, "response_format": {}}, sync=True)
    # A field `create` would refuse: the SDK raises, as it always did.
    assert not transport.use_lean(m, {**payload, "no_such_field": 1}, sync=True)
    m._typed_path = True
    assert not transport.use_lean(m, payload, sync=True)


def test_a_client_the_user_passed_stays_on_the_sdk_path() -> None:
    mine = openai.OpenAI(api_key="sk-mine", base_url=BASE)
    m = ChatQwen(
        base_url=BASE, api_key="sk-test", root_client=mine, client=mine.chat.completions
    )
    assert not transport.use_lean(m, {"model": "qwen-plus"}, sync=True)
    assert transport.use_lean(m, {"model": "qwen-plus"}, sync=False)  # ours


def test_unknown_fields_raise_as_the_sdk_does() -> None:
    with pytest.raises(TypeError, match="no_such_field"):
        model(Script()).invoke("hi", no_such_field=1)


# --------------------------------------------------------------------------
# Requests: the body, options and headers `create` would send
# --------------------------------------------------------------------------


def _sent(typed: bool, **call: Any) -> httpx2.Request:
    script = Script()
    m = model(script, default_headers={"x-team": "a"})
    m._typed_path = typed
    m.invoke("hi", **call)
    (request,) = script.requests
    return request


def test_requests_match_the_sdk_path() -> None:
    call = {
        "extra_headers": {"x-trace": "t1"},
        "extra_query": {"q": "1"},
        "extra_body": {"enable_search": True},
        "timeout": 12.5,
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
    }
    lean, typed = _sent(False, **call), _sent(True, **call)
    assert json.loads(lean.content) == json.loads(typed.content)
    assert lean.url == typed.url
    assert lean.url.params["q"] == "1"
    volatile = {"x-stainless-raw-response", "content-length"}
    assert {k: v for k, v in lean.headers.items() if k not in volatile} == {
        k: v for k, v in typed.headers.items() if k not in volatile
    }
    assert lean.headers["authorization"] == "Bearer sk-test"
    assert lean.headers["x-trace"] == "t1"
    assert lean.headers["x-team"] == "a"
    assert lean.headers["x-stainless-read-timeout"] == "12.5"
    assert json.loads(lean.content)["enable_search"] is True


def test_a_changed_base_url_is_honoured_after_the_url_is_remembered() -> None:
    script = Script()
    m = model(script)
    m.invoke("hi")
    m.invoke("hi")
    for client in (m.root_client, m.root_async_client):
        client.base_url = "http://127.0.0.1:9/other/v2"
    m.invoke("hi")
    asyncio.run(m.ainvoke("hi"))
    urls = [str(r.url) for r in script.requests]
    assert urls[:2] == [f"{BASE}/chat/completions"] * 2
    assert urls[2:] == ["http://127.0.0.1:9/other/v2/chat/completions"] * 2


def test_a_pydantic_value_is_sent_as_json() -> None:
    class Location(BaseModel):
        city: str

    lean = _sent(False, extra_body={"where": Location(city="Hangzhou")})
    assert json.loads(lean.content)["where"] == {"city": "Hangzhou"}


def test_a_body_that_is_not_json_raises_malformed() -> None:
    page = httpx2.Response(200, text="<html>", headers={"content-type": "text/html"})
    with pytest.raises(ValueError, match="Unexpected response type"):
        model(Script(page)).invoke("hi")


# --------------------------------------------------------------------------
# The stall timer of async streams
# --------------------------------------------------------------------------


class SlowStream(httpx2.AsyncByteStream):
    """The first chunks at once, then a pause before the rest."""

    def __init__(self, events: list[bytes], pause_after: int, pause: float) -> None:
        self.events, self.pause_after, self.pause = events, pause_after, pause

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, event in enumerate(self.events):
            if i == self.pause_after:
                await asyncio.sleep(self.pause)
            yield event


def _stream_model(pause_after: int, pause: float, **kw: Any) -> ChatQwen:
    events = [
        f"data: {json.dumps(c)}\n\n".encode() for c in completion_chunks("Hello there")
    ] + [b"data: [DONE]\n\n"]

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200,
            stream=SlowStream(events, pause_after, pause),
            headers={"content-type": "text/event-stream"},
        )

    return model(handler, max_retries=0, **kw)


@pytest.mark.parametrize("typed", [False, True])
async def test_a_stalled_stream_times_out_like_the_parents(typed: bool) -> None:
    m = _stream_model(pause_after=2, pause=5.0, stream_chunk_timeout=0.2)
    m._typed_path = typed
    seen: list[Any] = []

    async def read() -> None:
        async for chunk in m.astream("hi"):
            seen.append(chunk)

    with pytest.raises(StreamInterruptedError) as info:
        await read()
    assert len(seen) == 2
    cause = info.value.__cause__
    assert isinstance(cause, StreamChunkTimeoutError)
    assert cause.chunks_received == 2
    # The task is not left cancelled: it can go on awaiting.
    await asyncio.sleep(0)
    assert not asyncio.current_task().cancelling()  # type: ignore[union-attr]


async def test_a_slow_consumer_is_not_a_stalled_stream() -> None:
    m = _stream_model(pause_after=99, pause=0.0, stream_chunk_timeout=0.05)
    text = ""
    async for chunk in m.astream("hi"):
        await asyncio.sleep(0.1)  # holding each chunk longer than the timeout
        text += str(chunk.content)
    assert text == "Hello there"


async def test_a_slow_server_within_the_timeout_passes() -> None:
    m = _stream_model(pause_after=2, pause=0.1, stream_chunk_timeout=1.0)
    text = "".join([str(c.content) async for c in m.astream("hi")])
    assert text == "Hello there"


async def test_no_timer_when_the_timeout_is_off() -> None:
    m = _stream_model(pause_after=2, pause=0.3, stream_chunk_timeout=0)
    text = "".join([str(c.content) async for c in m.astream("hi")])
    assert text == "Hello there"


# --------------------------------------------------------------------------
# Plain deltas are built without validation, exactly as the hooks build them
# --------------------------------------------------------------------------


def _event(delta: Any, **choice: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "model": "qwen-plus",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, **choice}],
    }


_EVENTS = [
    _event({"content": "Hi", "role": "assistant"}),
    _event({"content": "", "role": "assistant"}),
    _event({"content": None}),
    _event({}),
    _event({"content": "多语言 ✓"}, finish_reason=None, logprobs=None),
    _event({"content": None, "reasoning_content": "Let me think"}),
    _event({"content": "x", "reasoning_content": ""}),
    _event({"content": "x", "id": "delta-id"}),
    _event({"content": "x", "refusal": None, "audio": None}),
    _event({"content": "", "tool_calls": []}),
    # Everything below goes through the hooks.
    _event({"content": "x", "role": "user"}),
    _event({"content": "x", "role": "system"}),
    _event({"content": ["a", "b"]}),
    _event({"content": "x", "id": 7}),
    _event({"content": "", "tool_calls": [{"index": 0, "function": {"name": "f"}}]}),
    _event({"content": "", "function_call": {"name": "f", "arguments": ""}}),
    _event({"content": "x"}, finish_reason="stop"),
    _event({"content": "x"}, logprobs={"content": [{"token": "x", "logprob": -1.0}]}),
    _event(None),
    {**_event({"content": "x"}), "usage": {"prompt_tokens": 1, "total_tokens": 2}},
    {"id": "c", "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
    {"type": "content.delta", "choices": [{"delta": {"content": "x"}}]},
]


def _everything(generation: Any) -> Any:
    """All a generation chunk holds, its message's state included."""
    if generation is None:
        return None
    message = generation.message
    return (
        type(message),
        dict(message.__dict__),
        set(message.__pydantic_fields_set__),
        message.__pydantic_extra__,
        message.__pydantic_private__,
        {k: v for k, v in generation.__dict__.items() if k != "message"},
        set(generation.__pydantic_fields_set__),
        generation.__pydantic_extra__,
    )


@pytest.mark.parametrize("index", range(len(_EVENTS)))
@pytest.mark.parametrize("first_info", [{}, None, {"headers": {"a": "b"}}])
def test_plain_deltas_equal_the_hooks(index: int, first_info: Any) -> None:
    model = ChatQwen(model="qwen-plus", api_key="sk-test", base_url=BASE)
    convert = deltas.chunk_converter(model)
    assert convert != model._convert_chunk_to_generation_chunk  # the fast one
    event = _EVENTS[index]
    expected = model._convert_chunk_to_generation_chunk(
        json.loads(json.dumps(event)), deltas.AIMessageChunk, first_info
    )
    got = convert(json.loads(json.dumps(event)), deltas.AIMessageChunk, first_info)
    assert _everything(got) == _everything(expected)
    if deltas.plain_delta(event) is not None and not first_info:
        # Built directly, with fresh containers: changing one never changes
        # the next.
        again = convert(json.loads(json.dumps(event)), deltas.AIMessageChunk, {})
        for key in ("additional_kwargs", "response_metadata", "tool_calls"):
            assert getattr(got.message, key) is not getattr(again.message, key)
        assert got.message.model_fields_set is not again.message.model_fields_set


def test_only_plain_text_deltas_skip_the_hooks() -> None:
    plain = [deltas.plain_delta(json.loads(json.dumps(e))) for e in _EVENTS]
    assert [p is not None for p in plain] == [True] * 10 + [False] * 12
    assert plain[5] == ("", "Let me think", None)
    assert plain[7] == ("x", None, "delta-id")


def test_a_chunk_built_directly_behaves_as_a_validated_one() -> None:
    model = ChatQwen(model="qwen-plus", api_key="sk-test", base_url=BASE)
    convert = deltas.chunk_converter(model)
    first = convert(
        _event({"content": "Hel", "role": "assistant"}), deltas.AIMessageChunk, {}
    )
    second = convert(
        _event({"content": "lo", "reasoning_content": "r"}),
        deltas.AIMessageChunk,
        {},
    )
    assert first is not None
    assert second is not None
    first.message.id = "lc_run--1"  # what langchain-core does to every chunk
    total = first + second
    assert total.text == "Hello"
    assert total.message.additional_kwargs == {"reasoning_content": "r"}
    assert total.message.model_dump(exclude_unset=True)["id"] == "lc_run--1"
    assert "response_metadata" not in second.message.model_dump(exclude_unset=True)
    assert (
        type(total.message).model_validate(total.message.model_dump()) == total.message
    )


class _OwnHook(ChatQwen):
    def _convert_chunk_to_generation_chunk(self, *args: Any, **kwargs: Any) -> Any:
        generation = super()._convert_chunk_to_generation_chunk(*args, **kwargs)
        if generation is not None:
            generation.message.additional_kwargs["seen"] = True
        return generation


def test_a_subclass_hook_and_output_v1_keep_the_hooks() -> None:
    own = _OwnHook(model="qwen-plus", api_key="sk-test", base_url=BASE)
    convert = deltas.chunk_converter(own)
    got = convert(_event({"content": "x"}), deltas.AIMessageChunk, {})
    assert got is not None
    assert got.message.additional_kwargs == {"seen": True}
    v1 = ChatQwen(
        model="qwen-plus", api_key="sk-test", base_url=BASE, output_version="v1"
    )
    assert deltas.chunk_converter(v1) == v1._convert_chunk_to_generation_chunk


def test_langchain_core_still_sees_the_run_manager_parameter() -> None:
    model = ChatQwen(model="qwen-plus", api_key="sk-test", base_url=BASE)
    for method in (model._generate, model._agenerate):
        parameters = _signature_parameters(method)
        assert list(parameters) == ["messages", "stop", "run_manager", "kwargs"]
