"""Reply builders: DashScope-shaped requests, replies, completions and chunks."""

from __future__ import annotations

import json
import logging
import math
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_log = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json"
SSE_CONTENT_TYPE = "text/event-stream;charset=UTF-8"  # verbatim from live traffic

# Nested `build` callables are resolved at most this deep, so that a builder
# returning itself fails loudly instead of looping forever.
_MAX_BUILD_DEPTH = 8


@dataclass
class RecordedRequest:
    """One HTTP request as the server received it.

    Attributes:
        method: The HTTP method, e.g. `"POST"`.
        path: The request target as sent, query string included.
        headers: The request headers with lower-cased names; repeated headers
            are joined with `", "`.
        body: The parsed JSON body, or `None` when it is empty or not JSON.
        raw: The body bytes exactly as received.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes


@dataclass
class Reply:
    """What the server sends for one request.

    Build replies with `json_reply`, `sse_reply`, `error_reply`,
    `text_completion` or `load_recording` rather than by hand.

    Attributes:
        status: The HTTP status code.
        headers: Extra response headers; they win over the server's defaults
            (`content-type` by kind, `x-request-id`, ...).
        body: The JSON body bytes, for a non-streaming reply.
        events: The SSE `data:` payloads, for a streaming reply (`None` otherwise).
        done: Whether a streaming reply ends with `data: [DONE]`.
        first_byte_delay: Seconds to wait before sending anything.
        chunk_delay: Seconds to wait between consecutive SSE events.
        drop_after: Close the socket abruptly after this many SSE events.
        request_id: The `x-request-id` to send; a fresh UUID when `None`.
        build: When set, the server calls it with the request and sends the
            reply it returns instead; this lets a reply adapt to the request
            (`stream`, `stream_options.include_usage`, `model`).
        event_names: The SSE `event:` name of each event (the Responses API
            names its events); `None` sends `data:` lines only, as Chat
            Completions does.
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    events: list[str] | None = None
    done: bool = True
    first_byte_delay: float = 0.0
    chunk_delay: float = 0.0
    drop_after: int | None = None
    request_id: str | None = None
    build: Callable[[RecordedRequest], Reply] | None = None
    event_names: list[str] | None = None

    @property
    def is_stream(self) -> bool:
        """Whether this reply is sent as Server-Sent Events."""
        return self.events is not None


# --------------------------------------------------------------------------
# Reply builders
# --------------------------------------------------------------------------


def _new_request_id() -> str:
    return str(uuid.uuid4())


def _dumps(obj: Any) -> str:
    # DashScope sends compact JSON with raw UTF-8, not \u escapes.
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _request_id_of(body: Any) -> str | None:
    """Recover the request id a DashScope body carries, if any."""
    if not isinstance(body, Mapping):
        return None
    body_id = body.get("id")
    if isinstance(body_id, str) and body_id.startswith("chatcmpl-"):
        return body_id.removeprefix("chatcmpl-")
    request_id = body.get("request_id")
    return request_id if isinstance(request_id, str) else None


def _lower_keys(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers or {}).items()}


def json_reply(
    body: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    delay: float = 0.0,
) -> Reply:
    """A JSON reply, serialised compactly in the dict's own key order.

    The `x-request-id` header is taken from the body (`id` = `"chatcmpl-<uuid>"`
    or `request_id`) so that header and body agree as they do on DashScope.

    Args:
        body: The JSON body.
        status: The HTTP status code.
        headers: Extra response headers.
        delay: Seconds to wait before sending the response.

    Returns:
        The reply.
    """
    return Reply(
        status=status,
        headers=_lower_keys(headers),
        body=_dumps(body).encode(),
        first_byte_delay=delay,
        request_id=_request_id_of(body),
    )


