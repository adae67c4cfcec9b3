"""The loopback DashScope server, driven by the raw `openai` SDK and by httpx.

Three things are checked: that the server speaks DashScope's wire format exactly
(recordings are replayed byte for byte, and scripted replies have the recordings'
shapes, key order included); that the `openai` SDK parses all of it; and that the
fault options (errors, mid-stream errors, dropped streams, delays) behave as
documented, so that other tests can build on them.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from langchain_qwen.testing import (
    DashScopeServer,
    RecordedRequest,
    Reply,
    completion_chunks,
    error_body,
    error_reply,
    json_reply,
    load_recording,
    sse_reply,
    text_completion,
)
from tests.conftest import RECORDED, httpx2

# How the raw SDK reports a stream cut short: openai>=3 wraps the transport
# error in APIConnectionError, openai<3 lets its HTTP library's error out.
STREAM_CUT = (openai.APIConnectionError, httpx2.RemoteProtocolError)

JSON_FILES = sorted(RECORDED.glob("*.json"))
CHUNK_FILES = sorted(RECORDED.glob("*.chunks.txt"))
ALL_FILES = JSON_FILES + CHUNK_FILES
MSGS: list[Any] = [{"role": "user", "content": "hello"}]
SSE = "text/event-stream;charset=UTF-8"


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        yield srv


@pytest.fixture
def client(server: DashScopeServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=server.base_url, api_key="sk-test", max_retries=0, timeout=10
    ) as c:
        yield c


@pytest.fixture
async def aclient(server: DashScopeServer) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        base_url=server.base_url, api_key="sk-test", max_retries=0, timeout=10
    ) as c:
        yield c


@pytest.fixture
def http(server: DashScopeServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as c:
        yield c


def _chat(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post(
        "/chat/completions", json={"model": "qwen-plus", "messages": MSGS, **body}
    )


def _recorded_chunks(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _payloads(raw: bytes) -> list[str]:
    """The `data:` payloads of an SSE body, checking the framing on the way."""
    assert raw.endswith(b"\n\n")
    events = raw.decode().split("\n\n")[:-1]
    assert all(e.startswith("data: ") for e in events)
    return [e.removeprefix("data: ") for e in events]


def _chunks(raw: bytes) -> list[dict[str, Any]]:
    payloads = _payloads(raw)
    assert payloads[-1] == "[DONE]"
    return [json.loads(p) for p in payloads[:-1]]


def _shape(obj: Any) -> Any:
    """Keys in order and value kinds, without the values (non-empty strings -> S)."""
    if isinstance(obj, dict):
        return [(k, _shape(v)) for k, v in obj.items()]
    if isinstance(obj, list):
        return [_shape(v) for v in obj]
    if isinstance(obj, str):
        return (
            obj if obj in ("", "assistant", "function", "stop", "tool_calls") else "S"
        )
    if isinstance(obj, bool) or obj is None:
        return obj
    return "N"


def _collapsed_shapes(chunks: list[dict[str, Any]]) -> list[str]:
    """Chunk shapes with runs of identical shapes folded into one."""
    out: list[str] = []
    for chunk in chunks:
        shape = json.dumps(_shape(chunk))
        if not out or out[-1] != shape:
            out.append(shape)
    return out


def _reasoning(obj: Any) -> str | None:
    return (obj.model_extra or {}).get("reasoning_content")


def _drain(stream: Iterable[Any], into: list[Any]) -> None:
    """Collect chunks until the stream ends or raises (keeping what came before)."""
    for chunk in stream:
        into.append(chunk)


async def _adrain(stream: AsyncIterable[Any], into: list[Any]) -> None:
    async for chunk in stream:
        into.append(chunk)


def _accumulate(chunks: list[Any]) -> dict[str, Any]:
    """What a client builds from SDK stream chunks."""
    content, reasoning, finish = "", "", None
    calls: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        for choice in chunk.choices:
            content += choice.delta.content or ""
            reasoning += _reasoning(choice.delta) or ""
            finish = choice.finish_reason or finish
            for tc in choice.delta.tool_calls or []:
                slot = calls.setdefault(
                    tc.index, {"id": "", "name": "", "arguments": ""}
                )
                slot["id"] = slot["id"] or tc.id or ""
                slot["name"] += (tc.function and tc.function.name) or ""
                slot["arguments"] += (tc.function and tc.function.arguments) or ""
    return {
        "content": content,
        "reasoning": reasoning,
        "finish": finish,
        "calls": [calls[i] for i in sorted(calls)],
    }


def _accumulate_recorded(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    content, reasoning, finish = "", "", None
    calls: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            delta = choice["delta"]
            content += delta.get("content") or ""
            reasoning += delta.get("reasoning_content") or ""
            finish = choice.get("finish_reason") or finish
            for tc in delta.get("tool_calls") or []:
                slot = calls.setdefault(
                    tc["index"], {"id": "", "name": "", "arguments": ""}
                )
                slot["id"] = slot["id"] or tc.get("id") or ""
                slot["name"] += tc["function"].get("name") or ""
                slot["arguments"] += tc["function"].get("arguments") or ""
    return {
        "content": content,
        "reasoning": reasoning,
        "finish": finish,
        "calls": [calls[i] for i in sorted(calls)],
    }


# --------------------------------------------------------------------------
# Recordings: replayed byte for byte, parsed by the SDK
# --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_recording_is_sent_byte_for_byte(
    server: DashScopeServer, http: httpx.Client, path: Path
) -> None:
    server.enqueue(load_recording(path))
    r = _chat(http, stream=path.name.endswith(".chunks.txt"))
    assert r.status_code == 200
    if path.suffix == ".json":
        assert r.content == path.read_bytes()
        assert r.headers["content-type"] == "application/json"
        assert r.headers["content-length"] == str(len(path.read_bytes()))
        body_id = json.loads(path.read_bytes())["id"]
    else:
        lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
        assert r.text == "".join(f"data: {ln}\n\n" for ln in lines) + "data: [DONE]\n\n"
        assert r.headers["content-type"] == SSE
        assert r.headers["transfer-encoding"] == "chunked"
        body_id = json.loads(lines[0])["id"]
    # Facts 6.3: the body id is "chatcmpl-" + the x-request-id header.
    assert body_id == f"chatcmpl-{r.headers['x-request-id']}"
    assert r.headers["x-dashscope-call-gateway"] == "true"


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: p.name)
def test_sdk_parses_json_recording(
    server: DashScopeServer, client: openai.OpenAI, path: Path
) -> None:
    recorded = json.loads(path.read_text())
    message = recorded["choices"][0]["message"]
    server.enqueue(load_recording(path))
    raw = client.chat.completions.with_raw_response.create(
        model="qwen3-max", messages=MSGS
    )
    completion = raw.parse()
    assert raw.headers["x-request-id"] == recorded["id"].removeprefix("chatcmpl-")
    assert completion.id == recorded["id"]
    assert completion.model == recorded["model"]
    choice = completion.choices[0]
    assert choice.message.content == message["content"]
    assert _reasoning(choice.message) == message.get("reasoning_content")
    assert choice.finish_reason == recorded["choices"][0]["finish_reason"]
    assert [
        (tc.id, tc.function.name, tc.function.arguments)
        for tc in choice.message.tool_calls or []
        if tc.type == "function"
    ] == [
        (tc["id"], tc["function"]["name"], tc["function"]["arguments"])
        for tc in message.get("tool_calls", [])
    ]
    assert completion.usage is not None
    assert completion.usage.model_dump(exclude_none=True) == recorded["usage"]


@pytest.mark.parametrize("path", CHUNK_FILES, ids=lambda p: p.name)
def test_sdk_parses_chunk_recording(
    server: DashScopeServer, client: openai.OpenAI, path: Path
) -> None:
    recorded = _recorded_chunks(path)
    server.enqueue(load_recording(path))
    chunks = list(
        client.chat.completions.create(
            model="qwen3-max",
            messages=MSGS,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert len(chunks) == len(recorded)
    assert _accumulate(chunks) == _accumulate_recorded(recorded)
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.model_dump(exclude_none=True) == recorded[-1]["usage"]
    assert all(c.usage is None for c in chunks[:-1])


async def test_async_sdk_parses_every_chunk_recording(
    server: DashScopeServer, aclient: openai.AsyncOpenAI
) -> None:
    for path in CHUNK_FILES:
        server.enqueue(load_recording(path))
        stream = await aclient.chat.completions.create(
            model="qwen3-max", messages=MSGS, stream=True
        )
        chunks = [c async for c in stream]
        assert _accumulate(chunks) == _accumulate_recorded(_recorded_chunks(path))
        assert chunks[-1].usage is not None


def test_load_recording_rejects_other_files(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("{}")
    with pytest.raises(ValueError, match="not a recording"):
        load_recording(tmp_path / "x.txt")


# --------------------------------------------------------------------------
# Scripted replies have the recordings' exact shapes
# --------------------------------------------------------------------------


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: p.name)
def test_text_completion_body_equals_recording(
    server: DashScopeServer, http: httpx.Client, path: Path
) -> None:
    """Given the recording's content, the body is the same JSON, key order too."""
    recorded = json.loads(path.read_text())
    choice = recorded["choices"][0]
    message = choice["message"]
    server.enqueue(
        text_completion(
            message["content"],
            model=recorded["model"],
            reasoning=message.get("reasoning_content"),
            usage=recorded["usage"],
            tool_calls=message.get("tool_calls"),
            finish_reason=choice["finish_reason"],
        )
    )
    r = _chat(http)
    body = r.json()
    assert body["id"] == f"chatcmpl-{r.headers['x-request-id']}"
    assert body["id"] != recorded["id"]
    body["id"], body["created"] = recorded["id"], recorded["created"]
    assert json.dumps(body) == json.dumps(recorded)


