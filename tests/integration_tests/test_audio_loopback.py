"""Omni speech output over real HTTP: invoke, ainvoke, stream and astream.

No live capture of a spoken stream exists in the project's recordings: the
shape (`delta.audio.transcript`, then `delta.audio.data` with `id` and
`expires_at`, usage with `completion_tokens_details.audio_tokens`) rests on
Alibaba's Omni page (2026-09-18). The loopback server refuses a non-streamed
request for audio with DashScope's 400, so `invoke` passes only if it streams.
"""

from __future__ import annotations

import asyncio
import base64
import warnings
import wave
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer, audio_completion

TRANSCRIPT = "Hello! The weather in Hangzhou is sunny today."
# 0.2 s of a 16-bit ramp at 24 kHz: every byte position differs, so a lost,
# doubled or reordered piece changes the bytes.
PCM = b"".join((i % 65536).to_bytes(2, "little") for i in range(4800))
AUDIO_ID = "audio_a68eca3b-c67e-4666-a72f-73c0b4919860"
EXPIRES = 1767225600
SPEAK = {"modalities": ["text", "audio"], "audio": {"voice": "Tina", "format": "wav"}}


def _chat(server: DashScopeServer, **kwargs: Any) -> ChatQwen:
    return ChatQwen(
        base_url=server.base_url,
        api_key="sk-loop",
        model="qwen3.5-omni-plus",
        max_retries=0,
        **kwargs,
    )


def _reply(audio_bytes: int = 4800) -> Any:
    return audio_completion(
        TRANSCRIPT,
        PCM,
        audio_bytes=audio_bytes,
        audio_id=AUDIO_ID,
        expires_at=EXPIRES,
    )


def _check_audio(message: Any) -> None:
    audio = message.additional_kwargs["audio"]
    assert set(audio) == {"id", "data", "expires_at", "transcript"}
    assert audio["id"] == AUDIO_ID
    assert audio["expires_at"] == EXPIRES
    assert audio["transcript"] == TRANSCRIPT
    assert base64.b64decode(audio["data"]) == PCM
    assert message.content == TRANSCRIPT
    assert message.text == TRANSCRIPT
    usage = message.usage_metadata
    assert usage["output_token_details"]["audio"] == 5  # 9,600 bytes at 25/s
    assert usage["output_tokens"] == 5 + len(TRANSCRIPT) // 4


def _check_request(server: DashScopeServer) -> None:
    body = server.requests[-1].body
    assert body["modalities"] == ["text", "audio"]
    assert body["audio"] == {"voice": "Tina", "format": "wav"}
    assert body["stream"] is True
    assert "extra_body" not in body


def test_no_warning_on_construction() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chat = ChatQwen(api_key="sk-loop", model="qwen3.5-omni-plus", **SPEAK)
    assert chat.modalities == ["text", "audio"]
    assert chat.audio == {"voice": "Tina", "format": "wav"}
    assert chat.model_kwargs == {}


# 4800 bytes a piece joins as strings; 4000 (not a multiple of 3) pads each
# piece, which a string join would cut short at the first padding.
@pytest.mark.parametrize("audio_bytes", [4800, 4000])
@pytest.mark.parametrize("typed", [False, True], ids=["lean", "sdk"])
def test_invoke_streams_under_the_hood_and_joins_the_audio(
    audio_bytes: int, typed: bool
) -> None:
    with DashScopeServer() as server:
        server.enqueue(_reply(audio_bytes))
        chat = _chat(server, **SPEAK)
        chat._typed_path = typed
        message = chat.invoke("What's the weather?")
        _check_audio(message)
        _check_request(server)
        assert message.response_metadata["finish_reason"] == "stop"


def test_invoke_with_per_call_fields() -> None:
    with DashScopeServer() as server:
        server.enqueue(_reply())
        message = _chat(server).invoke("What's the weather?", **SPEAK)
        _check_audio(message)
        _check_request(server)


def test_ainvoke_joins_the_audio() -> None:
    async def run() -> Any:
        with DashScopeServer() as server:
            server.enqueue(_reply(4000))
            message = await _chat(server).bind(**SPEAK).ainvoke("Weather?")
            _check_request(server)
            return message

    _check_audio(asyncio.run(run()))


@pytest.mark.parametrize("typed", [False, True], ids=["lean", "sdk"])
def test_stream_gives_transcript_text_and_audio_pieces(typed: bool) -> None:
    with DashScopeServer() as server:
        server.enqueue(_reply())
        chat = _chat(server, **SPEAK)
        chat._typed_path = typed
        chunks = list(chat.stream("What's the weather?"))
        _check_request(server)
    assert "".join(c.text for c in chunks) == TRANSCRIPT
    pieces = [
        c.additional_kwargs["audio"]["data"]
        for c in chunks
        if "data" in c.additional_kwargs.get("audio", {})
    ]
    assert len(pieces) == 2
    assert b"".join(base64.b64decode(p) for p in pieces) == PCM
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    _check_audio(total)


def test_astream_gives_the_audio() -> None:
    async def run() -> Any:
        with DashScopeServer() as server:
            server.enqueue(_reply())
            total = None
            async for chunk in _chat(server, **SPEAK).astream("Weather?"):
                total = chunk if total is None else total + chunk
            return total

    _check_audio(asyncio.run(run()))


def test_the_documented_wav_one_liner(tmp_path: Path) -> None:
    with DashScopeServer() as server:
        server.enqueue(_reply(4000))
        msg = _chat(server, **SPEAK).invoke("What's the weather?")
    path = str(tmp_path / "answer.wav")
    # The line in docs/audio-output.md, as written there.
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(24000)
        f.writeframes(base64.b64decode(msg.additional_kwargs["audio"]["data"]))
    with wave.open(path, "rb") as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate()) == (1, 2, 24000)
        assert f.readframes(f.getnframes()) == PCM


def test_a_spoken_reply_goes_back_as_text_without_openais_audio_reference() -> None:
    with DashScopeServer() as server:
        server.enqueue(_reply())
        server.enqueue(_reply())
        chat = _chat(server, **SPEAK)
        first = chat.invoke("What's the weather?")
        chat.invoke(
            [HumanMessage("What's the weather?"), first, HumanMessage("And tomorrow?")]
        )
        sent = server.requests[-1].body["messages"][1]
    assert sent == {"role": "assistant", "content": TRANSCRIPT}


def test_text_only_omni_request_is_sent_unchanged() -> None:
    with DashScopeServer() as server:
        server.enqueue(_reply())
        chat = _chat(server, modalities=["text"])
        chat.invoke("Hi")
        body = server.requests[-1].body
    assert body["modalities"] == ["text"]
    assert "audio" not in body
