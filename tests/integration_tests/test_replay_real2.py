"""Replay the real2 chat recordings through ChatQwen over real HTTP.

Each recording in `tests/recorded/real2/` (provenance in its SOURCE.md) is sent
by the loopback server as it was recorded; the assertions are what a user sees
through invoke, ainvoke, stream and astream, wherever the recording applies: a
non-streamed body to invoke and ainvoke, the SSE body to stream, astream and
(with `streaming=True`) invoke and ainvoke. The expected values are read from
the recorded bytes by code independent of ChatQwen's.

Shape facts of real2/NOTES.md that ChatQwen must not depend on are pinned here
by the replays themselves and by variants the server sends (keys reordered,
optional keys dropped).
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage

from langchain_qwen import ChatQwen
from langchain_qwen.catalogue import catalog
from langchain_qwen.testing import (
    DashScopeServer,
    Reply,
    load_recording,
    sse_events,
    sse_reply,
)
from tests.conftest import RECORDED, httpx2

REAL2 = RECORDED / "real2"
MODES = ["invoke", "ainvoke", "stream", "astream"]
BODIES = [
    "aegis-qwen-plus-nonstream.headers-and-body.json",
    "qwen-plus-nonstream-curl.json",
    "qwen-plus-tool-call.json",
    "qwen3-coder-plus-tool-call-cached.json",
    "qwen3-omni-flash-nonstream-text.json",
]
THINKING_STREAM = "qwen3.5-flash-thinking-tool-call.stream.sse"
USAGES = sorted(p.name for p in REAL2.glob("usage-*.json"))


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        yield srv


def _model(server: DashScopeServer, model: str, **kwargs: Any) -> ChatQwen:
    return ChatQwen(
        base_url=server.base_url,
        api_key="sk-replay",
        model=model,
        max_retries=0,
        **kwargs,
    )


async def _call(model: ChatQwen, mode: str) -> BaseMessage:
    """One call the way a user makes it; a stream is added up as users do."""
    if mode == "invoke":
        return model.invoke("hello")
    if mode == "ainvoke":
        return await model.ainvoke("hello")
    if mode == "stream":
        chunks = list(model.stream("hello"))
    else:
        chunks = [c async for c in model.astream("hello")]
    assert chunks, "the stream yielded nothing"
    total: AIMessageChunk = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return AIMessage(**total.model_dump(exclude={"type", "tool_call_chunks"}))


def _body_of(name: str) -> dict[str, Any]:
    data = json.loads((REAL2 / name).read_text(encoding="utf-8"))
    return data["body"] if name.endswith(".headers-and-body.json") else data


def _expected(body: dict[str, Any]) -> dict[str, Any]:
    """What a user should see, read straight from a recorded body."""
    choice = body["choices"][0]
    message = choice["message"]
    return {
        "content": message.get("content") or "",
        "reasoning": message.get("reasoning_content") or None,
        "tool_calls": [
            (c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
            for c in message.get("tool_calls") or []
        ],
        "model": body["model"],
        "id": body["id"],
        "finish_reason": choice["finish_reason"],
        "usage": body.get("usage"),
    }


def _assert_usage(message: AIMessage, usage: dict[str, Any] | None) -> None:
    if usage is None:
        assert message.usage_metadata is None
        return
    um = message.usage_metadata
    assert um is not None
    assert um["input_tokens"] == usage["prompt_tokens"]
    assert um["output_tokens"] == usage["completion_tokens"]
    assert um["total_tokens"] == usage["total_tokens"]
    prompt = usage.get("prompt_tokens_details") or {}
    completion = usage.get("completion_tokens_details") or {}
    inputs = um.get("input_token_details") or {}
    outputs = um.get("output_token_details") or {}
    assert inputs.get("cache_read") == prompt.get("cached_tokens")
    assert inputs.get("cache_creation") == prompt.get("cache_creation_input_tokens")
    assert inputs.get("audio") == prompt.get("audio_tokens")
    assert outputs.get("reasoning") == completion.get("reasoning_tokens")


def _assert_user_view(message: BaseMessage, expected: dict[str, Any]) -> None:
    assert isinstance(message, AIMessage)
    assert message.content == expected["content"]
    assert message.additional_kwargs.get("reasoning_content") == expected["reasoning"]
    kinds = [block["type"] for block in message.content_blocks]
    if expected["reasoning"]:
        assert kinds[0] == "reasoning"
        assert expected["reasoning"] not in message.text
    else:
        assert "reasoning" not in kinds
    if not expected["content"]:
        assert "text" not in kinds  # no empty text block
    got = [(c["id"], c["name"], c["args"]) for c in message.tool_calls]
    assert got == expected["tool_calls"]
    assert not message.invalid_tool_calls
    meta = message.response_metadata
    assert meta["model_name"] == expected["model"]
    assert meta["finish_reason"] == expected["finish_reason"]
    assert meta["id"] == expected["id"]
    assert meta["model_provider"] == "qwen"
    _assert_usage(message, expected["usage"])


# --------------------------------------------------------------------------
# Non-streamed answers
# --------------------------------------------------------------------------


@pytest.fixture
def omni_answers_unstreamed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let `qwen3-omni-flash` be called without streaming, as the recording was.

    The catalogue marks Omni models streaming-only, so ChatQwen streams every
    call to them; the recording (NOTES 11) shows DashScope answering an Omni
    text request that was not streamed. To replay that answer, the request must
    not be streamed: the catalogue entry is read with `stream_only` off.
    """
    lookup = catalog.lookup

    def patched(name: str, *args: Any, **kwargs: Any) -> Any:
        info = lookup(name, *args, **kwargs)
        if info is not None and name == "qwen3-omni-flash":
            return dataclasses.replace(info, stream_only=False)
        return info

    monkeypatch.setattr(catalog, "lookup", patched)