@pytest.mark.parametrize("path", CHUNK_FILES, ids=lambda p: p.name)
def test_text_completion_stream_has_recording_shapes(
    server: DashScopeServer, http: httpx.Client, path: Path
) -> None:
    recorded = _recorded_chunks(path)
    seen = _accumulate_recorded(recorded)
    server.enqueue(
        text_completion(
            seen["content"],
            model=recorded[0]["model"],
            reasoning=seen["reasoning"] or None,
            tool_calls=seen["calls"] or None,
            usage=recorded[-1]["usage"],
        )
    )
    r = _chat(http, stream=True, stream_options={"include_usage": True})
    assert r.headers["content-type"] == SSE
    chunks = _chunks(r.content)
    assert _collapsed_shapes(chunks) == _collapsed_shapes(recorded)
    assert _accumulate_recorded(chunks) == seen
    assert chunks[-1]["usage"] == recorded[-1]["usage"]
    assert {c["id"] for c in chunks} == {f"chatcmpl-{r.headers['x-request-id']}"}
    assert len({c["created"] for c in chunks}) == 1


def test_streamed_tool_call_equals_recording_byte_for_byte(
    server: DashScopeServer, http: httpx.Client
) -> None:
    path = RECORDED / "alibaba-tool-call.chunks.txt"
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    first = json.loads(lines[0])
    server.enqueue(
        text_completion(
            "",
            model="qwen3-max",
            tool_calls=[
                {
                    "id": "call_eee11723464a4b9eb8cee71d",
                    "name": "weather",
                    "args": {"location": "San Francisco"},
                }
            ],
            # The recording split the arguments after `"San Francisco`.
            chunk_size=len('{"location": "San Francisco'),
            usage=json.loads(lines[-1])["usage"],
        )
    )
    r = _chat(http, stream=True, stream_options={"include_usage": True})
    rid = f"chatcmpl-{r.headers['x-request-id']}"
    created = json.loads(_payloads(r.content)[0])["created"]
    got = [
        p.replace(rid, first["id"]).replace(
            f'"created":{created}', f'"created":{first["created"]}'
        )
        for p in _payloads(r.content)
    ]
    assert got == [*lines, "[DONE]"]