def sse_reply(
    chunks: Iterable[dict[str, Any] | str],
    *,
    done: bool = True,
    status: int = 200,
    chunk_delay: float = 0.0,
    first_byte_delay: float = 0.0,
    drop_after: int | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """A streaming reply: one `data: <payload>` event (and a blank line) per chunk.

    The body is sent with chunked transfer encoding, so a client can tell a
    complete stream from one cut short by `drop_after`.

    Args:
        chunks: Dicts are dumped as compact JSON; strings are sent verbatim as
            the data payload (use them for malformed lines).
        done: Append `data: [DONE]` after the chunks.
        status: The HTTP status code.
        chunk_delay: Seconds to wait between consecutive events.
        first_byte_delay: Seconds to wait before sending anything.
        drop_after: Close the connection abruptly after this many chunks:
            no `[DONE]` and no terminating zero-length chunk.
        headers: Extra response headers.

    Returns:
        The reply.
    """
    if drop_after is not None and drop_after < 0:
        msg = f"drop_after must be >= 0, got {drop_after}"
        raise ValueError(msg)
    items = list(chunks)
    request_ids = (_request_id_of(_parse_chunk(c)) for c in items)
    return Reply(
        status=status,
        headers=_lower_keys(headers),
        events=[c if isinstance(c, str) else _dumps(c) for c in items],
        done=done,
        first_byte_delay=first_byte_delay,
        chunk_delay=chunk_delay,
        drop_after=drop_after,
        request_id=next((rid for rid in request_ids if rid), None),
    )


def _parse_chunk(chunk: Mapping[str, Any] | str) -> Any:
    """A chunk as data; string chunks (recordings, malformed lines) are parsed."""
    if not isinstance(chunk, str):
        return chunk
    try:
        return json.loads(chunk)
    except ValueError:
        return None


def error_body(
    code: str,
    message: str,
    *,
    type: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The DashScope error envelope, as a dict.

    Append it to a list of chunks for `sse_reply` to simulate a mid-stream
    failure after some normal output (`done=False`, as DashScope sends no
    `[DONE]` after an error event).

    Args:
        code: The DashScope code, e.g. `"invalid_api_key"`.
        message: The human-readable message.
        type: The error type; defaults to `code`.
        request_id: When given, added as the top-level `request_id`.

    Returns:
        `{"error": {"message", "type", "param": None, "code"}}` plus
        `request_id` when given.
    """
    body: dict[str, Any] = {
        "error": {
            "message": message,
            "type": type if type is not None else code,
            "param": None,
            "code": code,
        }
    }
    if request_id is not None:
        body["request_id"] = request_id
    return body


def error_reply(
    status: int,
    code: str,
    message: str,
    *,
    type: str | None = None,
    in_stream: bool = False,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """A DashScope error, as an HTTP error or as an event inside a 200 stream.

    Args:
        status: The HTTP status code (ignored with `in_stream`: the stream has
            already started with 200 when DashScope reports the error).
        code: The DashScope code, e.g. `"limit_requests"`.
        message: The human-readable message.
        type: The error type; defaults to `code`.
        in_stream: Send a 200 SSE response whose only data line is the error
            object, without `[DONE]` (DashScope's mid-stream moderation shape).
        request_id: The request id for the body and the `x-request-id`
            header; a fresh UUID per response when `None`.
        headers: Extra response headers.

    Returns:
        The reply.
    """
    if in_stream:
        # The observed mid-stream event carries no request_id: only the header does.
        reply = sse_reply(
            [error_body(code, message, type=type)], done=False, headers=headers
        )
        reply.request_id = request_id
        return reply

    def build(_: RecordedRequest) -> Reply:
        rid = request_id or _new_request_id()
        body = error_body(code, message, type=type, request_id=rid)
        return json_reply(body, status=status, headers=headers)

    return Reply(status=status, request_id=request_id, build=build)


def load_recording(path: str | os.PathLike[str]) -> Reply:
    """Replay a recorded DashScope response byte for byte.

    Args:
        path: `NAME.json` (a raw non-streaming body, sent unchanged) or
            `NAME.chunks.txt` (one SSE data payload per line, without the
            `data: ` prefix and without `[DONE]`, which is appended).

    Returns:
        The reply. Recordings are replayed verbatim: a recorded usage chunk is
        sent even when the request did not ask for one.

    Raises:
        ValueError: The file name has neither suffix.
    """
    file = Path(path)
    if file.name.endswith(".chunks.txt"):
        lines = file.read_text(encoding="utf-8").splitlines()
        return sse_reply([line for line in lines if line.strip()], done=True)
    if file.suffix == ".json":
        raw = file.read_bytes()
        return Reply(
            body=raw,
            request_id=_request_id_of(json.loads(raw)),
        )
    msg = f"not a recording (expected NAME.json or NAME.chunks.txt): {file}"
    raise ValueError(msg)


# --------------------------------------------------------------------------
# DashScope-shaped completions
# --------------------------------------------------------------------------


def _estimate_tokens(text: str) -> int:
    # A deterministic stand-in for a tokenizer: about four characters a token.
    return math.ceil(len(text) / 4)


def _message_text(content: Any) -> str:
    """The text of an OpenAI message `content` (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    return ""


def _prompt_tokens(request: RecordedRequest) -> int:
    if not isinstance(request.body, Mapping):
        return 0
    messages = request.body.get("messages") or []
    return sum(
        _estimate_tokens(_message_text(m.get("content")))
        for m in messages
        if isinstance(m, Mapping)
    )


@dataclass(frozen=True)
class _ToolCall:
    id: str
    name: str
    arguments: str


def _normalise_tool_calls(tool_calls: list[dict[str, Any]] | None) -> list[_ToolCall]:
    """Accept OpenAI wire dicts or short `{"name", "args"|"arguments", "id"?}`."""
    calls: list[_ToolCall] = []
    for raw in tool_calls or []:
        function = raw.get("function") or {}
        name = raw.get("name", function.get("name"))
        if not isinstance(name, str):
            msg = f"tool call without a name: {raw!r}"
            raise ValueError(msg)
        args = raw.get("arguments", raw.get("args", function.get("arguments", "")))
        if not isinstance(args, str):
            # json.dumps' default separators give `{"location": "Paris"}`, the
            # spacing DashScope's own argument strings have.
            args = json.dumps(args, ensure_ascii=False)
        call_id = raw.get("id") or f"call_{uuid.uuid4().hex[:24]}"
        calls.append(_ToolCall(str(call_id), name, args))
    return calls


def _usage(
    override: Mapping[str, Any] | None,
    *,
    prompt_tokens: int,
    text: str,
    reasoning: str | None,
    calls: list[_ToolCall],
) -> dict[str, Any]:
    """DashScope's usage object, with `override` winning key by key."""
    reasoning_tokens = _estimate_tokens(reasoning or "")
    completion = (
        _estimate_tokens(text)
        + reasoning_tokens
        + sum(_estimate_tokens(c.name + c.arguments) for c in calls)
    )
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": 0,
    }
    # Only reasoning answers carry completion_tokens_details (recordings, 8.2).
    if reasoning is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    usage["prompt_tokens_details"] = {"cached_tokens": 0}
    usage.update(override or {})
    if not override or "total_tokens" not in override:
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return usage


def _chunks_of(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def completion_body(
    text: str,
    *,
    model: str = "qwen-plus",
    reasoning: str | None = None,
    usage: dict[str, Any] | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str | None = None,
    request_id: str | None = None,
    prompt_tokens: int = 0,
) -> dict[str, Any]:
    """A non-streaming DashScope body, keys in the order DashScope sends them.

    Args:
        text: The answer (`message.content`).
        model: The `model` field.
        reasoning: The thinking text (`message.reasoning_content`); also adds
            `usage.completion_tokens_details.reasoning_tokens`.
        usage: Usage fields that replace the estimated ones key by key.
        tool_calls: Tool calls, as OpenAI wire dicts or as
            `{"name", "args" | "arguments", "id"?}`.
        finish_reason: Defaults to `"tool_calls"` with tool calls, else `"stop"`.
        request_id: The id behind `"chatcmpl-<id>"`; a fresh UUID when `None`.
        prompt_tokens: `usage.prompt_tokens` when `usage` does not give it.

    Returns:
        The body.
    """
    calls = _normalise_tool_calls(tool_calls)
    message: dict[str, Any] = {"content": text}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    message["role"] = "assistant"
    if calls:
        message["tool_calls"] = [
            {
                "function": {"arguments": c.arguments, "name": c.name},
                "id": c.id,
                "index": i,
                "type": "function",
            }
            for i, c in enumerate(calls)
        ]
    return {
        "choices": [
            {
                "message": message,
                "finish_reason": finish_reason or ("tool_calls" if calls else "stop"),
                "index": 0,
                "logprobs": None,
            }
        ],
        "object": "chat.completion",
        "usage": _usage(
            usage,
            prompt_tokens=prompt_tokens,
            text=text,
            reasoning=reasoning,
            calls=calls,
        ),
        "created": int(time.time()),
        "system_fingerprint": None,
        "model": model,
        "id": f"chatcmpl-{request_id or _new_request_id()}",
    }


def completion_chunks(
    text: str,
    *,
    model: str = "qwen-plus",
    reasoning: str | None = None,
    chunk_size: int = 8,
    usage: dict[str, Any] | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str | None = None,
    include_usage: bool = True,
    request_id: str | None = None,
    prompt_tokens: int = 0,
) -> list[dict[str, Any]]:
    """The chunks of a DashScope stream, shaped and ordered like the recordings.

    The sequence: an opening chunk with `role` (`content: ""`, or with
    reasoning `content: null` and `reasoning_content: ""`); reasoning deltas
    (`content: null`); content deltas (`reasoning_content: null` when there
    was reasoning); for each tool call a delta with its full id and name and
    `arguments: ""`, then argument fragments with `id: ""`, then a delta with
    empty arguments; the `finish_reason` chunk (`delta: {"content": ""}`, or
    `delta: {}` after tool calls); and, with `include_usage`, a usage-only
    chunk with `choices: []`.

    Args:
        text: The answer, sent in `chunk_size`-character deltas.
        model: The `model` field.
        reasoning: The thinking text, streamed before the answer.
        chunk_size: Characters per content, reasoning or argument delta.
        usage: Usage fields that replace the estimated ones key by key.
        tool_calls: Tool calls, as for `completion_body`.
        finish_reason: Defaults to `"tool_calls"` with tool calls, else `"stop"`.
        include_usage: Append the usage-only chunk.
        request_id: The id behind `"chatcmpl-<id>"`; a fresh UUID when `None`.
        prompt_tokens: `usage.prompt_tokens` when `usage` does not give it.

    Returns:
        The chunks, as dicts.

    Raises:
        ValueError: `chunk_size` is below 1.
    """
    if chunk_size < 1:
        msg = f"chunk_size must be >= 1, got {chunk_size}"
        raise ValueError(msg)
    calls = _normalise_tool_calls(tool_calls)
    envelope_tail = {
        "created": int(time.time()),
        "system_fingerprint": None,
        "model": model,
        "id": f"chatcmpl-{request_id or _new_request_id()}",
    }
    choices: list[dict[str, Any]] = []

    def delta(d: dict[str, Any]) -> None:
        if len(choices) == 1:
            # The first delta after the opener comes in this odd key order in
            # both text and reasoning recordings; kept for byte-level fidelity.
            choices.append(
                {"finish_reason": None, "logprobs": None, "delta": d, "index": 0}
            )
        else:
            choices.append(
                {"delta": d, "finish_reason": None, "index": 0, "logprobs": None}
            )

    def opener(d: dict[str, Any]) -> None:
        choices.append(
            {"delta": d, "index": 0, "logprobs": None, "finish_reason": None}
        )

    if reasoning is not None:
        opener({"content": None, "role": "assistant", "reasoning_content": ""})
        for part in _chunks_of(reasoning, chunk_size):
            delta({"content": None, "reasoning_content": part})
    elif text or not calls:
        opener({"content": "", "role": "assistant"})
    for part in _chunks_of(text, chunk_size):
        d: dict[str, Any] = {"content": part}
        if reasoning is not None:
            d["reasoning_content"] = None
        delta(d)
    for i, call in enumerate(calls):
        head: dict[str, Any] = {
            "content": None,
            "tool_calls": [
                {
                    "index": i,
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": ""},
                }
            ],
        }
        if not choices:
            # A tool-call-only answer has no opener: role rides on the first call.
            head["role"] = "assistant"
        choices.append(
            {"delta": head, "finish_reason": None, "index": 0, "logprobs": None}
        )
        for part in _chunks_of(call.arguments, chunk_size):
            choices.append(
                {
                    "delta": {
                        "content": None,
                        "tool_calls": [
                            {
                                "index": i,
                                "id": "",
                                "type": "function",
                                "function": {"arguments": part},
                            }
                        ],
                    },
                    "finish_reason": None,
                    "index": 0,
                    "logprobs": None,
                }
            )
        # qwen3-max sends one more delta with empty arguments and no
        # finish_reason/logprobs keys at all (recording alibaba-tool-call).
        choices.append(
            {
                "delta": {
                    "tool_calls": [
                        {
                            "function": {"arguments": ""},
                            "index": i,
                            "id": "",
                            "type": "function",
                        }
                    ]
                },
                "index": 0,
            }
        )
    final_delta: dict[str, Any] = {}
    if not calls:
        final_delta["content"] = ""
        if reasoning is not None:
            final_delta["reasoning_content"] = None
    choices.append(
        {
            "finish_reason": finish_reason or ("tool_calls" if calls else "stop"),
            "delta": final_delta,
            "index": 0,
            "logprobs": None,
        }
    )
    chunks: list[dict[str, Any]] = [
        {
            "choices": [choice],
            "object": "chat.completion.chunk",
            "usage": None,
            **envelope_tail,
        }
        for choice in choices
    ]
    if include_usage:
        chunks.append(
            {
                "choices": [],
                "object": "chat.completion.chunk",
                "usage": _usage(
                    usage,
                    prompt_tokens=prompt_tokens,
                    text=text,
                    reasoning=reasoning,
                    calls=calls,
                ),
                **envelope_tail,
            }
        )
    return chunks


def _wants_stream(request: RecordedRequest) -> bool:
    return isinstance(request.body, Mapping) and request.body.get("stream") is True


def _wants_usage(request: RecordedRequest) -> bool:
    if not isinstance(request.body, Mapping):
        return False
    options = request.body.get("stream_options")
    return isinstance(options, Mapping) and options.get("include_usage") is True


def text_completion(
    text: str,
    *,
    model: str = "qwen-plus",
    reasoning: str | None = None,
    stream: bool | None = None,
    chunk_size: int = 8,
    usage: dict[str, Any] | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str | None = None,
    delay: float = 0.0,
) -> Reply:
    """A DashScope answer that adapts to the request it answers.

    Each response gets a fresh request id (header and body agree) and a usage
    estimate from the request's messages. A stream ends with a usage-only chunk
    only when the request set `stream_options.include_usage`, as on DashScope.

    Args:
        text: The answer.
        model: The `model` field.
        reasoning: The thinking text (`reasoning_content`).
        stream: `True` for SSE, `False` for JSON, `None` to follow the
            request's `stream` field.
        chunk_size: Characters per streamed delta.
        usage: Usage fields that replace the estimated ones key by key.
        tool_calls: Tool calls, as OpenAI wire dicts or as
            `{"name", "args" | "arguments", "id"?}`.
        finish_reason: Defaults to `"tool_calls"` with tool calls, else `"stop"`.
        delay: Seconds to wait before sending the response.

    Returns:
        The reply.
    """
    if chunk_size < 1:
        msg = f"chunk_size must be >= 1, got {chunk_size}"
        raise ValueError(msg)
    # Normalise now so a bad tool call fails in the test, not in a server thread.
    _normalise_tool_calls(tool_calls)

    def build(request: RecordedRequest) -> Reply:
        request_id = _new_request_id()
        common: dict[str, Any] = {
            "model": model,
            "reasoning": reasoning,
            "usage": usage,
            "tool_calls": tool_calls,
            "finish_reason": finish_reason,
            "request_id": request_id,
            "prompt_tokens": _prompt_tokens(request),
        }
        if stream if stream is not None else _wants_stream(request):
            chunks = completion_chunks(
                text,
                chunk_size=chunk_size,
                include_usage=_wants_usage(request),
                **common,
            )
            return sse_reply(chunks, first_byte_delay=delay)
        return json_reply(completion_body(text, **common), delay=delay)

    return Reply(build=build)