@pytest.mark.usefixtures("omni_answers_unstreamed")
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
@pytest.mark.parametrize("name", BODIES)
async def test_recorded_answer_replays(
    server: DashScopeServer, name: str, mode: str
) -> None:
    expected = _expected(_body_of(name))
    server.enqueue(load_recording(REAL2 / name))
    # The model asked for is the recording's own, except where the recording
    # says it asked for another one (aegis: asked qwen-plus, got qwen-flash).
    asked = "qwen-plus" if name.startswith("aegis") else expected["model"]
    message = await _call(_model(server, asked), mode)
    _assert_user_view(message, expected)
    sent = server.requests[-1].body
    assert sent["model"] == asked
    assert sent["stream"] is False


def test_answer_naming_another_model_is_reported_not_refused(
    server: DashScopeServer, caplog: pytest.LogCaptureFixture
) -> None:
    # NOTES 3: asked qwen-plus, answered by "qwen-flash": reported, not an error.
    server.enqueue(load_recording(REAL2 / BODIES[0]))
    with caplog.at_level("WARNING"):
        message = _model(server, "qwen-plus").invoke("你好")
    assert message.response_metadata["model_name"] == "qwen-flash"
    assert server.requests[-1].body["model"] == "qwen-plus"
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]


def test_gzip_and_chunked_json_answer_as_recorded(server: DashScopeServer) -> None:
    # NOTES 5: DashScope gzips a non-streamed JSON answer and sends it chunked,
    # without content-length; the recorded headers are replayed with it.
    reply = load_recording(REAL2 / BODIES[0])
    assert reply.headers["content-encoding"] == "gzip"
    assert reply.headers["transfer-encoding"] == "chunked"
    assert reply.request_id == "b2aa0fa6-b8ca-9173-8843-987b106bbcfa"
    # The compact body in its recorded key order is the 372 bytes the source names.
    assert len(reply.body or b"") == 372
    # On the wire: gzip, chunked, no content-length, as recorded.
    server.enqueue(reply)
    with (
        httpx2.Client() as client,
        client.stream(
            "POST", f"{server.base_url}/chat/completions", json={"model": "qwen-plus"}
        ) as raw,
    ):
        wire = b"".join(raw.iter_raw())
        assert raw.headers["content-encoding"] == "gzip"
        assert raw.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in raw.headers
        assert raw.headers["x-dashscope-timeout"] == "3600"
    assert gzip.decompress(wire) == reply.body
    server.enqueue(reply)
    message = _model(server, "qwen-plus").invoke("你好")
    assert message.content == _body_of(BODIES[0])["choices"][0]["message"]["content"]
    assert message.usage_metadata == {
        "input_tokens": 9,
        "output_tokens": 9,
        "total_tokens": 18,
        "input_token_details": {"cache_read": 0},
        "output_token_details": {},
    }


def test_missing_and_null_optional_keys_read_alike(server: DashScopeServer) -> None:
    # NOTES 1: `system_fingerprint` and `logprobs` absent (Jul 2026) or null
    # (older): both are read, and neither becomes a value the user sees.
    server.enqueue(load_recording(REAL2 / BODIES[0]))
    server.enqueue(load_recording(REAL2 / "qwen-plus-nonstream-curl.json"))
    model = _model(server, "qwen-plus")
    for message in (model.invoke("a"), model.invoke("b")):
        assert message.response_metadata.get("system_fingerprint") is None
        assert message.response_metadata.get("logprobs") is None
    raw = [json.loads((REAL2 / BODIES[1]).read_text())]
    assert "logprobs" in raw[0]["choices"][0]
    assert "logprobs" not in _body_of(BODIES[0])["choices"][0]