def test_stream_usage_chunk_only_when_requested(
    server: DashScopeServer, http: httpx.Client
) -> None:
    reply = text_completion("four score and seven", stream=True)
    server.enqueue(reply, reply, reply)
    with_usage = _chunks(
        _chat(http, stream=True, stream_options={"include_usage": True}).content
    )
    without = _chunks(_chat(http, stream=True).content)
    explicit_off = _chunks(
        _chat(http, stream=True, stream_options={"include_usage": False}).content
    )
    assert with_usage[-1]["choices"] == []
    assert with_usage[-1]["usage"]["total_tokens"] > 0
    assert without == [c for c in without if c["choices"]]
    assert without[-1]["choices"][0]["finish_reason"] == "stop"
    assert len(without) == len(with_usage) - 1
    assert len(explicit_off) == len(without)
    assert all(c["usage"] is None for c in without)


def test_reply_adapts_stream_to_request(
    server: DashScopeServer, http: httpx.Client
) -> None:
    reply = text_completion("same reply")
    server.enqueue(reply, reply, text_completion("forced json", stream=False))
    assert _chat(http).json()["choices"][0]["message"]["content"] == "same reply"
    assert _accumulate_recorded(_chunks(_chat(http, stream=True).content))[
        "content"
    ] == ("same reply")
    forced = _chat(http, stream=True)
    assert forced.headers["content-type"] == "application/json"


