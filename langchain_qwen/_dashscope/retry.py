"""Which failed DashScope requests are worth retrying: pure, no I/O.

The `openai` SDK retries 408, 409, 429 and 5xx with exponential backoff (0.5 s
doubling up to 8 s, with jitter, or the server's `retry-after`) up to
`max_retries` times. That fits DashScope's throttling (`limit_requests`,
`limit_burst_rate`, `Throttling*`, all 429) and server faults (500
`InternalError`/`RequestTimeOut`, 503 `ModelServingError`/`ModelUnavailable`).
It does not fit quota and billing errors, which DashScope also sends as 429 (or
400/403): retrying them only burns time. This module narrows the SDK's policy
by DashScope's error code; the SDK keeps its backoff.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_qwen.errors import (
    BillingError,
    ContentModerationError,
    QuotaExceededError,
    QwenServerError,
    ThrottlingError,
    classify,
    error_fields,
)

_NEVER = (QuotaExceededError, BillingError, ContentModerationError)
_ALWAYS = (ThrottlingError, QwenServerError)


def parse_body(content: bytes) -> Any:
    """Parse an error body, or return `None` if it is not JSON.

    Args:
        content: The response body.

    Returns:
        The parsed JSON, or `None`.
    """
    try:
        return json.loads(content)
    except ValueError:
        return None


def retry_decision(status: int, body: Any) -> bool | None:
    """Decide whether a failed request may be retried.

    Args:
        status: The HTTP status.
        body: The parsed error body (`None` if unreadable).

    Returns:
        `False` never retry (quota, billing, moderation: waiting does not
        help); `True` retryable by DashScope's code (throttling, server
        faults); `None` no opinion, so the SDK's status rule applies.
    """
    fields = error_fields(body)
    kind = classify(status, fields.code, fields.message)
    if issubclass(kind, _NEVER):
        return False
    if issubclass(kind, _ALWAYS):
        return True
    return None
