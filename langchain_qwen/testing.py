"""A loopback server that answers like DashScope, for tests without a key.

`DashScopeServer` listens on 127.0.0.1 and serves replies shaped exactly like
DashScope's OpenAI-compatible Chat Completions endpoint: the same JSON key order,
the same SSE framing, the same headers (`x-request-id`, with the body's `id` being
`"chatcmpl-" + x-request-id`) and the same error envelope. Point any OpenAI-style
client at `server.base_url`::

    from langchain_qwen import ChatQwen
    from langchain_qwen.testing import DashScopeServer, text_completion

    with DashScopeServer() as server:
        server.enqueue(text_completion("Hello!", reasoning="The user greets me."))
        model = ChatQwen(base_url=server.base_url, api_key="sk-test")
        assert model.invoke("hi").content == "Hello!"
        assert server.requests[0].headers["authorization"] == "Bearer sk-test"

Replies are served first from the FIFO queue (`enqueue`), then from `handler`, and
with neither, by `echo_handler`, which echoes the last user message. Build replies
with `text_completion`, `json_reply`, `sse_reply`, `error_reply` and
`load_recording`; faults (delays, malformed lines, mid-stream errors, dropped
connections) are options of those helpers.

To test chains and agents without scripting every reply, serve with
`handler=scripted_handler`: it answers each request as a model following it to
the letter (a forced tool gets a call with arguments valid for its schema, a
`json_schema` response format gets matching JSON, `stop` cuts the answer) and
otherwise echoes::

    with DashScopeServer(handler=scripted_handler) as server:
        model = ChatQwen(base_url=server.base_url, api_key="sk-test")
        extract = model.with_structured_output(Person, method="json_schema")
        extract.invoke("Ada, 36")  # Person(name="Ada, 36", age=36)

Only the standard library is used, so the module costs nothing at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import socket
import socketserver
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from langchain_qwen._schema_example import schema_example

__all__ = [
    "CHAT_PATHS",
    "DashScopeServer",
    "RecordedRequest",
    "Reply",
    "completion_body",
    "completion_chunks",
    "echo_handler",
    "error_body",
    "error_reply",
    "json_reply",
    "load_recording",
    "schema_example",
    "scripted_handler",
    "sse_reply",
    "text_completion",
]

_log = logging.getLogger(__name__)

CHAT_PATHS: tuple[str, ...] = (
    "/compatible-mode/v1/chat/completions",
    "/v1/chat/completions",
)
"""Paths that answer chat completions: DashScope's, and a self-hosted-style one."""

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


_ECHO_LIMIT = 200


def _body_of(request: RecordedRequest) -> Mapping[str, Any]:
    return request.body if isinstance(request.body, Mapping) else {}


def _model_of(body: Mapping[str, Any]) -> str:
    model = body.get("model")
    return model if isinstance(model, str) else "qwen-plus"


def _messages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [m for m in body.get("messages") or [] if isinstance(m, Mapping)]