def test_each_response_gets_a_fresh_request_id(
    server: DashScopeServer, http: httpx.Client
) -> None:
    reply = text_completion("x")
    server.enqueue(reply, reply, error_reply(500, "internal_error", "boom"))
    ids = []
    for _ in range(3):
        r = _chat(http)
        body = r.json()
        ids.append(r.headers["x-request-id"])
        assert ids[-1] in (
            body.get("id", "").removeprefix("chatcmpl-"),
            body.get("request_id"),
        )
    assert len(set(ids)) == 3


def test_usage_override_fills_the_rest(
    server: DashScopeServer, http: httpx.Client
) -> None:
    server.enqueue(
        text_completion("a", usage={"prompt_tokens": 7, "completion_tokens": 3}),
        text_completion(
            "a", reasoning="hmm", usage={"prompt_tokens_details": {"cached_tokens": 5}}
        ),
    )
    assert _chat(http).json()["usage"] == {
        "prompt_tokens": 7,
        "completion_tokens": 3,
        "total_tokens": 10,
        "prompt_tokens_details": {"cached_tokens": 0},
    }
    usage = _chat(http).json()["usage"]
    assert list(usage) == [
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "completion_tokens_details",
        "prompt_tokens_details",
    ]
    assert usage["prompt_tokens_details"] == {"cached_tokens": 5}
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 1
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_sdk_parses_scripted_reasoning(
    server: DashScopeServer, client: openai.OpenAI
) -> None:
    text, thought = "The answer is 391.", "17 * 23 = 340 + 51 = 391, checked twice."
    server.enqueue(text_completion(text, reasoning=thought, model="qwen3-max"))
    completion = client.chat.completions.create(model="qwen3-max", messages=MSGS)
    assert completion.choices[0].message.content == text
    assert _reasoning(completion.choices[0].message) == thought
    assert completion.usage is not None
    assert completion.usage.completion_tokens_details is not None
    assert completion.usage.completion_tokens_details.reasoning_tokens == 10

    server.enqueue(text_completion(text, reasoning=thought, chunk_size=5))
    chunks = list(
        client.chat.completions.create(
            model="qwen3-max",
            messages=MSGS,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    seen = _accumulate(chunks)
    assert (seen["content"], seen["reasoning"], seen["finish"]) == (
        text,
        thought,
        "stop",
    )
    # Phases are exclusive per chunk: reasoning deltas carry content null.
    assert all(
        c.choices[0].delta.content is None
        for c in chunks
        if c.choices and _reasoning(c.choices[0].delta)
    )
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens_details is not None
    assert chunks[-1].usage.completion_tokens_details.reasoning_tokens == 10


async def test_sdk_parses_scripted_tool_calls(
    server: DashScopeServer, aclient: openai.AsyncOpenAI
) -> None:
    calls = [
        {"name": "weather", "args": {"location": "Hangzhou, 浙江"}},
        {
            "id": "call_2",
            "type": "function",
            "function": {"name": "time", "arguments": '{"tz": "Asia/Shanghai"}'},
        },
    ]
    server.enqueue(text_completion("", tool_calls=calls, chunk_size=4))
    stream = await aclient.chat.completions.create(
        model="qwen-plus",
        messages=MSGS,
        stream=True,
        stream_options={"include_usage": True},
    )
    seen = _accumulate([c async for c in stream])
    assert seen["finish"] == "tool_calls"
    assert seen["content"] == ""
    assert [(c["name"], json.loads(c["arguments"])) for c in seen["calls"]] == [
        ("weather", {"location": "Hangzhou, 浙江"}),
        ("time", {"tz": "Asia/Shanghai"}),
    ]
    assert seen["calls"][0]["id"].startswith("call_")
    assert len(seen["calls"][0]["id"]) == len("call_") + 24
    assert seen["calls"][1]["id"] == "call_2"

    server.enqueue(text_completion("Let me check.", tool_calls=calls[:1]))
    completion = await aclient.chat.completions.create(model="qwen-plus", messages=MSGS)
    message = completion.choices[0].message
    assert completion.choices[0].finish_reason == "tool_calls"
    assert message.content == "Let me check."
    assert message.tool_calls is not None
    assert message.tool_calls[0].type == "function"
    assert json.loads(message.tool_calls[0].function.arguments) == {
        "location": "Hangzhou, 浙江"
    }


def test_bad_arguments_fail_in_the_test_not_the_server() -> None:
    with pytest.raises(ValueError, match="without a name"):
        text_completion("", tool_calls=[{"args": {}}])
    with pytest.raises(ValueError, match="chunk_size"):
        text_completion("x", chunk_size=0)
    with pytest.raises(ValueError, match="drop_after"):
        sse_reply([], drop_after=-1)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "exc"),
    [
        (400, "invalid_parameter_error", openai.BadRequestError),
        (400, "Arrearage", openai.BadRequestError),
        (401, "invalid_api_key", openai.AuthenticationError),
        (403, "AccessDenied", openai.PermissionDeniedError),
        (404, "model_not_found", openai.NotFoundError),
        (429, "limit_requests", openai.RateLimitError),
        (500, "internal_error", openai.InternalServerError),
        (503, "ModelUnavailable", openai.InternalServerError),
    ],
)
def test_error_status_maps_to_sdk_exception(
    server: DashScopeServer,
    client: openai.OpenAI,
    status: int,
    code: str,
    exc: type[openai.APIStatusError],
) -> None:
    server.enqueue(
        error_reply(status, code, f"{code} happened", type="invalid_request_error")
    )
    with pytest.raises(exc) as info:
        client.chat.completions.create(model="qwen-plus", messages=MSGS)
    err = info.value
    assert err.status_code == status
    assert isinstance(err.body, dict)
    assert err.body["code"] == code
    assert err.code == code
    assert err.body["message"] == f"{code} happened"
    assert err.request_id == err.response.json()["request_id"]
    assert err.request_id == err.response.headers["x-request-id"]


