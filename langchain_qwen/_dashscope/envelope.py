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

This module reads the body, JSON or SSE-framed, so that the code and the
message survive; `errors.request_id_of` reads the request id from any of the
envelopes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["parse_error_body"]


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
