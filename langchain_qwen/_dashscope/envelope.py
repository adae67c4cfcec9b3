"""Reading DashScope's error bodies, whatever envelope the host uses: pure, no I/O.

Real responses (2025-2026) show three error envelopes and one framing:

- shared hosts (`dashscope*.aliyuncs.com`): `{"error": {"message", "type",
  "param", "code"}, "request_id": "<uuid>"}`; some 400s add a top-level
  `"id": "chatcmpl-<uuid>"` beside `request_id`;
- workspace hosts (`*.maas.aliyuncs.com`) and the Token Plan host:
  `{"error": {"message", "id", "type", "code"}}`, the request id inside
  `error`, with no `request_id` and no `param`;
- a streamed request refused before it starts (input moderation) gets an
  HTTP 400 whose body is one SSE line, `data: {"error": {...}}`.

This module reads them all: the body (JSON or SSE-framed) and the request id,
the one thing Alibaba Cloud support asks for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["parse_error_body", "request_id_of"]

_CHAT_ID_PREFIX = "chatcmpl-"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def request_id_of(body: Any, headers: Mapping[str, str] | None = None) -> str | None:
    """The request id of a DashScope answer, from every place DashScope puts it.

    Read in this order: the body's `request_id`, then `error.id` (workspace and
    Token Plan hosts), then a top-level `id` (without its `chatcmpl-` prefix),
    then the `x-request-id` response header.

    Args:
        body: The parsed body (an envelope, or the inner `error` object alone,
            as the `openai` SDK keeps it), or anything else.
        headers: The response headers, if known (case-insensitive mappings
            such as httpx's, or a dict with lower-case names).

    Returns:
        The id, or `None` when no place holds one.
    """
    if isinstance(body, Mapping):
        found = _text(body.get("request_id"))
        inner = body.get("error")
        if found is None and isinstance(inner, Mapping):
            found = _text(inner.get("id"))
        if found is None and (top := _text(body.get("id"))) is not None:
            found = top.removeprefix(_CHAT_ID_PREFIX) or None
        if found is not None:
            return found
    if headers is not None:
        try:
            return _text(headers.get("x-request-id"))
        except Exception:  # an unusual headers object: no id rather than a crash
            return None
    return None


def parse_error_body(content: bytes | str | None) -> Any:
    """Parse an error body sent as JSON or as Server-Sent Events.

    Args:
        content: The raw body.

    Returns:
        The parsed JSON; for an SSE-framed body (`data: {...}` lines), the
        first `data:` payload that is a JSON object; `None` when neither
        (an HTML page, an empty body).
    """
    if content is None:
        return None
    text = (
        content.decode("utf-8", "replace")
        if isinstance(content, bytes | bytearray)
        else content
    ).strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    if not text.startswith(("data:", "event:", "id:", ":")):
        return None
    for line in text.splitlines():
        if not line.startswith("data:"):
            continue
        try:
            payload = json.loads(line[5:].strip())
        except ValueError:
            continue
        if isinstance(payload, Mapping):
            return payload
    return None