async def test_async_rate_limit_error(
    server: DashScopeServer, aclient: openai.AsyncOpenAI
) -> None:
    server.enqueue(
        error_reply(429, "Throttling.RateQuota", "Requests rate limit exceeded.")
    )
    with pytest.raises(openai.RateLimitError) as info:
        await aclient.chat.completions.create(model="qwen-plus", messages=MSGS)
    assert isinstance(info.value.body, dict)
    assert info.value.body["code"] == "Throttling.RateQuota"


def test_error_envelope_is_dashscopes(
    server: DashScopeServer, http: httpx.Client
) -> None:
    server.enqueue(
        error_reply(
            401, "invalid_api_key", "Incorrect API key provided.", request_id="rid-1"
        )
    )
    r = _chat(http)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-request-id"] == "rid-1"
    assert r.text == (
        '{"error":{"message":"Incorrect API key provided.","type":"invalid_api_key",'
        '"param":null,"code":"invalid_api_key"},"request_id":"rid-1"}'
    )


def test_in_stream_error_raises_after_partial_output(
    server: DashScopeServer, client: openai.OpenAI
) -> None:
    """DashScope's output moderation: a 200 stream, some text, then an error event."""
    normal = completion_chunks("Once upon a time", include_usage=False, chunk_size=5)[
        :-1
    ]
    moderation = error_body(
        "data_inspection_failed", "Output data may contain inappropriate content."
    )
    server.enqueue(sse_reply([*normal, moderation], done=False))
    received: list[Any] = []
    stream = client.chat.completions.create(
        model="qwen-plus", messages=MSGS, stream=True
    )
    with pytest.raises(openai.APIError) as info:
        _drain(stream, received)
    assert _accumulate(received)["content"] == "Once upon a time"
    assert isinstance(info.value.body, dict)
    assert info.value.body["code"] == "data_inspection_failed"
    assert info.value.body["type"] == "data_inspection_failed"
    assert info.value.message == "Output data may contain inappropriate content."


def test_error_reply_in_stream(server: DashScopeServer, http: httpx.Client) -> None:
    server.enqueue(
        error_reply(
            400,
            "data_inspection_failed",
            "Input data may contain inappropriate content.",
            in_stream=True,
        )
    )
    r = _chat(http, stream=True)
    assert r.status_code == 200
    assert r.headers["content-type"] == SSE
    # The observed event: the error object only, no request_id, no [DONE] after it.
    assert _payloads(r.content) == [
        '{"error":{"message":"Input data may contain inappropriate content.",'
        '"type":"data_inspection_failed","param":null,"code":"data_inspection_failed"}}'
    ]


