"""DashScope's error envelopes as each kind of host sends them, for the loopback server.

Real answers (2025-2026) differ by host:

- `"shared"` hosts (`dashscope.aliyuncs.com`, `dashscope-intl`, `dashscope-us`):
  `{"error": {"message", "type", "param": null, "code"}, "request_id": "<uuid>"}`;
  some 400s add a top-level `"id": "chatcmpl-<uuid>"` before `request_id`
  (`completion_id=True`);
- `"workspace"` hosts (`{workspace}.{region}.maas.aliyuncs.com`) and the
  `"token_plan"` host: `{"error": {"message", "id": "<uuid>", "type", "code"}}`,
  the id inside `error`, no `request_id` and no `param`;
- a streamed request refused by input moderation gets an HTTP 400 whose body
  is one SSE line, `data: {"error": {...}}` (`sse_framed_error_reply`).

```python
from langchain_qwen.testing import DashScopeServer, envelope_reply

with DashScopeServer() as server:
    server.enqueue(
        envelope_reply(
            401, "invalid_api_key", "Invalid API-key provided.", host="workspace"
        )
    )
```
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

from langchain_qwen.testing._replies import SSE_CONTENT_TYPE, Reply

__all__ = [
    "EnvelopeHost",
    "envelope_body",
    "envelope_reply",
    "sse_framed_error_reply",
]

EnvelopeHost = Literal["shared", "workspace", "token_plan"]
"""Which kind of DashScope host's error envelope to send."""

_HOSTS = ("shared", "workspace", "token_plan")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def envelope_body(
    code: str,
    message: str,
    *,
    host: EnvelopeHost = "shared",
    type: str = "invalid_request_error",
    request_id: str | None = None,
    completion_id: bool = False,
) -> dict[str, Any]:
    """An error envelope in the shape the given kind of host sends, key order kept.

    Args:
        code: DashScope's code, e.g. `"invalid_api_key"`.
        message: The message, e.g. `"Invalid API-key provided."`.
        host: `"shared"`, `"workspace"` or `"token_plan"`.
        type: The error type (`invalid_request_error` in the recorded 401,
            404 and parameter errors; equal to the code for moderation).
        request_id: The id; a fresh UUID when `None`.
        completion_id: On a shared host, add the top-level
            `"id": "chatcmpl-<request_id>"` some 400s carry.

    Returns:
        The envelope.

    Raises:
        ValueError: An unknown `host`, or `completion_id` on a workspace or
            Token Plan host (never observed there).
    """
    if host not in _HOSTS:
        msg = f"host must be one of {', '.join(_HOSTS)}, not {host!r}"
        raise ValueError(msg)
    rid = request_id or str(uuid.uuid4())
    if host != "shared":
        if completion_id:
            msg = "completion_id=True is a shared-host shape; drop it for " + host
            raise ValueError(msg)
        return {"error": {"message": message, "id": rid, "type": type, "code": code}}
    body: dict[str, Any] = {
        "error": {"message": message, "type": type, "param": None, "code": code}
    }
    if completion_id:
        body["id"] = f"chatcmpl-{rid}"
    body["request_id"] = rid
    return body


def envelope_reply(
    status: int,
    code: str,
    message: str,
    *,
    host: EnvelopeHost = "shared",
    type: str = "invalid_request_error",
    request_id: str | None = None,
    completion_id: bool = False,
    header_request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """An HTTP error answer in the envelope of the given kind of host.

    Args:
        status: The HTTP status, e.g. 401.
        code: DashScope's code.
        message: The message.
        host: `"shared"`, `"workspace"` or `"token_plan"` (see `envelope_body`).
        type: The error type.
        request_id: The id in the body; a fresh UUID when `None`.
        completion_id: Add the top-level `"id": "chatcmpl-..."` (shared hosts).
        header_request_id: The `x-request-id` header; the body's id when `None`
            (pass another value to check which one a client reads).
        headers: Extra response headers.

    Returns:
        The reply.
    """
    rid = request_id or str(uuid.uuid4())
    body = envelope_body(
        code,
        message,
        host=host,
        type=type,
        request_id=rid,
        completion_id=completion_id,
    )
    return Reply(
        status=status,
        headers={k.lower(): v for k, v in (headers or {}).items()},
        body=_dumps(body).encode(),
        request_id=header_request_id or rid,
    )


def sse_framed_error_reply(
    code: str = "data_inspection_failed",
    message: str = "Input text data may contain inappropriate content.",
    *,
    status: int = 400,
    type: str | None = None,
    header_request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """The HTTP error whose body is one SSE line, as input moderation sends it.

    The recorded body is `data: {"error":{"code","param","message","type"}}`
    (keys in that order, `type` equal to `code`, no request id in the body)
    and a newline. It is sent as `text/event-stream` (the content type of the
    recorded answer is not known).

    Args:
        code: DashScope's code.
        message: The message.
        status: The HTTP status.
        type: The error type; the code when `None`, as recorded.
        header_request_id: The `x-request-id` header; a fresh UUID when `None`.
        headers: Extra response headers.

    Returns:
        The reply.
    """
    inner = {
        "code": code,
        "param": None,
        "message": message,
        "type": code if type is None else type,
    }
    return Reply(
        status=status,
        headers={
            "content-type": SSE_CONTENT_TYPE,
            **{k.lower(): v for k, v in (headers or {}).items()},
        },
        body=f"data: {_dumps({'error': inner})}\n".encode(),
        request_id=header_request_id,
    )
