"""DashScope errors as exceptions a person can act on: pure, no I/O.

Every error a `ChatQwen` call raises is translated here, in one place. The
translated exception keeps the class the caller would otherwise get (the
`openai` SDK's, and the `langchain-openai`/`langchain-core` classified one, so
existing `except` clauses keep working) and is also an instance of one of the
`QwenError` classes below. It carries DashScope's `code`, its bare message
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

import contextlib
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import openai
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
from langchain_openai.chat_models.base import OpenAIConnectionError

from langchain_qwen.catalogue import catalog
from langchain_qwen.regions import REGIONS, host_info

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
    "retries_taken",
    "stream_incomplete",
    "translate",
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
_GENERIC_TYPES = frozenset({"invalid_request_error", "error", "api_error"})


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


_MODERATION_CODES = frozenset(
    {
        "data_inspection_failed",
        "DataInspectionFailed",
        "CustomRoleBlocked",
        "FaqRuleBlocked",
        "IPInfringementSuspect",
    }
)
_BILLING_CODES = frozenset(
    {
        "Arrearage",
        "CommodityNotPurchased",
        "PrepaidBillOverdue",
        "PostpaidBillOverdue",
        "AccessDenied.Unpurchased",
    }
)
_QUOTA_CODES = frozenset(
    {
        "insufficient_quota",
        "Throttling.AllocationQuota",
        "AllocationQuota.FreeTierOnly",
    }
)
_THROTTLING_CODES = frozenset(
    {
        "limit_requests",
        "limit_burst_rate",
        "LimitRequests",
        "Throttling",
        "Throttling.RateQuota",
        "Throttling.BurstRate",
    }
)
_SERVER_CODES = frozenset(
    {
        "InternalError",
        "internal_error",
        "SystemError",
        "ModelServiceFailed",
        "RequestTimeOut",
        "ModelServingError",
        "ModelUnavailable",
    }
)
_NOT_FOUND_CODES = frozenset(
    {"model_not_found", "ModelNotFound", "model_not_supported", "ModelNotSupported"}
)
_AUTH_CODES = frozenset({"invalid_api_key", "InvalidApiKey", "NOT AUTHORIZED"})
# Patterns of error messages, matched case-insensitively. Kept as source and
# compiled by `re` (and cached there) on the first error, not at import.
_MODEL_MISSING = (
    r"model not exist|model can not be found|does not exist or you do not have "
    r"access|unsupported model"
)
_CONTEXT_OVERFLOW = (
    r"range of input length|input length should be|exceeds? (?:the )?(?:model'?s? )?"
    r"(?:context|max(?:imum)? input)|context[_ ]length[_ ]exceeded"
)


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


# --------------------------------------------------------------------------
# Hints
# --------------------------------------------------------------------------


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


def _where(ctx: ErrorContext) -> str:
    return f"{ctx.base_url} (region {ctx.region!r})" if ctx.region else ctx.base_url


def _auth_hint(ctx: ErrorContext, code: str | None) -> str:
    host = host_info(ctx.base_url)
    if host is None:
        return (
            f"The server at {ctx.base_url} rejected the API key. Pass the key it "
            "expects with api_key=...: DASHSCOPE_API_KEY is sent only to DashScope "
            "hosts, or to a base URL that also comes from the environment."
        )
    if code == "NOT AUTHORIZED":
        return (
            f"The key may not use the workspace behind {ctx.base_url}. Check "
            "workspace_id (or DASHSCOPE_WORKSPACE_ID) and that the key belongs to "
            f"that workspace's account in region {host.region!r}."
        )
    if host.kind in ("coding", "token_plan"):
        plan = "Coding Plan" if host.kind == "coding" else "Token Plan"
        return (
            f"DashScope rejected the API key at {ctx.base_url}, the {plan} endpoint "
            f"of region {host.region!r}: it takes only that plan's keys. For a "
            "pay-as-you-go key, drop base_url to use the region's regular endpoint."
        )
    others = [name for name in REGIONS if name != host.region]
    return (
        f"DashScope rejected the API key at {ctx.base_url} (region {host.region!r}). "
        "Model Studio API keys belong to one region, and a key issued in another "
        "region is rejected here as invalid. If your key comes from another region, "
        "pass region=... or set DASHSCOPE_REGION to that region (and drop base_url "
        f"or DASHSCOPE_BASE_URL if you set one): {', '.join(others)} (frankfurt and "
        "tokyo also need workspace_id=...). Otherwise check the key in the Model "
        f"Studio console of region {host.region!r}."
    )


def _model_hint(ctx: ErrorContext, code: str | None) -> str:
    if ctx.region is None and code not in _NOT_FOUND_CODES:
        return (
            f"{ctx.base_url} answered 404: check that base_url is the "
            "OpenAI-compatible root (DashScope's ends in /compatible-mode/v1, a "
            "self-hosted server's usually in /v1) and the model name."
        )
    if code in ("model_not_supported", "ModelNotSupported"):
        lead = f"Model {ctx.model!r} is not available in OpenAI-compatible mode."
    else:
        lead = f"Model {ctx.model!r} is not available at {_where(ctx)}."
    info = catalog.lookup(ctx.model)
    if info is not None and ctx.region is not None and ctx.region not in info.regions:
        where = ", ".join(r for r in REGIONS if r in info.regions)
        lead += f" The catalogue lists it for: {where}."
    lister = {
        "chat": "langchain_qwen.list_models",
        "embeddings": "langchain_qwen.catalogue.kinds.list_embedding_models",
        "rerank": "langchain_qwen.catalogue.kinds.list_rerank_models",
    }[ctx.api]
    listing = f"{lister}({ctx.region!r})" if ctx.region else f"{lister}()"
    return (
        f"{lead} Models differ by region: {listing} lists the models of the "
        "catalogue there. Check the spelling (model ids are lower case) and, in the "
        "Model Studio console, that your account may use the model."
    )


# (message pattern, hint), matched case-insensitively like the patterns above.
_REQUEST_HINTS: tuple[tuple[str, str], ...] = (
    (
        r"enable_thinking must be set to false|enable_thinking only support "
        r"stream|enable_thinking必须",
        "{model} thinks only in streamed calls: use model.stream(...) or "
        "ChatQwen(..., streaming=True), or pass enable_thinking=False.",
    ),
    (
        r"only support stream mode|does not support http call|only "
        r"supports? stream",
        "{model} answers only streamed calls: use model.stream(...) or "
        "ChatQwen(..., streaming=True).",
    ),
    (
        r"enable_thinking parameter is restricted to true",
        "{model} always thinks: drop enable_thinking=False.",
    ),
    (
        r"does not support enable_thinking|NotSupportEnableThinking",
        "{model} has no thinking switch: drop enable_thinking (and thinking_budget).",
    ),
    (
        r"thinking_budget",
        "Set thinking_budget to a positive integer no larger than the "
        "model's thinking limit, or drop it.",
    ),
    (
        r"json mode response is not supported when enable_thinking",
        "JSON output is not available while {model} thinks: pass "
        "enable_thinking=False (e.g. ChatQwen(..., enable_thinking=False)"
        ".with_structured_output(...)).",
    ),
    (
        r"tool_choice",
        "This model, or thinking mode, takes tool_choice 'auto' or 'none' "
        "only: to force a tool, pass enable_thinking=False; otherwise drop "
        "tool_choice.",
    ),
    (
        r"must contain the word 'json'",
        "JSON mode needs the word 'json' in the messages: mention JSON in the "
        "system or user message.",
    ),
    (
        r"range of max_tokens",
        "Lower max_tokens to at most {max_output}.",
    ),
    (
        r'role "tool" must be a response',
        "Each ToolMessage must follow the AIMessage whose tool_calls it "
        "answers, with the same tool_call_id.",
    ),
    (
        r"does not support enable_search",
        "{model} cannot search the web: drop enable_search.",
    ),
)


def _request_hint(ctx: ErrorContext, message: str) -> str:
    info = catalog.lookup(ctx.model)
    max_output = (
        f"{info.max_output_tokens} for {ctx.model}"
        if info and info.max_output_tokens
        else "the model's output limit"
    )
    for pattern, hint in _REQUEST_HINTS:
        if re.search(pattern, message, re.IGNORECASE):
            return hint.format(model=repr(ctx.model), max_output=max_output)
    return (
        "DashScope rejected a request parameter; its message above names it. "
        "Fix that parameter: the same request fails the same way when retried."
    )


def _overflow_hint(ctx: ErrorContext) -> str:
    if ctx.api == "embeddings":
        return (
            f"A text is longer than {ctx.model!r} takes in one input: split long "
            "texts (for example with a text splitter) before embedding them."
        )
    if ctx.api == "rerank":
        return (
            f"The query or a document is longer than {ctx.model!r} takes: "
            "shorten it, or split long documents before reranking them."
        )
    info = catalog.lookup(ctx.model)
    size = f" ({info.context_window} tokens)" if info and info.context_window else ""
    return (
        f"The input is longer than {ctx.model!r}'s context window{size}: shorten "
        "the messages (for example with langchain_core.messages.trim_messages) or "
        "use a model with a larger window."
    )


def _quota_hint(ctx: ErrorContext, code: str | None) -> str:
    if code == "AllocationQuota.FreeTierOnly":
        return (
            f"The free quota of {ctx.model!r} is used up and the account is set to "
            "use free quota only. Turn off 'free tier only' for this model in the "
            "Model Studio console (calls are then billed), or use another model. "
            "Not retried automatically."
        )
    return (
        "A quota of your account is used up (tokens per minute, or an allocated "
        "or free quota). Not retried automatically: retrying at once does not "
        "free a quota. Wait until it resets (about a minute for per-minute "
        "quotas), send fewer tokens, or raise the quota in the Model Studio "
        "console."
    )


def _billing_hint(ctx: ErrorContext, code: str | None) -> str:
    region = f" of region {ctx.region!r}" if ctx.region else ""
    if code in ("CommodityNotPurchased", "AccessDenied.Unpurchased"):
        return (
            f"Model Studio, or this model, is not activated for your account"
            f"{region}: activate it in the Model Studio console. Not retried "
            "automatically."
        )
    return (
        "Your Alibaba Cloud account has an overdue payment, and DashScope refuses "
        "calls until it is settled: top up or pay the bill in the Alibaba Cloud "
        "billing console. Not retried automatically."
    )


def _permission_hint(ctx: ErrorContext) -> str:
    region = f" of region {ctx.region!r}" if ctx.region else ""
    return (
        f"The account or workspace may not call {ctx.model!r}: some models must "
        "be applied for first, and a free-only model stops when its free quota is "
        f"used up. Check the model's access, your quota and billing in the Model "
        f"Studio console{region}."
    )


def _moderation_hint(message: str) -> str:
    what = (
        "the model's output"
        if message.lower().startswith("output")
        else "the input"
        if message.lower().startswith("input")
        else "the input or the output"
    )
    return (
        f"DashScope's content moderation blocked {what}. Not retried: the same "
        "request is blocked again. Rephrase or remove the flagged content."
    )


def _server_hint(ctx: ErrorContext, code: str | None, tries: str) -> str:
    if code == "RequestTimeOut":
        return (
            f"DashScope stopped the request at its 300-second limit ({tries}). "
            "Stream the answer (model.stream(...) or streaming=True) or ask for a "
            "shorter one (max_tokens)."
        )
    if code in ("ModelServingError", "ModelUnavailable"):
        return (
            f"{ctx.model!r} is busy or unavailable right now ({tries}). Try "
            "again later, raise max_retries, or use another model."
        )
    return (
        f"DashScope failed on its side ({tries}). Try again later; quote the "
        "request_id if you contact Alibaba Cloud support."
    )


def _throttling_hint(ctx: ErrorContext, tries: str) -> str:
    wait = (
        "Wait as long as DashScope asked before calling again, spread"
        if "Retry-After" in tries
        else "Raise max_retries, spread"
    )
    return (
        "DashScope throttled the request: your account's requests per minute or "
        "second, shared by all its keys and workspaces, were exceeded "
        f"({tries}). {wait} the requests out (for example with "
        "rate_limiter=InMemoryRateLimiter(...)), or ask for a higher limit. "
        "Limits reset within about a minute."
    )


def _hint(
    kind: type, ctx: ErrorContext, fields: ErrorFields, tries: str | None = None
) -> str:
    tries = tries or f"retried up to {ctx.max_retries} times"
    code, message = fields.code, fields.message or ""
    if kind is QwenAuthenticationError:
        return _auth_hint(ctx, code)
    if kind is QwenModelNotFoundError:
        return _model_hint(ctx, code)
    if kind is QwenContextOverflowError:
        return _overflow_hint(ctx)
    if kind is QwenInvalidRequestError:
        return _request_hint(ctx, message)
    if kind is QuotaExceededError:
        return _quota_hint(ctx, code)
    if kind is BillingError:
        return _billing_hint(ctx, code)
    if kind is QwenPermissionDeniedError:
        return _permission_hint(ctx)
    if kind is ContentModerationError:
        return _moderation_hint(message)
    if kind is ThrottlingError:
        return _throttling_hint(ctx, tries)
    if kind is QwenServerError:
        return _server_hint(ctx, code, tries)
    return "Quote the request_id if you contact Alibaba Cloud support."


def _timeout_hint(ctx: ErrorContext, *, in_stream: bool, tries: str = "") -> str:
    if in_stream:
        return (
            f"No data arrived for timeout={ctx.timeout!r} seconds in the middle of "
            "the stream. Raise timeout= (it bounds each wait for data, not the "
            "whole answer) and retry the call."
        )
    return (
        f"{ctx.base_url} sent no answer within timeout={ctx.timeout!r} seconds "
        f"({tries or f'retried up to {ctx.max_retries} times'}). Raise timeout=, "
        "or stream the "
        "answer so that data starts to flow before the timeout."
    )


def _interrupted(progress: StreamProgress, why: str) -> tuple[str, str]:
    """The summary and hint of a stream cut short."""
    if progress.finished:
        summary = (
            f"Stream interrupted after its final chunk ({progress.chunks} chunks), "
            f"before data: [DONE]: {why}"
        )
        hint = "The token usage may be missing."
    else:
        summary = (
            f"Stream interrupted after {progress.chunks} chunks, before "
            f"DashScope's final chunk: {why}"
        )
        hint = "The answer is incomplete."
    hint += (
        " Retry the call: a stream is not retried automatically once it has "
        "started, as part of the answer may already have been used."
    )
    return summary, hint


# --------------------------------------------------------------------------
# Translation
# --------------------------------------------------------------------------


_COMBINED: dict[tuple[type, type], type] = {}
_COMBINED_LOCK = threading.Lock()


def _combined(base: type[BaseException], kind: type[QwenError]) -> type[QwenError]:
    """The class that is both `base` (what was raised) and `kind`, made once."""
    if issubclass(base, kind):
        return base
    with _COMBINED_LOCK:
        cls = _COMBINED.get((base, kind))
        if cls is None:
            cls = _COMBINED[base, kind] = _make_combined(base, kind)
    return cls


def _make_combined(base: type[BaseException], kind: type[QwenError]) -> type:
    namespace = {
        "__module__": __name__,
        "__qualname__": kind.__qualname__,
        "__doc__": kind.__doc__,
        # The kind knows better than the HTTP status whether a retry can help.
        "is_retryable": kind.is_retryable,
    }
    return type(kind.__name__, (base, kind), namespace)


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _scrub_value(value: Any, secrets: tuple[str, ...]) -> Any:
    """`value` with every string in it scrubbed (dicts and lists walked)."""
    if isinstance(value, str):
        return _scrub(value, secrets)
    if isinstance(value, Mapping):
        return {k: _scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub_value(v, secrets) for v in value)
    return value


# Headers that describe the body as it came over the wire, not the copy.
_BODY_FRAMING = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _scrub_request(request: Any, secrets: tuple[str, ...]) -> Any:
    """A copy of an httpx request whose headers (`Authorization`) hold no secret."""
    try:
        headers = list(request.headers.items())
        if all(_scrub(v, secrets) == v for _, v in headers):
            return request
        return type(request)(
            request.method,
            request.url,
            headers=[(k, _scrub(v, secrets)) for k, v in headers],
            content=_scrub(request.content.decode("utf-8", "replace"), secrets),
        )
    except Exception:  # not an httpx request, or a body that cannot be read
        return None


def _scrub_response(response: Any, secrets: tuple[str, ...]) -> Any:
    """A copy of an httpx response whose body and headers hold no secret."""
    request = None
    with contextlib.suppress(RuntimeError, AttributeError):
        request = response.request
    try:
        text = response.content.decode("utf-8", "replace")
        headers = list(response.headers.items())
    except Exception:  # not an httpx response, or its body was never read
        return response
    scrubbed = _scrub(text, secrets)
    clean_request = _scrub_request(request, secrets) if request is not None else None
    if (
        scrubbed == text
        and clean_request is request
        and all(_scrub(v, secrets) == v for _, v in headers)
    ):
        return response
    request = clean_request
    try:
        return type(response)(
            response.status_code,
            headers=[
                (k, _scrub(v, secrets))
                for k, v in headers
                if k.lower() not in _BODY_FRAMING
            ],
            content=scrubbed.encode(),
            request=request,
        )
    except Exception:  # an unusual response class: drop it rather than leak
        return None


def _scrub_fields(exc: BaseException, secrets: tuple[str, ...]) -> None:
    """Remove the key from every field a caller might print or log."""
    for name in ("message", "body", "param", "code", "type", "__notes__"):
        if name in exc.__dict__:
            exc.__dict__[name] = _scrub_value(exc.__dict__[name], secrets)
    response = exc.__dict__.get("response")
    if response is not None:
        exc.__dict__["response"] = response = _scrub_response(response, secrets)
    if exc.__dict__.get("request") is not None:
        # The SDK's errors keep the request, whose Authorization holds the key.
        exc.__dict__["request"] = _scrub_request(exc.__dict__["request"], secrets)


# The openai SDK numbers each attempt in this request header (0 = first try).
_RETRY_COUNT_HEADER = "x-stainless-retry-count"
# The SDK does not retry when Retry-After asks for longer (openai
# `_constants.MAX_RETRY_AFTER_DELAY`).
_SDK_MAX_RETRY_AFTER = 120.0


def _request_of(exc: BaseException) -> Any:
    with contextlib.suppress(RuntimeError, AttributeError):
        response = getattr(exc, "response", None)
        if response is not None:
            return response.request
    return getattr(exc, "request", None)


def retries_taken(exc: BaseException) -> int | None:
    """How many times the `openai` SDK retried the request that failed.

    Args:
        exc: The SDK's error.

    Returns:
        The number of retries before the last attempt, or `None` when the
        request does not say (a client that does not number its attempts).
    """
    headers = getattr(_request_of(exc), "headers", None)
    value = headers.get(_RETRY_COUNT_HEADER) if headers is not None else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _why_not_retried(exc: BaseException, ctx: ErrorContext) -> str:
    if ctx.max_retries == 0:
        return "max_retries=0"
    headers: Any = None
    with contextlib.suppress(AttributeError):
        headers = exc.response.headers  # type: ignore[attr-defined]
    if headers is not None:
        retry_after = headers.get("retry-after")
        with contextlib.suppress(TypeError, ValueError):
            if retry_after is not None and float(retry_after) > _SDK_MAX_RETRY_AFTER:
                return (
                    f"DashScope asked to wait {retry_after} seconds (Retry-After), "
                    f"longer than the {int(_SDK_MAX_RETRY_AFTER)} seconds the "
                    "openai SDK waits"
                )
        if headers.get("x-should-retry") == "false":
            return "the server answered x-should-retry: false"
    return "this error is not one the openai SDK retries"


def _tries(exc: BaseException, ctx: ErrorContext) -> str:
    """What was done about retrying, in words, for a hint."""
    taken = retries_taken(exc)
    if taken is None:
        return f"retried up to {ctx.max_retries} times"
    if taken == 0:
        return f"not retried: {_why_not_retried(exc, ctx)}"
    return f"retried {taken} time{'' if taken == 1 else 's'} with backoff"


def _rebuild(
    exc: BaseException,
    kind: type[QwenError],
    ctx: ErrorContext,
    *,
    status: int | None,
    fields: ErrorFields,
    hint: str,
    summary: str,
) -> BaseException:
    """Copy `exc` into the combined class, with the hint in its message."""
    details = ", ".join(
        f"{name}: {value}"
        for name, value in (("code", fields.code), ("request_id", fields.request_id))
        if value
    )
    text = f"{summary} ({details})" if details else summary
    message = _scrub(f"{text}\nHint: {hint}", ctx.secrets)
    try:
        cls = _combined(type(exc), kind)
        new = cls.__new__(cls)
        new.__dict__.update(exc.__dict__)
    except TypeError:
        # A base whose layout cannot be mixed in: the kind alone still tells.
        new = kind.__new__(kind)
    _scrub_fields(new, ctx.secrets)
    new.args = (message,)
    new.message = message  # type: ignore[attr-defined]
    new.code = fields.code
    new.error_message = _scrub(fields.message, ctx.secrets) if fields.message else None
    new.request_id = fields.request_id
    new.status_code = status
    new.hint = hint
    return new


def _status_fields(exc: openai.APIStatusError) -> ErrorFields:
    top: Any = None
    with contextlib.suppress(ValueError, RuntimeError, AttributeError):
        top = json.loads(exc.response.content)
    fields = error_fields(exc.body, top)
    message = fields.message
    if message is None:
        message = re.sub(r"^Error code: \d+ - ", "", exc.message)
    return ErrorFields(
        fields.code, message, fields.request_id or getattr(exc, "request_id", None)
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _why_interrupted(exc: BaseException) -> str:
    for cause in _causes(exc):
        # Set by the SSE decoder of `_dashscope.clients` (no import: this is pure).
        if getattr(cause, "qwen_missing_done", False):
            return "the server closed the stream without data: [DONE]"
    for cause in _causes(exc):
        if cause is not exc and not isinstance(cause, openai.APIError):
            return f"the connection broke ({type(cause).__name__}: {cause})"
    return "the connection broke"


# How the parent reports a 200 body that is not JSON (an HTML page, say).
_NOT_JSON_PREFIX = "Unexpected response type from OpenAI-compatible endpoint"


def translate(
    exc: BaseException,
    ctx: ErrorContext,
    progress: StreamProgress | None = None,
) -> BaseException | None:
    """Translate an error raised during a call into a `QwenError`.

    Args:
        exc: What the parent class (or the `openai` SDK) raised.
        ctx: The call's context, for hints.
        progress: For a stream, how far it got.

    Returns:
        The exception to raise instead (raise it `from exc`), or `None` to
        re-raise `exc` unchanged (it is already a `QwenError`, or not an API
        error at all).
    """
    if isinstance(exc, QwenError):
        return None
    in_stream = progress is not None and (progress.started or progress.chunks > 0)
    stream_request_id = progress.request_id if progress else None

    if isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError) or (
        type(exc) is ValueError and str(exc).startswith(_NOT_JSON_PREFIX)
    ):
        doc = getattr(exc, "doc", None) or getattr(exc, "body", None)
        sample = repr(doc)[:200] if doc is not None else "(unavailable)"
        fields = ErrorFields(None, str(exc), stream_request_id)
        hint = (
            f"{ctx.base_url} sent data that is not valid JSON: {sample}. Check "
            "that base_url is an OpenAI-compatible endpoint and that no proxy "
            "rewrites the answer."
        )
        return _rebuild(
            exc,
            MalformedResponseError,
            ctx,
            status=getattr(exc, "status_code", None),
            fields=fields,
            hint=hint,
            summary=f"Malformed response: {exc}",
        )

    if isinstance(exc, openai.APIStatusError):
        fields = _status_fields(exc)
        status = exc.status_code
        kind = classify(status, fields.code, fields.message)
        if kind is QwenInvalidRequestError and isinstance(exc, ContextOverflowError):
            kind = QwenContextOverflowError
        return _rebuild(
            exc,
            kind,
            ctx,
            status=status,
            fields=fields,
            hint=_hint(kind, ctx, fields, _tries(exc, ctx)),
            summary=exc.message,
        )

    timed_out = isinstance(exc, openai.APITimeoutError | TimeoutError)
    if timed_out or isinstance(exc, openai.APIConnectionError):
        fields = ErrorFields(None, str(exc), stream_request_id)
        if in_stream and progress is not None:
            why = (
                f"no data for timeout={ctx.timeout!r} seconds"
                if timed_out
                else _why_interrupted(exc)
            )
            summary, hint = _interrupted(progress, why)
            if timed_out:
                hint += " " + _timeout_hint(ctx, in_stream=True)
            return _rebuild(
                exc,
                StreamInterruptedError,
                ctx,
                status=200,
                fields=fields,
                hint=hint,
                summary=summary,
            )
        failure: type[QwenError]
        if timed_out:
            failure = QwenTimeoutError
            hint = _timeout_hint(ctx, in_stream=False, tries=_tries(exc, ctx))
        else:
            failure = QwenConnectionError
            hint = (
                f"Could not reach {ctx.base_url} ({_tries(exc, ctx)}): check the "
                "network, proxy settings (HTTPS_PROXY, openai_proxy) and base_url."
            )
        return _rebuild(
            exc, failure, ctx, status=None, fields=fields, hint=hint, summary=str(exc)
        )

    body: Any = None
    if isinstance(exc, openai.APIError):
        body = exc.body
    elif (
        isinstance(exc, ValueError)
        and exc.args
        and isinstance(exc.args[0], Mapping)
        and "message" in exc.args[0]
    ):
        # A 200 JSON body that is an error envelope (the parent raises it so).
        body = exc.args[0]
    else:
        return None
    fields = error_fields(body)
    fields = ErrorFields(
        fields.code, fields.message or str(exc), fields.request_id or stream_request_id
    )
    kind = classify(None, fields.code, fields.message)
    # A 200 answer (a stream, or a JSON error envelope) is never retried.
    hint = _hint(kind, ctx, fields, "not retried: DashScope answered with 200")
    summary = fields.message or str(exc)
    if in_stream and progress is not None and kind is not ContentModerationError:
        summary, cut = _interrupted(progress, f"DashScope sent an error: {summary}")
        hint = cut if kind is QwenError else f"{cut} {hint}"
        if kind is QwenError:
            kind = StreamInterruptedError
    return _rebuild(
        exc, kind, ctx, status=200, fields=fields, hint=hint, summary=summary
    )


def stream_incomplete(ctx: ErrorContext, progress: StreamProgress) -> QwenError:
    """The error for a stream that ended cleanly but without a `finish_reason`.

    Args:
        ctx: The call's context.
        progress: How far the stream got.

    Returns:
        A `StreamInterruptedError` that is also an `openai.APIConnectionError`.
    """
    summary, hint = _interrupted(
        progress, "the server closed the stream without a finish_reason"
    )
    # The class the parent raises for a broken connection.
    template = OpenAIConnectionError.__new__(OpenAIConnectionError)
    template.request = None  # type: ignore[assignment]
    template.body = None
    template.code = template.param = template.type = None
    return _rebuild(  # type: ignore[return-value]
        template,
        StreamInterruptedError,
        ctx,
        status=200,
        fields=ErrorFields(None, None, progress.request_id),
        hint=hint,
        summary=summary,
    )