# --------------------------------------------------------------------------
# Faults: dropped streams, malformed lines, delays, stopping
# --------------------------------------------------------------------------


def _dropping_reply(drop_after: int) -> Reply:
    return sse_reply(
        completion_chunks("abcdefghijklmnopqrstuvwxyz", chunk_size=4),
        drop_after=drop_after,
    )


@pytest.mark.parametrize("drop_after", [0, 3, 9])
def test_dropped_stream_raises_in_sdk(
    server: DashScopeServer, client: openai.OpenAI, drop_after: int
) -> None:
    """No silent truncation: the SDK sees exactly N chunks, then an error."""
    server.enqueue(_dropping_reply(drop_after))
    received: list[Any] = []
    stream = client.chat.completions.create(
        model="qwen-plus", messages=MSGS, stream=True
    )
    with pytest.raises(STREAM_CUT) as info:
        _drain(stream, received)
    assert not isinstance(info.value, openai.APITimeoutError)
    assert len(received) == drop_after
    # The whole stream is 1 opener + 7 deltas + finish + usage: 10 chunks, so 9
    # means everything but the usage chunk arrived, and still the SDK raises.
    assert all(c.choices[0].finish_reason is None for c in received[:8])


async def test_dropped_stream_raises_in_async_sdk(
    server: DashScopeServer, aclient: openai.AsyncOpenAI
) -> None:
    server.enqueue(_dropping_reply(2))
    received: list[Any] = []
    stream = await aclient.chat.completions.create(
        model="qwen-plus", messages=MSGS, stream=True
    )
    with pytest.raises(STREAM_CUT):
        await _adrain(stream, received)
    assert _accumulate(received)["content"] == "abcd"


def test_dropped_stream_is_a_protocol_error_for_httpx(
    server: DashScopeServer, http: httpx.Client
) -> None:
    server.enqueue(_dropping_reply(2))
    got = b""
    with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):  # noqa: PT012
        with http.stream("POST", "/chat/completions", json={"stream": True}) as r:
            assert r.status_code == 200
            for piece in r.iter_bytes():
                got += piece
    assert got.count(b"data: ") == 2
    assert b"[DONE]" not in got


def test_str_chunks_are_sent_verbatim(
    server: DashScopeServer, client: openai.OpenAI
) -> None:
    good = completion_chunks("ok", include_usage=False)[0]
    server.enqueue(sse_reply([good, '{"choices": [', "not json at all"]))
    r = httpx.post(f"{server.base_url}/chat/completions", json={}, timeout=10)
    assert _payloads(r.content)[1:] == ['{"choices": [', "not json at all", "[DONE]"]

    server.enqueue(sse_reply([good, '{"choices": ['], done=False))
    with pytest.raises(json.JSONDecodeError):
        list(
            client.chat.completions.create(
                model="qwen-plus", messages=MSGS, stream=True
            )
        )


def test_chunk_delay_paces_the_stream(
    server: DashScopeServer, http: httpx.Client
) -> None:
    server.enqueue(sse_reply(["1", "2", "3"], done=True, chunk_delay=0.1))
    arrivals: list[float] = []
    start = time.monotonic()
    with http.stream("POST", "/chat/completions", json={}) as r:
        for _ in r.iter_bytes():
            arrivals.append(time.monotonic() - start)
    # 3 gaps (two between chunks, one before [DONE]); the first chunk is prompt.
    assert arrivals[0] < 0.09
    assert arrivals[-1] >= 0.3


def test_first_byte_delay_can_trip_a_client_timeout(server: DashScopeServer) -> None:
    server.enqueue(json_reply({"x": 1}, delay=5.0))
    with (
        openai.OpenAI(
            base_url=server.base_url, api_key="sk-test", max_retries=0, timeout=0.2
        ) as c,
        pytest.raises(openai.APITimeoutError),
    ):
        c.chat.completions.create(model="qwen-plus", messages=MSGS)