def _reorder(value: Any) -> Any:
    """The same JSON with the keys of every object in reverse order."""
    if isinstance(value, dict):
        return {k: _reorder(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reorder(v) for v in value]
    return value


@pytest.mark.usefixtures("omni_answers_unstreamed")
@pytest.mark.parametrize("name", BODIES)
def test_key_order_does_not_matter(server: DashScopeServer, name: str) -> None:
    # NOTES 2: DashScope's key order differs from OpenAI's and has changed
    # (alphabetical in Jul 2026, id last before); reversed, the answer reads alike.
    body = _body_of(name)
    expected = _expected(body)
    flipped = json.dumps(_reorder(body), ensure_ascii=False, separators=(",", ":"))
    assert next(iter(json.loads(flipped))) != next(iter(body))
    server.enqueue(Reply(body=flipped.encode()))
    asked = "qwen-plus" if name.startswith("aegis") else expected["model"]
    _assert_user_view(_model(server, asked).invoke("hello"), expected)


# --------------------------------------------------------------------------
# The thinking stream with a tool call
# --------------------------------------------------------------------------


def _expected_from_sse(text: str) -> dict[str, Any]:
    """The user view of a recorded SSE body, by an independent reading."""
    chunks = [
        json.loads(block.removeprefix("data: "))
        for block in text.split("\n\n")
        if block.startswith("data: {")
    ]
    content, reasoning, finish = "", "", None
    calls: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            delta = choice["delta"]
            content += delta.get("content") or ""
            reasoning += delta.get("reasoning_content") or ""
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call["index"], {"id": "", "name": "", "a": ""})
                slot["id"] = slot["id"] or call.get("id") or ""
                slot["name"] += call["function"].get("name") or ""
                slot["a"] += call["function"].get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    return {
        "content": content,
        "reasoning": reasoning or None,
        "tool_calls": [
            (c["id"], c["name"], json.loads(c["a"])) for c in calls.values()
        ],
        "model": chunks[0]["model"],
        "id": chunks[0]["id"],
        "finish_reason": finish,
        "usage": next((c["usage"] for c in chunks if c.get("usage")), None),
    }


@pytest.mark.parametrize("mode", MODES)
async def test_thinking_tool_call_stream_replays(
    server: DashScopeServer, mode: str
) -> None:
    text = (REAL2 / THINKING_STREAM).read_text(encoding="utf-8")
    expected = _expected_from_sse(text)
    assert expected["tool_calls"][0][0].startswith("call_")
    server.enqueue(load_recording(REAL2 / THINKING_STREAM))
    # invoke and ainvoke stream too, with streaming=True.
    extra = {"streaming": True} if mode.endswith("invoke") else {}
    model = _model(server, "qwen3.5-flash", **extra)
    message = await _call(model, mode)
    _assert_user_view(message, expected)
    assert message.content_blocks[0]["type"] == "reasoning"
    assert [b["type"] for b in message.content_blocks] == ["reasoning", "tool_call"]
    assert server.requests[-1].body["stream"] is True


def test_thinking_stream_is_sent_as_recorded(server: DashScopeServer) -> None:
    # The server frames each event as the recording holds it: the replay is
    # the recorded body, byte for byte.
    raw = (REAL2 / THINKING_STREAM).read_bytes()
    events, done = sse_events(raw.decode())
    assert done
    framed = "".join(f"data: {e}\n\n" for e in [*events, "[DONE]"]).encode()
    assert framed == raw
    assert len(events) == 34


def test_repeated_empty_tool_call_ids_keep_the_first(server: DashScopeServer) -> None:
    # NOTES 15 and 16: later deltas repeat `"id":""` (and no `name`), and a
    # trailing args-less delta comes without finish_reason: the chunks a user
    # sees keep one call, its first id, its whole arguments.
    server.enqueue(load_recording(REAL2 / THINKING_STREAM))
    chunks = list(_model(server, "qwen3.5-flash").stream("杭州天气"))
    with_calls = [c for c in chunks if c.tool_call_chunks]
    ids = [tc["id"] for c in with_calls for tc in c.tool_call_chunks]
    assert ids[0] == "call_b24c21aa4905423d813479e4"
    assert set(ids[1:]) <= {"", None}
    assert len(ids) > 2  # the repeated-id and trailing deltas did arrive
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total.tool_calls == [
        {
            "name": "get_current_weather",
            "args": {"location": "杭州市"},
            "id": "call_b24c21aa4905423d813479e4",
            "type": "tool_call",
        }
    ]
    finishes = [c.response_metadata.get("finish_reason") for c in chunks]
    assert [f for f in finishes if f] == ["tool_calls"]
    # The trailing delta: no arguments, no finish_reason, after the whole call.
    trailing = with_calls[-1]
    assert trailing.tool_call_chunks[0]["args"] == ""
    assert trailing.response_metadata.get("finish_reason") is None
    assert chunks.index(trailing) < len(chunks) - 1


