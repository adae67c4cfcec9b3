"""`translate`: an SDK or LangChain exception made a `QwenError` a person can act on.

Every error a call raises is translated here, in one place. The translated
exception keeps the class the caller would otherwise get and is also an
instance of one of the `QwenError` classes of `langchain_qwen.errors`.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import openai
from langchain_core.exceptions import (
    ContextOverflowError,
)
from langchain_openai.chat_models.base import OpenAIConnectionError

from langchain_qwen._dashscope.envelope import parse_error_body
from langchain_qwen._dashscope.retry import MAX_RETRY_AFTER, waits_too_long
from langchain_qwen.errors import (
    ContentModerationError,
    ErrorContext,
    ErrorFields,
    MalformedResponseError,
    QwenConnectionError,
    QwenContextOverflowError,
    QwenError,
    QwenInvalidRequestError,
    QwenTimeoutError,
    StreamInterruptedError,
    StreamProgress,
    classify,
    error_fields,
    request_id_of,
)


def _hints() -> Any:
    # The hints module, loaded on the first error (it reads the catalogue and
    # the region table; a call that succeeds never needs it).
    from langchain_qwen._dashscope import hints  # noqa: PLC0415

    return hints


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
        "__module__": "langchain_qwen.errors",  # where the classes are documented
        "__qualname__": kind.__qualname__,
        "__doc__": kind.__doc__,
        # The kind knows better than the HTTP status whether a retry can help.
        "is_retryable": kind.is_retryable,
    }
    return type(kind.__name__, (base, kind), namespace)


# The openai SDK numbers each attempt in this request header (0 = first try).
_RETRY_COUNT_HEADER = "x-stainless-retry-count"


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
        if waits_too_long(retry_after):
            return (
                f"DashScope asked to wait {retry_after} seconds (Retry-After), "
                f"longer than the {int(MAX_RETRY_AFTER)} seconds the "
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
    # Loaded on the first error: a call that succeeds never needs them.
    from langchain_qwen._dashscope.scrub import scrub, scrub_fields  # noqa: PLC0415

    details = ", ".join(
        f"{name}: {value}"
        for name, value in (("code", fields.code), ("request_id", fields.request_id))
        if value
    )
    text = f"{summary} ({details})" if details else summary
    message = scrub(f"{text}\nHint: {hint}", ctx.secrets)
    try:
        cls = _combined(type(exc), kind)
        new = cls.__new__(cls)
        new.__dict__.update(exc.__dict__)
    except TypeError:
        # A base whose layout cannot be mixed in: the kind alone still tells.
        new = kind.__new__(kind)
    scrub_fields(new, ctx.secrets)
    new.args = (message,)
    new.message = message  # type: ignore[attr-defined]
    new.code = fields.code
    new.error_message = scrub(fields.message, ctx.secrets) if fields.message else None
    new.request_id = fields.request_id
    new.status_code = status
    new.hint = hint
    return new


def _status_fields(exc: openai.APIStatusError) -> tuple[ErrorFields, Any]:
    """The error's fields, and the envelope when the SDK could not parse it.

    The SDK keeps a body it cannot parse as JSON as a string: an SSE-framed
    body (`data: {"error": ...}`, what a streamed request refused by input
    moderation gets) is parsed here, so its code and message survive.
    """
    top: Any = None
    headers: Any = None
    with contextlib.suppress(RuntimeError, AttributeError):
        headers = exc.response.headers
        top = parse_error_body(exc.response.content)
    framed = None
    if isinstance(top, Mapping) and not isinstance(exc.body, Mapping):
        framed = top
    fields = error_fields(framed if framed is not None else exc.body, top)
    message = fields.message
    if message is None:
        # The SDK's own text, unless it is only "Error code: N" (no message).
        message = re.sub(r"^Error code: \d+( - )?", "", exc.message) or None
    request_id = request_id_of(top if isinstance(top, Mapping) else exc.body, headers)
    return ErrorFields(fields.code, message, request_id), framed


def _translate_status(exc: openai.APIStatusError, ctx: ErrorContext) -> BaseException:
    """Translate an HTTP error answer (4xx, 5xx)."""
    fields, framed = _status_fields(exc)
    status = exc.status_code
    kind = classify(status, fields.code, fields.message)
    if kind is QwenInvalidRequestError and isinstance(exc, ContextOverflowError):
        kind = QwenContextOverflowError
    summary = exc.message
    if framed is not None and fields.message:
        # Some SDKs (openai<3) put the raw SSE line in the message: say it as
        # the SDK says a JSON error, the same on every SDK.
        summary = f"Error code: {status} - {fields.message}"
    elif fields.message and fields.message not in summary:
        summary = f"{summary} - {fields.message}"
    new = _rebuild(
        exc,
        kind,
        ctx,
        status=status,
        fields=fields,
        hint=_hints().hint(kind, ctx, fields, _tries(exc, ctx)),
        summary=summary,
    )
    if framed is not None and isinstance(framed.get("error"), Mapping):
        from langchain_qwen._dashscope.scrub import _scrub_value  # noqa: PLC0415

        # What the SDK keeps of a JSON error body: the inner `error` object.
        new.body = _scrub_value(dict(framed["error"]), ctx.secrets)  # type: ignore[attr-defined]
    return new


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
        if not isinstance(cause, openai.APIError):
            return f"the connection broke ({type(cause).__name__}: {cause})"
    return "the connection broke"


def _wrap_transport_error(exc: BaseException, ctx: ErrorContext) -> BaseException:
    """A transport error out of a started stream, as the SDK's connection error.

    openai<3 lets its HTTP library's errors out of a stream unwrapped; openai>=3
    and the lean transport wrap them. Wrapping them here makes the same cut
    raise the same classes on every SDK we support.
    """
    sdk = openai._base_client
    http = getattr(sdk, "httpx2", None) or sdk.httpx  # type: ignore[attr-defined]
    if not isinstance(exc, http.TransportError):
        return exc
    try:
        request = exc.request
    except RuntimeError:  # raised by the SSE decoder, which has no request
        request = http.Request("POST", ctx.base_url or "http://localhost")
    wrapper: openai.APIConnectionError
    if isinstance(exc, http.TimeoutException):
        wrapper = openai.APITimeoutError(request)
    else:
        wrapper = OpenAIConnectionError(request=request)
    wrapper.__cause__ = exc
    return wrapper


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
        ctx: The call's context, for _hints().
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
        return _translate_status(exc, ctx)

    if in_stream:
        exc = _wrap_transport_error(exc, ctx)
    timed_out = isinstance(exc, openai.APITimeoutError | TimeoutError)
    if timed_out or isinstance(exc, openai.APIConnectionError):
        fields = ErrorFields(None, str(exc), stream_request_id)
        if in_stream and progress is not None:
            why = (
                f"no data for timeout={ctx.timeout!r} seconds"
                if timed_out
                else _why_interrupted(exc)
            )
            summary, hint = _hints().interrupted(progress, why)
            if timed_out:
                hint += " " + _hints().timeout_hint(ctx, in_stream=True)
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
            hint = _hints().timeout_hint(ctx, in_stream=False, tries=_tries(exc, ctx))
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
    hint = _hints().hint(kind, ctx, fields, "not retried: DashScope answered with 200")
    summary = fields.message or str(exc)
    if in_stream and progress is not None and kind is not ContentModerationError:
        summary, cut = _hints().interrupted(
            progress, f"DashScope sent an error: {summary}"
        )
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
    summary, hint = _hints().interrupted(
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


__all__ = ["retries_taken", "stream_incomplete", "translate"]