async def test_hundred_concurrent_requests_with_delays() -> None:
    """100 clients at once, each answer delayed 0.3 s: they overlap, not queue."""

    def handler(request: RecordedRequest) -> Reply:
        return text_completion(request.body["messages"][-1]["content"], delay=0.3)

    async def one(i: int) -> tuple[int, str | None]:
        messages: list[Any] = [{"role": "user", "content": f"n{i}"}]
        if i % 2:
            done = await client.chat.completions.create(model="m", messages=messages)
            return i, done.choices[0].message.content
        stream = await client.chat.completions.create(
            model="m", messages=messages, stream=True
        )
        return i, _accumulate([c async for c in stream])["content"]

    async with (
        DashScopeServer(handler=handler) as server,
        openai.AsyncOpenAI(
            base_url=server.base_url, api_key="k", max_retries=0, timeout=10
        ) as client,
    ):
        start = time.monotonic()
        results = await asyncio.gather(*(one(i) for i in range(100)))
        elapsed = time.monotonic() - start
    assert all(content == f"n{i}" for i, content in results)
    assert len(server.requests) == 100
    assert elapsed < 5.0  # serially it would take 30 s


def test_stop_is_prompt_and_cuts_hung_requests() -> None:
    server = DashScopeServer([json_reply({"late": True}, delay=30.0)]).start()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            httpx.post(f"{server.base_url}/chat/completions", json={}, timeout=20)
        except httpx.HTTPError as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 5
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.requests
    start = time.monotonic()
    server.stop()
    caller.join(timeout=5)
    assert time.monotonic() - start < 1.5
    assert not caller.is_alive()
    assert len(errors) == 1
    server.stop()  # idempotent


def test_stop_closes_kept_alive_connections() -> None:
    with DashScopeServer() as server, httpx.Client(timeout=5) as http:
        assert (
            http.post(f"{server.base_url}/chat/completions", json={}).status_code == 200
        )
        start = time.monotonic()
        server.stop()
        assert time.monotonic() - start < 1.0
        with pytest.raises(httpx.HTTPError):
            http.post(f"{server.base_url}/chat/completions", json={})


# --------------------------------------------------------------------------
# Requests, routing, queue and handler
# --------------------------------------------------------------------------


def test_requests_are_recorded(server: DashScopeServer, client: openai.OpenAI) -> None:
    client.chat.completions.create(
        model="qwen-max",
        messages=MSGS,
        temperature=0.5,
        extra_body={"enable_thinking": False},
    )
    assert len(server.requests) == 1
    req = server.requests[0]
    assert req.method == "POST"
    assert req.path == "/compatible-mode/v1/chat/completions"
    assert req.headers["authorization"] == "Bearer sk-test"
    assert req.headers["content-type"] == "application/json"
    assert req.body == {
        "messages": MSGS,
        "model": "qwen-max",
        "temperature": 0.5,
        "enable_thinking": False,
    }
    assert json.loads(req.raw) == req.body


def test_kept_alive_responses_are_not_held_back(
    server: DashScopeServer, client: openai.OpenAI
) -> None:
    # Headers and body are separate writes: without TCP_NODELAY each response
    # waited for the client's delayed ACK, about 40 ms. Twenty calls stay far
    # below 20 x 40 ms.
    client.chat.completions.create(model="qwen-plus", messages=MSGS)
    start = time.perf_counter()
    for _ in range(20):
        client.chat.completions.create(model="qwen-plus", messages=MSGS)
    assert time.perf_counter() - start < 0.4


def test_default_handler_echoes_like_dashscope(
    server: DashScopeServer, client: openai.OpenAI
) -> None:
    messages: list[Any] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "second "},
                {"type": "text", "text": "part"},
            ],
        },
    ]
    completion = client.chat.completions.create(model="qwen-flash", messages=messages)
    assert completion.choices[0].message.content == "second part"
    assert completion.model == "qwen-flash"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0

    plain = list(
        client.chat.completions.create(
            model="qwen-turbo", messages=messages, stream=True
        )
    )
    assert _accumulate(plain)["content"] == "second part"
    assert {c.model for c in plain} == {"qwen-turbo"}
    assert all(c.usage is None for c in plain)
    with_usage = list(
        client.chat.completions.create(
            model="qwen-turbo",
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert len(with_usage) == len(plain) + 1
    assert with_usage[-1].usage is not None


def test_queue_is_fifo_then_handler(client: openai.OpenAI) -> None:
    def handler(request: RecordedRequest) -> Reply:
        return text_completion(f"handled {len(request.body['messages'])}")

    with DashScopeServer([text_completion("one")], handler=handler) as server:
        server.enqueue(text_completion("two"), text_completion("three"))
        assert server.pending == 3
        with openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0) as c:
            got = [
                c.chat.completions.create(model="m", messages=MSGS)
                .choices[0]
                .message.content
                for _ in range(4)
            ]
        assert got == ["one", "two", "three", "handled 1"]
        assert server.pending == 0


def test_handler_failure_is_a_500_and_kept() -> None:
    def handler(request: RecordedRequest) -> Reply:
        raise KeyError("no such fixture")

    with (
        DashScopeServer(handler=handler) as server,
        openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0) as client,
        pytest.raises(openai.InternalServerError) as info,
    ):
        client.chat.completions.create(model="m", messages=MSGS)
    assert "no such fixture" in info.value.message
    assert len(server.errors) == 1
    assert isinstance(server.errors[0], KeyError)


