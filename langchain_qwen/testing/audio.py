"""Spoken answers of Omni models: streamed `delta.audio`, as DashScope's docs show it.

No live capture of an audio stream exists in the project's recordings; the
shape follows Alibaba's Omni page (2026-09-18) and its sample output: the
spoken text in `delta.audio.transcript` deltas, then base64 16-bit PCM in
`delta.audio.data` deltas that also carry the audio's `id` and `expires_at`,
the finish chunk, and a usage chunk with `completion_tokens_details.
{audio_tokens, text_tokens}`. A non-streamed request for audio gets
DashScope's 400 ("'audio' output only support with stream=true").
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping
from typing import Any

from langchain_qwen.testing._replies import (
    RecordedRequest,
    Reply,
    error_reply,
    sse_reply,
)


def _pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def audio_chunks(
    transcript: str,
    pcm: bytes,
    *,
    model: str = "qwen3.5-omni-plus",
    chunk_size: int = 8,
    audio_bytes: int = 4800,
    audio_id: str | None = None,
    expires_at: int | None = None,
    include_usage: bool = True,
    usage: Mapping[str, Any] | None = None,
    request_id: str | None = None,
) -> list[dict[str, Any]]:
    """The chunks of a spoken answer.

    Args:
        transcript: The spoken text, in `chunk_size`-character deltas.
        pcm: The audio bytes (16-bit PCM), base64-encoded `audio_bytes` at a
            time; a size that is not a multiple of 3 gives padded pieces.
        model: The `model` field.
        chunk_size: Characters per transcript delta.
        audio_bytes: Bytes of audio per data delta.
        audio_id: The audio's `id`; `"audio_<uuid>"` when `None`.
        expires_at: The audio's `expires_at`; an hour from now when `None`.
        include_usage: Append the usage-only chunk.
        usage: Usage fields that replace the estimated ones key by key.
        request_id: The id behind `"chatcmpl-<id>"`; a fresh UUID when `None`.

    Returns:
        The chunks, as dicts.

    Raises:
        ValueError: `chunk_size` or `audio_bytes` is below 1.
    """
    if chunk_size < 1 or audio_bytes < 1:
        msg = (
            f"chunk_size and audio_bytes must be >= 1, got {chunk_size}, {audio_bytes}"
        )
        raise ValueError(msg)
    tail: dict[str, Any] = {
        "created": int(time.time()),
        "system_fingerprint": None,
        "model": model,
        "id": f"chatcmpl-{request_id or uuid.uuid4()}",
    }
    audio_meta = {
        "expires_at": expires_at if expires_at is not None else int(time.time()) + 3600,
        "id": audio_id or f"audio_{uuid.uuid4()}",
    }
    deltas: list[dict[str, Any]] = []
    parts = [
        transcript[i : i + chunk_size] for i in range(0, len(transcript), chunk_size)
    ]
    for n, part in enumerate(parts):
        delta: dict[str, Any] = {"audio": {"transcript": part}}
        if n == 0:
            delta = {"content": None, "role": "assistant", **delta}
        deltas.append(delta)
    for piece in _pieces(pcm, audio_bytes):
        data = base64.b64encode(piece).decode("ascii")
        deltas.append({"audio": {"data": data, **audio_meta}})
    choices: list[dict[str, Any]] = [
        {"delta": d, "finish_reason": None, "index": 0, "logprobs": None}
        for d in deltas
    ]
    choices.append(
        {
            "delta": {"content": ""},
            "finish_reason": "stop",
            "index": 0,
            "logprobs": None,
        }
    )
    chunks = [
        {"choices": [c], "object": "chat.completion.chunk", "usage": None, **tail}
        for c in choices
    ]
    if include_usage:
        text_tokens = max(1, len(transcript) // 4)
        audio_tokens = max(1, len(pcm) // 1920)  # 25 tokens a second at 24 kHz
        counted: dict[str, Any] = {
            "prompt_tokens": 12,
            "completion_tokens": text_tokens + audio_tokens,
            "total_tokens": 12 + text_tokens + audio_tokens,
            "completion_tokens_details": {
                "audio_tokens": audio_tokens,
                "text_tokens": text_tokens,
            },
            "prompt_tokens_details": {"text_tokens": 12},
        }
        counted.update(usage or {})
        chunks.append(
            {"choices": [], "object": "chat.completion.chunk", "usage": counted, **tail}
        )
    return chunks


def audio_completion(
    transcript: str,
    pcm: bytes,
    *,
    model: str = "qwen3.5-omni-plus",
    chunk_size: int = 8,
    audio_bytes: int = 4800,
    audio_id: str | None = None,
    expires_at: int | None = None,
    usage: Mapping[str, Any] | None = None,
) -> Reply:
    """A spoken answer that adapts to the request, as DashScope's Omni models do.

    Args:
        transcript: The spoken text.
        pcm: The audio bytes (16-bit PCM).
        model: The `model` field.
        chunk_size: Characters per transcript delta.
        audio_bytes: Bytes of audio per data delta.
        audio_id: The audio's `id`; `"audio_<uuid>"` when `None`.
        expires_at: The audio's `expires_at`; an hour from now when `None`.
        usage: Usage fields that replace the estimated ones key by key.

    Returns:
        The reply: a stream for a streamed request (usage chunk only when
        `stream_options.include_usage` is set), DashScope's 400 otherwise.
    """
    refused = error_reply(
        400,
        "invalid_parameter_error",
        "<400> InternalError.Algo.InvalidParameter: 'audio' output only support "
        "with stream=true",
        type="invalid_request_error",
    )

    def build(request: RecordedRequest) -> Reply:
        body = request.body if isinstance(request.body, Mapping) else {}
        if body.get("stream") is not True:
            assert refused.build is not None
            return refused.build(request)
        options = body.get("stream_options")
        chunks = audio_chunks(
            transcript,
            pcm,
            model=model,
            chunk_size=chunk_size,
            audio_bytes=audio_bytes,
            audio_id=audio_id,
            expires_at=expires_at,
            include_usage=isinstance(options, Mapping)
            and options.get("include_usage") is True,
            usage=usage,
        )
        return sse_reply(chunks)

    return Reply(build=build)


__all__ = ["audio_chunks", "audio_completion"]
