"""DashScope errors as exceptions a person can act on: pure, no I/O.

This module holds the exception classes and the rules that classify
DashScope's error bodies; it imports nothing else of this package (a leaf).
Every error a call raises is translated in one place,
`langchain_qwen._dashscope.translate`, with hints from
`langchain_qwen._dashscope.hints`. The translated exception keeps the class
the caller would otherwise get (the `openai` SDK's, and the
`langchain-openai`/`langchain-core` classified one, so existing `except`
clauses keep working) and is also an instance of one of the `QwenError`
classes below. It carries DashScope's `code`, its bare message
(`error_message`), the `request_id` and the HTTP `status_code`, and a `hint`
naming the fix; `str(e)` ends with the hint.

```python
from langchain_qwen import ChatQwen, QuotaExceededError, ThrottlingError

try:
    ChatQwen().invoke("hi")
except ThrottlingError as e:  # also an openai.RateLimitError
    print(e.code, e.request_id, e.hint)
except QuotaExceededError:  # never retried, even when sent as a 429
    ...
```
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

__all__ = [
    "BillingError",
    "ContentModerationError",
    "ErrorContext",
    "MalformedResponseError",
    "QuotaExceededError",
    "QwenAuthenticationError",
    "QwenConnectionError",
    "QwenContextOverflowError",
    "QwenError",
    "QwenInvalidRequestError",
    "QwenModelNotFoundError",
    "QwenPermissionDeniedError",
    "QwenServerError",
    "QwenTimeoutError",
    "StreamInterruptedError",
    "StreamProgress",
    "ThrottlingError",
    "classify",
    "error_fields",
]


# --------------------------------------------------------------------------
# The exception classes users catch
# --------------------------------------------------------------------------


class QwenError(ModelError):
    """Base class of every error `ChatQwen` raises for a failed call.

    Attributes:
        code: DashScope's error code (e.g. `"invalid_api_key"`), if any.
        error_message: DashScope's own message, without the hint.
        request_id: The request id to quote to Alibaba Cloud support (from the
            body's `request_id`/`id`, else the `x-request-id` header).
        status_code: The HTTP status (200 for an error sent inside a stream).
        hint: What to do about it.
    """

    code: str | None = None
    error_message: str | None = None
    request_id: str | None = None
    status_code: int | None = None
    hint: str | None = None


class QwenAuthenticationError(QwenError, ModelAuthenticationError):
    """The key was rejected (401): wrong key, or a key from another region."""


class QwenPermissionDeniedError(QwenError, ModelPermissionDeniedError):
    """The account or workspace may not use this model (403 `AccessDenied*`)."""


class QwenModelNotFoundError(QwenError, ModelNotFoundError):
    """The model does not exist at this endpoint, or not in OpenAI mode (404)."""


class QwenInvalidRequestError(QwenError, ModelInvalidRequestError):
    """DashScope rejected a parameter (400); the hint names the one to change."""


class QwenContextOverflowError(QwenInvalidRequestError, ContextOverflowError):
    """The input is longer than the model's context window."""


class ContentModerationError(QwenError):
    """DashScope's content moderation blocked the input or the output.

    Raised both for the 400 `data_inspection_failed` and for the same error
    sent inside a stream after output has started. Never retried.
    """

    # langchain's retry middleware reads `is_retryable`; it is set wherever the
    # langchain base class the HTTP status implies would say otherwise.
    is_retryable = False


class QuotaExceededError(QwenError):
    """A quota is used up (`insufficient_quota`, `AllocationQuota.*`).

    Never retried automatically, even when DashScope sends it as a 429.
    """

    is_retryable = False


class BillingError(QwenError):
    """The account cannot be billed (`Arrearage`, overdue bill, not purchased).

    Never retried automatically.
    """

    is_retryable = False


class ThrottlingError(QwenError, ModelRateLimitError):
    """Too many requests (`limit_requests`, `limit_burst_rate`, `Throttling*`).

    Raised once the retries with backoff (`max_retries`) are used up.
    """


class QwenServerError(QwenError, ModelAPIError):
    """DashScope failed on its side (5xx), after the retries were used up."""


class QwenTimeoutError(QwenError, ModelTimeoutError):
    """No answer within `timeout` seconds, after the retries were used up."""


class QwenConnectionError(QwenError, ModelConnectionError):
    """The endpoint could not be reached, after the retries were used up."""


class StreamInterruptedError(QwenError, ModelConnectionError):
    """A stream ended before DashScope's final chunk; the answer is incomplete.

    Raised when the connection drops, a read times out, the server closes the
    stream without a `finish_reason` or without `data: [DONE]`, or sends an
    error event mid-stream. Streams are not retried automatically once they
    have started (part of the answer may already have been delivered).
    """

    is_retryable = True


class MalformedResponseError(QwenError):
    """The server sent a body or SSE line that is not valid JSON."""

    is_retryable = False


# --------------------------------------------------------------------------
# What a DashScope error says
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorFields:
    """The fields of a DashScope error envelope.

    Attributes:
        code: `error.code`, else `error.type` when it is specific.
        message: `error.message`.
        request_id: The body's `request_id` (or `id` without `chatcmpl-`).
    """

    code: str | None
    message: str | None
    request_id: str | None


# Types that say nothing about the cause: the code says it, if anything.
# DashScope's error codes and message patterns, with their source and date.
_FACTS: Mapping[str, Any] = json.loads(
    resources.files("langchain_qwen.data")
    .joinpath("errors.json")
    .read_text(encoding="utf-8")
)
# `type` values that say nothing: the code is then read from `code` only.
_GENERIC_TYPES = frozenset(_FACTS["generic_types"])


def error_fields(body: Any, top: Any = None) -> ErrorFields:
    """Read a DashScope error envelope.

    Handles the compatible-mode shape `{"error": {...}, "request_id": ...}`, the
    inner `error` object alone (what the `openai` SDK keeps as `e.body`), and
    the native shape with `code`/`message` at the top level.

    Args:
        body: The envelope or its inner `error` object.
        top: The full envelope when `body` is only the inner object.

    Returns:
        The fields found (each `None` when absent).
    """
    outer = top if isinstance(top, Mapping) else body
    inner = body.get("error", body) if isinstance(body, Mapping) else None
    if not isinstance(inner, Mapping):
        inner = {}
    code = inner.get("code")
    kind = inner.get("type")
    if not code and isinstance(kind, str) and kind not in _GENERIC_TYPES:
        code = kind
    message = inner.get("message")
    request_id = None
    if isinstance(outer, Mapping):
        request_id = outer.get("request_id")
        if not isinstance(request_id, str):
            body_id = outer.get("id")
            request_id = (
                body_id.removeprefix("chatcmpl-") if isinstance(body_id, str) else None
            )
    return ErrorFields(
        str(code) if code else None,
        message if isinstance(message, str) else None,
        request_id or None,
    )


_CODES: Mapping[str, list[str]] = _FACTS["codes"]
_MODERATION_CODES = frozenset(_CODES["moderation"])
_BILLING_CODES = frozenset(_CODES["billing"])
_QUOTA_CODES = frozenset(_CODES["quota"])
_THROTTLING_CODES = frozenset(_CODES["throttling"])
_SERVER_CODES = frozenset(_CODES["server"])
_NOT_FOUND_CODES = frozenset(_CODES["not_found"])
_AUTH_CODES = frozenset(_CODES["auth"])
# Patterns of error messages, matched case-insensitively. Kept as source and
# compiled by `re` (and cached there) on the first error, not at import.
_MODEL_MISSING: str = _FACTS["message_patterns"]["model_missing"]
_CONTEXT_OVERFLOW: str = _FACTS["message_patterns"]["context_overflow"]


def classify(
    status: int | None, code: str | None, message: str | None
) -> type[QwenError]:
    """Pick the `QwenError` class for a DashScope error.

    The code decides first (DashScope sends quota errors as 429 like throttling,
    and billing errors as 400), then the message, then the HTTP status.

    Args:
        status: The HTTP status, or `None` for an error inside a 200 stream.
        code: DashScope's code.
        message: DashScope's message.

    Returns:
        A subclass of `QwenError` (`QwenError` itself when nothing fits).
    """
    code = code or ""
    text = message or ""
    if code in _MODERATION_CODES or "inappropriate content" in text:
        return ContentModerationError
    if code in _BILLING_CODES or code.endswith("BillOverdue"):
        return BillingError
    if code in _QUOTA_CODES or code.startswith(("AllocationQuota", "Throttling.Alloc")):
        return QuotaExceededError
    if code in _THROTTLING_CODES or code.startswith("Throttling"):
        return ThrottlingError
    if code in _NOT_FOUND_CODES or re.search(_MODEL_MISSING, text, re.IGNORECASE):
        return QwenModelNotFoundError
    if code in _AUTH_CODES or status == 401:
        return QwenAuthenticationError
    if code in _SERVER_CODES or code.startswith("InternalError"):
        return QwenServerError
    if status == 429:
        # An unlisted 429: a quota if it says so, else throttling.
        return QuotaExceededError if "quota" in text.lower() else ThrottlingError
    if code.lower().startswith("accessdenied") or code.endswith(".AccessDenied"):
        return QwenPermissionDeniedError
    if code == "access_denied" or status == 403:
        return QwenPermissionDeniedError
    if status == 404:
        return QwenModelNotFoundError
    if status is not None and status >= 500:
        return QwenServerError
    if re.search(_CONTEXT_OVERFLOW, text, re.IGNORECASE):
        return QwenContextOverflowError
    if status is not None and 400 <= status < 500:
        return QwenInvalidRequestError
    return QwenError


@dataclass(frozen=True)
class ErrorContext:
    """What a call knew when it failed, for hints.

    Attributes:
        base_url: The endpoint used.
        region: The canonical region, or `None` for a non-DashScope host.
        model: The model the call asked for.
        max_retries: The retry budget (the SDK's default when not set).
        timeout: The `timeout` setting as given.
        secrets: Strings never to show in a message (the API key).
        api: Which API the call used, so hints name its own fixes.
    """

    base_url: str
    region: str | None
    model: str
    max_retries: int = 2
    timeout: Any = None
    secrets: tuple[str, ...] = field(default=(), repr=False)
    api: Literal["chat", "embeddings", "rerank"] = "chat"


@dataclass
class StreamProgress:
    """How far a stream got before it failed.

    Attributes:
        chunks: Chunks delivered.
        finished: Whether a chunk carried a `finish_reason`.
        started: Whether the server had answered with a 2xx status.
        request_id: The request id known from the response, if any.
    """

    chunks: int = 0
    finished: bool = False
    started: bool = False
    request_id: str | None = None