def test_unknown_paths_get_dashscope_404(server: DashScopeServer) -> None:
    server.enqueue(text_completion("kept for later"))
    r = httpx.post(f"{server.url}/compatible-mode/v1/no-such-api", json={}, timeout=5)
    assert r.status_code == 404
    body = r.json()
    assert list(body) == ["error", "request_id"]
    assert list(body["error"]) == ["message", "type", "param", "code"]
    assert body["request_id"] == r.headers["x-request-id"]
    with openai.OpenAI(base_url=server.url, api_key="k", max_retries=0) as wrong:
        with pytest.raises(openai.NotFoundError):
            wrong.chat.completions.create(model="m", messages=MSGS)
    assert server.pending == 1  # a misrouted request does not eat a queued reply
    assert [r.path for r in server.requests] == [
        "/compatible-mode/v1/no-such-api",
        "/chat/completions",
    ]


def test_self_hosted_path_is_served(server: DashScopeServer) -> None:
    with openai.OpenAI(
        base_url=f"{server.url}/v1", api_key="EMPTY", max_retries=0
    ) as c:
        completion = c.chat.completions.create(model="Qwen/Qwen3-8B", messages=MSGS)
    assert completion.choices[0].message.content == "hello"
    assert server.requests[0].path == "/v1/chat/completions"
    assert server.requests[0].headers["authorization"] == "Bearer EMPTY"


def test_bad_method_and_bad_body(server: DashScopeServer, http: httpx.Client) -> None:
    server.enqueue(text_completion("kept"))
    got = http.get("/chat/completions")
    assert got.status_code == 405
    assert got.json()["error"]["type"] == "invalid_request_error"
    bad = http.post(
        "/chat/completions",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_parameter_error"
    assert server.requests[-1].body is None
    assert server.requests[-1].raw == b"{not json"
    assert server.pending == 1


def test_chunked_request_body_is_read(
    server: DashScopeServer, http: httpx.Client
) -> None:
    payload = json.dumps(
        {"model": "m", "messages": [{"role": "user", "content": "chunked"}]}
    )
    r = http.post(
        "/chat/completions",
        content=iter([payload[:10].encode(), payload[10:].encode()]),
    )
    assert r.json()["choices"][0]["message"]["content"] == "chunked"
    assert server.requests[0].headers["transfer-encoding"] == "chunked"


def test_reply_headers_override_defaults(
    server: DashScopeServer, http: httpx.Client
) -> None:
    server.enqueue(
        json_reply(
            {"ok": True}, status=202, headers={"X-Custom": "1", "X-Request-Id": "mine"}
        )
    )
    r = _chat(http)
    assert r.status_code == 202
    assert r.headers["x-custom"] == "1"
    assert r.headers["x-request-id"] == "mine"
    assert r.headers["server"] == "istio-envoy"
    assert r.json() == {"ok": True}


async def test_async_context_manager_and_ports() -> None:
    async with DashScopeServer() as a, DashScopeServer() as b:
        assert a.port != b.port
        assert a.base_url == f"http://127.0.0.1:{a.port}/compatible-mode/v1"
        async with openai.AsyncOpenAI(
            base_url=b.base_url, api_key="k", max_retries=0
        ) as c:
            done = await c.chat.completions.create(model="m", messages=MSGS)
        assert done.choices[0].message.content == "hello"
        assert not a.requests
    with pytest.raises(RuntimeError, match="only once"):
        a.start()
    with pytest.raises(RuntimeError, match="not started"):
        _ = DashScopeServer().base_url
