"""Reply framing: DashScope-shaped requests, JSON and SSE replies, recordings."""

from __future__ import annotations

import json
import logging
import os
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