def test_stream_chunk_key_order_and_optional_keys_do_not_matter(
    server: DashScopeServer,
) -> None:
    # NOTES 18 and 1: keys in chunks vary; with every chunk's keys reversed and
    # `system_fingerprint`/`logprobs` dropped, the stream reads alike.
    text = (REAL2 / THINKING_STREAM).read_text(encoding="utf-8")
    expected = _expected_from_sse(text)
    events, _ = sse_events(text)
    variant = []
    for event in events:
        chunk = json.loads(event)
        chunk.pop("system_fingerprint", None)
        for choice in chunk["choices"]:
            choice.pop("logprobs", None)
        variant.append(_reorder(chunk))
    assert all("system_fingerprint" not in c for c in variant)
    server.enqueue(sse_reply(variant))
    chunks = list(_model(server, "qwen3.5-flash").stream("hello"))
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    _assert_user_view(
        AIMessage(**total.model_dump(exclude={"type", "tool_call_chunks"})), expected
    )


# --------------------------------------------------------------------------
# Recorded usage objects, in an answer and in a stream's usage chunk
# --------------------------------------------------------------------------


def _answer_with_usage(raw_usage: str) -> Reply:
    """A completion around a recorded usage object, its bytes kept verbatim."""
    head = (
        '{"choices":[{"message":{"role":"assistant","content":"ok"},'
        '"finish_reason":"stop","index":0,"logprobs":null}],'
        '"object":"chat.completion","usage":'
    )
    tail = ',"created":1788000000,"model":"qwen3.8-max","id":"chatcmpl-usage-1"}'
    return Reply(body=(head + raw_usage + tail).encode())


def _stream_with_usage(raw_usage: str) -> Reply:
    common = '"created":1788000000,"model":"qwen3.8-max","id":"chatcmpl-usage-1"'
    return sse_reply(
        [
            '{"choices":[{"delta":{"content":"ok","role":"assistant"},'
            '"finish_reason":null,"index":0}],"object":"chat.completion.chunk",'
            f'"usage":null,{common}}}',
            '{"choices":[{"delta":{"content":""},"finish_reason":"stop","index":0}],'
            f'"object":"chat.completion.chunk","usage":null,{common}}}',
            f'{{"choices":[],"object":"chat.completion.chunk","usage":{raw_usage},'
            f"{common}}}",
        ]
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", USAGES)
async def test_recorded_usage_reaches_usage_metadata(
    server: DashScopeServer, name: str, mode: str
) -> None:
    # NOTES 8-10: explicit-cache fields live inside `prompt_tokens_details`;
    # text_tokens are not added to anything.
    raw = (REAL2 / name).read_text(encoding="utf-8").strip()
    usage = json.loads(raw)
    reply = (
        _stream_with_usage(raw) if mode.endswith("stream") else _answer_with_usage(raw)
    )
    server.enqueue(reply)
    message = await _call(_model(server, "qwen3.8-max"), mode)
    assert isinstance(message, AIMessage)
    assert message.content == "ok"
    _assert_usage(message, usage)
    details = message.usage_metadata["input_token_details"]  # type: ignore[index]
    if "cache_type" in usage["prompt_tokens_details"]:  # an explicit cache
        assert (
            details["cache_creation"]
            == (
                usage["prompt_tokens_details"]["cache_creation"][
                    "ephemeral_5m_input_tokens"
                ]
            )
        )
    else:  # implicit: a read only, nothing created
        assert "cache_creation" not in details
    assert details["cache_read"] == usage["prompt_tokens_details"]["cached_tokens"]
    assert (
        details["cache_read"] + details.get("cache_creation", 0)
        <= (
            message.usage_metadata["input_tokens"]  # type: ignore[index]
        )
    )


def test_every_real2_chat_recording_is_replayed_here() -> None:
    names = {p.name for p in REAL2.iterdir()} - {"SOURCE.md", "NOTES.md"}
    chat = {n for n in names if not n.startswith(("error-", "rerank-", "batch-"))}
    assert chat == {*BODIES, THINKING_STREAM, *USAGES}
    assert len(names) == 23
    assert Path(REAL2 / "SOURCE.md").exists()