def _last_user_text(messages: list[Mapping[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return _message_text(message.get("content"))[:_ECHO_LIMIT]
    return ""


def echo_handler(request: RecordedRequest) -> Reply:
    """The default handler: echo the last user message, like DashScope would answer.

    The answer streams or not per the request's `stream`, ends with a usage
    chunk iff `stream_options.include_usage`, and names the request's model.

    Args:
        request: The request to answer.

    Returns:
        The reply.
    """
    body = _body_of(request)
    return text_completion(_last_user_text(_messages(body)), model=_model_of(body))


# --------------------------------------------------------------------------
# A scripted model: deterministic answers from the request alone
# --------------------------------------------------------------------------

# DashScope's own wording for the two checks `scripted_handler` mirrors
# (API_FACTS 3: the json_object keyword rule; thinking mode and JSON output).
_NEEDS_JSON_WORD = (
    "'messages' must contain the word 'json' in some form, to use "
    "'response_format' of type 'json_object'."
)
_NO_JSON_WHILE_THINKING = (
    "Json mode response is not supported when enable_thinking is true"
)


def _function_tools(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        t["function"]
        for t in body.get("tools") or []
        if isinstance(t, Mapping)
        and t.get("type") == "function"
        and isinstance(t.get("function"), Mapping)
    ]


def _forced_tool(
    body: Mapping[str, Any], tools: list[Mapping[str, Any]]
) -> Mapping[str, Any] | str | None:
    """The tool a request forces, an error message, or `None` if none is forced.

    `{"type": "function", "function": {"name": N}}` forces `N`; `"required"`
    forces a call, and the script picks the first tool listed.
    """
    choice = body.get("tool_choice")
    if choice == "required":
        return tools[0] if tools else "tool_choice 'required' needs at least one tool"
    if isinstance(choice, Mapping):
        name = (choice.get("function") or {}).get("name")
        for tool in tools:
            if tool.get("name") == name:
                return tool
        listed = [t.get("name") for t in tools]
        return (
            f"tool_choice names the function {name!r}, which is not in tools {listed}"
        )
    return None


def _response_schema(body: Mapping[str, Any]) -> tuple[str, Any] | None:
    """`("json_schema", schema)` or `("json_object", None)` per `response_format`."""
    fmt = body.get("response_format")
    if not isinstance(fmt, Mapping):
        return None
    if fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema")
        return "json_schema", (
            spec.get("schema") if isinstance(spec, Mapping) else None
        )
    if fmt.get("type") == "json_object":
        return "json_object", None
    return None


def _tool_results_text(messages: list[Mapping[str, Any]]) -> str | None:
    """What to answer after tool results: `None` unless the last message is one."""
    results: list[str] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.append(_message_text(message.get("content")))
    if not results:
        return None
    return "Tool results: " + "; ".join(reversed(results))


def _apply_limits(text: str, body: Mapping[str, Any]) -> tuple[str, str | None]:
    """Honour `stop` and `max_tokens`: the text and the finish reason they imply."""
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    cuts = [i for s in stops if isinstance(s, str) and s and (i := text.find(s)) >= 0]
    finish: str | None = None
    if cuts:
        text = text[: min(cuts)]
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    if isinstance(limit, int) and limit > 0 and _estimate_tokens(text) > limit:
        # About four characters a token, as in the usage estimate.
        text, finish = text[: limit * 4], "length"
    return text, finish


def _invalid(message: str) -> Reply:
    return error_reply(
        400, "invalid_parameter_error", message, type="invalid_request_error"
    )


def scripted_handler(request: RecordedRequest) -> Reply:
    """Answer any request deterministically, as a model following it to the letter.

    A stand-in for a model in tests that exercise the request and response
    plumbing (the standard LangChain suite, a user's chains and agents):

    - a forced tool (`tool_choice` naming a function, or `"required"`, which
      picks the first tool) gets a tool call whose arguments come from the
      tool's JSON schema (`schema_example`, strings filled with the last user
      message), even after tool results, as DashScope keeps calling a forced
      tool;
    - otherwise, after tool results, a text answer quoting them;
    - a `json_schema` response format gets JSON content matching the schema;
      `json_object` gets `{"answer": <last user message>}`;
    - otherwise the last user message is echoed (as by `echo_handler`);
    - `enable_thinking: true` adds reasoning; `stop` and `max_tokens` cut a
      text answer (finish reasons `"stop"` and `"length"`); usage comes with
      every answer (in a stream, when `stream_options.include_usage` asks).

    Like DashScope, it answers 400 to `json_object` without the word "json" in
    the messages and to a JSON response format with thinking on. It never
    calls a tool unless the request forces one: choosing a tool is judgement.

    Args:
        request: The request to answer.

    Returns:
        The reply, streamed or not as the request asks, naming its model.
    """
    body = _body_of(request)
    messages = _messages(body)
    tools = _function_tools(body)
    forced = _forced_tool(body, tools)
    if isinstance(forced, str):
        return _invalid(forced)
    response = _response_schema(body)
    thinking = body.get("enable_thinking") is True
    if response is not None:
        if thinking:
            return _invalid(_NO_JSON_WHILE_THINKING)
        words = " ".join(_message_text(m.get("content")) for m in messages)
        if response[0] == "json_object" and "json" not in words.lower():
            return _invalid(_NEEDS_JSON_WORD)

    user_text = _last_user_text(messages)
    results = _tool_results_text(messages)
    tool_calls: list[dict[str, Any]] | None = None
    finish: str | None = None
    if forced is not None:
        parameters = forced.get("parameters") or {"type": "object", "properties": {}}
        args = schema_example(parameters, text=user_text)
        tool_calls = [{"name": forced.get("name"), "args": args}]
        text = ""
    elif response is not None and results is None:
        kind, schema = response
        value = (
            schema_example(schema, text=user_text)
            if kind == "json_schema" and schema is not None
            else {"answer": user_text}
        )
        # Not cut by stop or max_tokens: its length is the script's, not a
        # model's, and a cut would only break the JSON.
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = results or user_text
        text, finish = _apply_limits(text, body)
    reasoning = f"The request asks me to answer: {user_text}" if thinking else None
    return text_completion(
        text,
        model=_model_of(body),
        reasoning=reasoning,
        tool_calls=tool_calls,
        finish_reason=finish,
    )


# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    # Daemon threads, and no join on close: a handler stuck on a slow client
    # must never keep a test (or the interpreter) alive.
    daemon_threads = True
    block_on_close = False
    # The listen backlog: 100+ clients connecting at once must not be refused.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], owner: DashScopeServer) -> None:
        self.owner = owner
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup
        # that can stall for seconds on a machine without DNS; skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-response are normal in fault tests; no traceback.
        _log.debug("connection from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive + chunked, as the SDKs expect
    server_version = "istio-envoy"  # the `server` header DashScope sends
    sys_version = ""

    @property
    def _owner(self) -> DashScopeServer:
        return cast("_HTTPServer", self.server).owner

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; with Nagle's algorithm
        # the second waits for the client's delayed ACK (~40 ms a response).
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self._owner._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s - " + format, self.address_string(), *args)

    # Every method goes through one dispatcher, which rejects all but POST in
    # DashScope's error format (the stdlib default would be a bare HTML 501).
    def do_POST(self) -> None:
        """Dispatch a POST."""
        self._dispatch()

    def do_GET(self) -> None:
        """Dispatch a GET."""
        self._dispatch()

    def do_PUT(self) -> None:
        """Dispatch a PUT."""
        self._dispatch()

    def do_PATCH(self) -> None:
        """Dispatch a PATCH."""
        self._dispatch()

    def do_DELETE(self) -> None:
        """Dispatch a DELETE."""
        self._dispatch()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # Trailers (usually none) end with an empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        arrived = time.time()
        raw = self._read_body()
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        try:
            body = json.loads(raw) if raw else None
            body_ok = raw == b"" or isinstance(body, dict)
        except ValueError:
            body, body_ok = None, False
        request = RecordedRequest(self.command, self.path, headers, body, raw)
        owner = self._owner
        owner._record(request)

        route = self.path.split("?", 1)[0]
        if route not in CHAT_PATHS:
            reply = error_reply(
                404,
                "NotFound",
                f"The requested path {route} was not found.",
                type="invalid_request_error",
            )
        elif self.command != "POST":
            reply = error_reply(
                405,
                "MethodNotAllowed",
                f"Method {self.command} is not allowed; use POST.",
                type="invalid_request_error",
            )
        elif not body_ok:
            # The message DashScope gives for a body it cannot parse (facts 6.2).
            reply = error_reply(
                400,
                "invalid_parameter_error",
                "Required body invalid, please check the request body format.",
                type="invalid_request_error",
            )
        else:
            try:
                reply = _resolve(owner._next_reply(request), request)
            except Exception as exc:
                owner.errors.append(exc)
                _log.exception("DashScopeServer handler failed")
                reply = error_reply(
                    500,
                    "internal_error",
                    f"DashScopeServer handler failed: {exc!r}",
                    type="internal_error",
                )
        reply = _resolve(reply, request)
        try:
            self._send(reply, arrived)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            # The client went away (e.g. it stopped reading a stream): fine.
            self.close_connection = True

    def _send(self, reply: Reply, arrived: float) -> None:
        if not self._pause(reply.first_byte_delay):
            return
        started = time.time()
        headers = {
            "content-type": SSE_CONTENT_TYPE if reply.is_stream else JSON_CONTENT_TYPE,
            "x-request-id": reply.request_id or _new_request_id(),
            "x-dashscope-call-gateway": "true",
            "req-arrive-time": str(int(arrived * 1000)),
            "resp-start-time": str(int(started * 1000)),
            "req-cost-time": str(int((started - arrived) * 1000)),
            **_lower_keys(reply.headers),
        }
        self.send_response(reply.status)
        if reply.events is None:
            payload = reply.body or b""
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        for name, value in headers.items():
            self.send_header(name, value)
        # Chunked framing, so a cut stream is a protocol error for the client
        # rather than an indistinguishable clean end-of-body.
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        if not reply.chunk_delay and reply.drop_after is None:
            # Nothing to pace or cut: one write, so that the server's own cost
            # stays small beside the client's (benchmarks stream 1,000 chunks).
            framed = [_framed(f"data: {event}\n\n".encode()) for event in reply.events]
            if reply.done:
                framed.append(_framed(b"data: [DONE]\n\n"))
            self.wfile.write(b"".join(framed) + b"0\r\n\r\n")
            return
        for i, event in enumerate(reply.events):
            if reply.drop_after is not None and i >= reply.drop_after:
                self._abort()
                return
            if i and not self._pause(reply.chunk_delay):
                return
            self._write_chunk(f"data: {event}\n\n".encode())
        if reply.drop_after is not None:
            self._abort()
            return
        if reply.done:
            if reply.events and not self._pause(reply.chunk_delay):
                return
            self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(_framed(data))
        self.wfile.flush()

    def _pause(self, seconds: float) -> bool:
        """Sleep unless the server stops first; abort the connection if it does."""
        if seconds > 0 and self._owner._stopping.wait(seconds):
            self._abort()
            return False
        return True

    def _abort(self) -> None:
        """Cut the connection now: no more bytes, no clean end of the body."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)


def _framed(data: bytes) -> bytes:
    """One chunk of HTTP/1.1 chunked transfer encoding."""
    return b"%X\r\n%s\r\n" % (len(data), data)


def _resolve(reply: Reply, request: RecordedRequest) -> Reply:
    for _ in range(_MAX_BUILD_DEPTH):
        if reply.build is None:
            return reply
        reply = reply.build(request)
    msg = f"Reply.build nested deeper than {_MAX_BUILD_DEPTH} levels"
    raise RuntimeError(msg)


class DashScopeServer:
    """A threaded HTTP server on loopback that answers like DashScope.

    Use it as a (sync or async) context manager, or call `start` and `stop`.
    Starting and stopping take milliseconds, so both are safe inside an event
    loop. Every connection gets its own daemon thread, so delays on one
    connection never hold up another, and `stop` cuts open connections so that
    no client waits on a stopped server.

    Attributes:
        requests: Every request received, in arrival order.
        errors: Exceptions raised by `handler` (each also answered with a 500).
    """

    def __init__(
        self,
        replies: Iterable[Reply] = (),
        *,
        handler: Callable[[RecordedRequest], Reply] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        record: bool = True,
    ) -> None:
        """Prepare the server; nothing listens until `start`.

        Args:
            replies: Replies to serve first, in order.
            handler: Answers requests once the queue is empty; defaults to
                `echo_handler`. Called from server threads, possibly
                concurrently.
            host: The address to bind; keep the loopback default in tests.
            port: The port; 0 picks a free one.
            record: Keep every request in `requests`. Turn it off for long
                runs (benchmarks), where the list would only grow.
        """
        self._record_requests = record
        self.requests: list[RecordedRequest] = []
        self.errors: list[BaseException] = []
        self._queue: deque[Reply] = deque(replies)
        self._handler = handler or echo_handler
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        # Kept after stop, so URLs stay printable in failure messages.
        self._bound_port: int | None = None
        self._thread: threading.Thread | None = None

    # -- public API ---------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (still known after `stop`).

        Raises:
            RuntimeError: The server has not been started.
        """
        if self._bound_port is None:
            msg = "DashScopeServer is not started"
            raise RuntimeError(msg)
        return self._bound_port

    @property
    def url(self) -> str:
        """The server root, e.g. `http://127.0.0.1:PORT`."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, `http://127.0.0.1:PORT/compatible-mode/v1`."""
        return f"{self.url}/compatible-mode/v1"

    @property
    def pending(self) -> int:
        """How many enqueued replies have not been served yet."""
        with self._lock:
            return len(self._queue)

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies; each request takes the oldest one.

        Args:
            *replies: The replies, served first in, first out.
        """
        with self._lock:
            self._queue.extend(replies)

    def start(self) -> DashScopeServer:
        """Bind and serve in a background thread.

        Returns:
            The server itself.

        Raises:
            RuntimeError: The server was already started.
        """
        if self._httpd is not None or self._stopping.is_set():
            msg = "a DashScopeServer can be started only once"
            raise RuntimeError(msg)
        self._httpd = _HTTPServer((self._host, self._port), self)
        self._bound_port = self._httpd.server_port
        self._thread = threading.Thread(
            # A short poll interval keeps `stop` (which waits one poll) fast.
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"DashScopeServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut every open connection; idempotent."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping on delays
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            # Wakes handlers blocked reading a kept-alive connection.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def __enter__(self) -> DashScopeServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

    async def __aenter__(self) -> DashScopeServer:
        """Start the server (binding is immediate, so no thread hop is needed)."""
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server off the event loop (shutdown waits up to one poll)."""
        await asyncio.to_thread(self.stop)

    # -- used by the handler threads ----------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        if not self._record_requests:
            return
        with self._lock:
            self.requests.append(request)

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            queued = self._queue.popleft() if self._queue else None
        return queued if queued is not None else self._handler(request)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
