"""errors.py: what a user sees when DashScope says no.

Exceptions are built the way the `openai` SDK and langchain-openai build them
(same classes, same constructor arguments, a real `httpx` response), then
translated; the assertions are on what a user can catch and read.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAuthenticationError,
    ModelError,
    ModelRateLimitError,
)
from langchain_openai.chat_models._client_utils import StreamChunkTimeoutError
from langchain_openai.chat_models.base import (
    OpenAIAPIError,
    OpenAIAuthenticationError,
    OpenAIConnectionError,
    OpenAIInvalidRequestError,
    OpenAIModelNotFoundError,
    OpenAIPermissionDeniedError,
    OpenAIRateLimitError,
    OpenAITimeoutError,
)

from langchain_qwen import (
    BillingError,
    ContentModerationError,
    MalformedResponseError,
    QuotaExceededError,
    QwenAuthenticationError,
    QwenConnectionError,
    QwenContextOverflowError,
    QwenError,
    QwenInvalidRequestError,
    QwenModelNotFoundError,
    QwenPermissionDeniedError,
    QwenServerError,
    QwenTimeoutError,
    StreamInterruptedError,
    ThrottlingError,
)
from langchain_qwen._dashscope.translate import stream_incomplete, translate
from langchain_qwen.errors import (
    ErrorContext,
    StreamProgress,
    classify,
    error_fields,
)
from tests.conftest import httpx2

SG = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
KEY = "sk-unit-secret-0123456789"

# The parent's classified class for each status, as it raises them.
PARENT_CLASS = {
    400: OpenAIInvalidRequestError,
    401: OpenAIAuthenticationError,
    403: OpenAIPermissionDeniedError,
    404: OpenAIModelNotFoundError,
    429: OpenAIRateLimitError,
    500: OpenAIAPIError,
    503: OpenAIAPIError,
}


def ctx(
    base_url: str = SG, region: str | None = "singapore", **kw: Any
) -> ErrorContext:
    return ErrorContext(
        base_url=base_url,
        region=region,
        model=kw.pop("model", "qwen-plus"),
        max_retries=kw.pop("max_retries", 2),
        timeout=kw.pop("timeout", None),
        secrets=(KEY,),
    )


def status_error(
    status: int,
    code: str | None,
    message: str,
    *,
    type_: str | None = None,
    request_id: str | None = "rid-body",
    header_id: str = "rid-header",
) -> openai.APIStatusError:
    """What langchain-openai raises for a DashScope error response."""
    inner: dict[str, Any] = {"message": message, "type": type_ or code, "param": None}
    if code is not None:
        inner["code"] = code
    envelope: dict[str, Any] = {"error": inner}
    if request_id is not None:
        envelope["request_id"] = request_id
    request = httpx2.Request("POST", f"{SG}/chat/completions")
    response = httpx2.Response(
        status,
        content=json.dumps(envelope).encode(),
        headers={"x-request-id": header_id, "content-type": "application/json"},
        request=request,
    )
    cls = PARENT_CLASS[status]
    return cls(f"Error code: {status} - {message}", response=response, body=inner)


# --- classification -------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (
            401,
            "invalid_api_key",
            "Incorrect API key provided.",
            QwenAuthenticationError,
        ),
        (401, "InvalidApiKey", "Invalid API-key provided.", QwenAuthenticationError),
        (
            400,
            "data_inspection_failed",
            "Input data may contain inappropriate content.",
            ContentModerationError,
        ),
        (
            400,
            "DataInspectionFailed",
            "Output data may contain inappropriate content.",
            ContentModerationError,
        ),
        (
            400,
            "Arrearage",
            "Access denied, please make sure your account is in good standing.",
            BillingError,
        ),
        (429, "CommodityNotPurchased", "Not purchased.", BillingError),
        (429, "PrepaidBillOverdue", "Overdue.", BillingError),
        (429, "PostpaidBillOverdue", "Overdue.", BillingError),
        (
            429,
            "insufficient_quota",
            "You exceeded your current quota.",
            QuotaExceededError,
        ),
        (
            429,
            "Throttling.AllocationQuota",
            "Allocated quota exceeded.",
            QuotaExceededError,
        ),
        (
            403,
            "AllocationQuota.FreeTierOnly",
            "The free tier of the model has been exhausted.",
            QuotaExceededError,
        ),
        (
            429,
            "AllocationQuota.FreeTierOnly",
            "The free tier of the model has been exhausted.",
            QuotaExceededError,
        ),
        (
            429,
            "limit_requests",
            "You have exceeded your current request limit.",
            ThrottlingError,
        ),
        (
            429,
            "limit_burst_rate",
            "Request rate increased too quickly.",
            ThrottlingError,
        ),
        (429, "Throttling", "Requests throttling triggered.", ThrottlingError),
        (
            429,
            "Throttling.RateQuota",
            "You have exceeded your request limit.",
            ThrottlingError,
        ),
        (
            429,
            "Throttling.BurstRate",
            "Request rate increased too quickly.",
            ThrottlingError,
        ),
        (429, None, "Free allocated quota exceeded.", QuotaExceededError),
        (429, None, "Too many requests.", ThrottlingError),
        (500, "InternalError", "An internal error has occured.", QwenServerError),
        (500, "internal_error", "An internal error has occured.", QwenServerError),
        (500, "InternalError.Algo", "inference internal error.", QwenServerError),
        (
            500,
            "RequestTimeOut",
            "Request timed out, please try again later.",
            QwenServerError,
        ),
        (503, "ModelServingError", "Too many requests.", QwenServerError),
        (
            503,
            "ModelUnavailable",
            "Model is unavailable, please try again later.",
            QwenServerError,
        ),
        (
            404,
            "model_not_found",
            "The model `qwen-plux` does not exist or you do not have access to it.",
            QwenModelNotFoundError,
        ),
        (
            404,
            "model_not_supported",
            "Unsupported model qwen-x for OpenAI compatibility mode.",
            QwenModelNotFoundError,
        ),
        (400, "invalid_parameter_error", "Model not exist.", QwenModelNotFoundError),
        (403, "AccessDenied", "Access denied.", QwenPermissionDeniedError),
        (403, "Model.AccessDenied", "Access denied.", QwenPermissionDeniedError),
        (403, "AccessDenied.Unpurchased", "Not activated.", BillingError),
        (
            400,
            "invalid_parameter_error",
            "Range of input length should be [1, 129024]",
            QwenContextOverflowError,
        ),
        (
            400,
            "invalid_parameter_error",
            "parameter.enable_thinking must be set to false for non-streaming calls",
            QwenInvalidRequestError,
        ),
    ],
)
def test_classify(status: int, code: str | None, message: str, expected: type) -> None:
    assert classify(status, code, message) is expected


def test_error_fields_reads_every_envelope_shape() -> None:
    compat = {
        "error": {
            "message": "m",
            "type": "Arrearage",
            "param": None,
            "code": "Arrearage",
        },
        "id": "chatcmpl-abc",
        "request_id": "abc",
    }
    assert error_fields(compat) == error_fields(compat["error"], compat)
    fields = error_fields(compat)
    assert (fields.code, fields.message, fields.request_id) == ("Arrearage", "m", "abc")
    # `type` stands in for a missing code only when it is specific.
    assert error_fields({"error": {"message": "m", "type": "limit_requests"}}).code == (
        "limit_requests"
    )
    assert (
        error_fields({"error": {"message": "m", "type": "invalid_request_error"}}).code
        is None
    )
    # id without request_id; native (top-level) shape; junk.
    assert (
        error_fields({"error": {"message": "m"}, "id": "chatcmpl-x1"}).request_id
        == "x1"
    )
    native = error_fields(
        {"code": "Throttling", "message": "slow down", "request_id": "r"}
    )
    assert (native.code, native.message, native.request_id) == (
        "Throttling",
        "slow down",
        "r",
    )
    assert error_fields("<html>") == error_fields(None)


# --- translation of HTTP errors -------------------------------------------


def test_translated_error_keeps_every_class_the_caller_catches() -> None:
    exc = status_error(429, "limit_requests", "Requests rate limit exceeded.")
    new = translate(exc, ctx())
    assert isinstance(new, ThrottlingError)
    assert isinstance(new, QwenError)
    assert isinstance(new, openai.RateLimitError)
    assert isinstance(new, OpenAIRateLimitError)
    assert isinstance(new, ModelRateLimitError)
    assert new.is_retryable is True
    # openai's own attributes are intact.
    assert new.status_code == 429
    assert new.response is exc.response
    assert new.body == exc.body
    assert new.code == "limit_requests"
    # DashScope's fields.
    assert new.error_message == "Requests rate limit exceeded."
    assert new.request_id == "rid-body"  # the body wins over the header
    assert "Requests rate limit exceeded." in str(new)
    assert "limit_requests" in str(new)
    assert "rid-body" in str(new)
    assert str(new).endswith(f"Hint: {new.hint}")
    assert "max_retries" in new.hint
    assert new.message == str(new)


def test_request_id_falls_back_to_the_header() -> None:
    exc = status_error(500, "InternalError", "boom", request_id=None, header_id="hdr-9")
    new = translate(exc, ctx())
    assert isinstance(new, QwenServerError)
    assert new.request_id == "hdr-9"


def test_quota_on_429_is_not_retryable_for_langchain_retry_middleware() -> None:
    new = translate(status_error(429, "insufficient_quota", "quota"), ctx())
    assert isinstance(new, QuotaExceededError)
    assert isinstance(new, openai.RateLimitError)  # what the SDK said
    # ModelRateLimitError says "retryable"; the quota says otherwise, and wins.
    assert new.is_retryable is False
    assert "Not retried" in new.hint


def test_wrong_region_401_names_region_endpoint_and_the_other_regions() -> None:
    exc = status_error(401, "invalid_api_key", "Incorrect API key provided.")
    new = translate(exc, ctx())
    assert isinstance(new, QwenAuthenticationError)
    assert isinstance(new, OpenAIAuthenticationError)
    assert isinstance(new, ModelAuthenticationError)
    hint = new.hint
    assert SG in hint
    assert "'singapore'" in hint
    assert "belong to one region" in hint
    for other in ("us", "beijing", "hongkong", "frankfurt", "tokyo"):
        assert other in hint
    assert "DASHSCOPE_REGION" in hint
    assert "region=" in hint
    assert hint in str(new)


def test_401_hint_for_beijing_lists_singapore() -> None:
    cn = "https://dashscope.aliyuncs.com/compatible-mode/v1"
    new = translate(status_error(401, "invalid_api_key", "x"), ctx(cn, "beijing"))
    assert new is not None
    assert "'beijing'" in new.hint
    assert "singapore" in new.hint  # type: ignore[attr-defined]


def test_401_on_a_non_dashscope_host_says_which_key_is_sent() -> None:
    new = translate(
        status_error(401, "invalid_api_key", "x"), ctx("http://vllm:8000/v1", None)
    )
    assert isinstance(new, QwenAuthenticationError)
    assert "http://vllm:8000/v1" in new.hint
    assert "api_key=" in new.hint


def test_401_on_the_coding_plan_host_names_the_plan() -> None:
    url = "https://coding-intl.dashscope.aliyuncs.com/v1"
    new = translate(status_error(401, "invalid_api_key", "x"), ctx(url, "singapore"))
    assert isinstance(new, QwenAuthenticationError)
    assert "Coding Plan" in new.hint


@pytest.mark.parametrize(
    ("status", "code", "message", "kind", "in_hint"),
    [
        (
            400,
            "Arrearage",
            "Access denied, please make sure your account is in good standing.",
            BillingError,
            "overdue payment",
        ),
        (
            429,
            "insufficient_quota",
            "You exceeded your current quota.",
            QuotaExceededError,
            "quota",
        ),
        (
            403,
            "AllocationQuota.FreeTierOnly",
            "The free tier of the model has been exhausted.",
            QuotaExceededError,
            "free tier only",
        ),
        (403, "AccessDenied", "Access denied.", QwenPermissionDeniedError, "billing"),
        (
            403,
            "AccessDenied.Unpurchased",
            "Access denied.",
            BillingError,
            "not activated",
        ),
        (
            404,
            "model_not_found",
            "The model `qwen-plux` does not exist.",
            QwenModelNotFoundError,
            "list_models('singapore')",
        ),
        (
            404,
            "model_not_supported",
            "Unsupported model.",
            QwenModelNotFoundError,
            "OpenAI-compatible mode",
        ),
        (
            400,
            "invalid_parameter_error",
            "parameter.enable_thinking must be set to false for non-streaming calls",
            QwenInvalidRequestError,
            "enable_thinking=False",
        ),
        (
            400,
            "invalid_parameter_error",
            "This model only support stream mode, please enable the stream parameter.",
            QwenInvalidRequestError,
            "streaming=True",
        ),
        (
            400,
            "invalid_parameter_error",
            "current user api does not support http call",
            QwenInvalidRequestError,
            "streaming=True",
        ),
        (
            400,
            "invalid_parameter_error",
            "The value of the enable_thinking parameter is restricted to True.",
            QwenInvalidRequestError,
            "drop enable_thinking=False",
        ),
        (
            400,
            "InvalidParameter.NotSupportEnableThinking",
            "The model xxx does not support enable_thinking.",
            QwenInvalidRequestError,
            "drop enable_thinking",
        ),
        (
            400,
            "InvalidParameter",
            "The thinking_budget parameter must be a positive integer",
            QwenInvalidRequestError,
            "thinking_budget",
        ),
        (
            400,
            "invalid_parameter_error",
            "Json mode response is not supported when enable_thinking is true",
            QwenInvalidRequestError,
            "enable_thinking=False",
        ),
        (
            400,
            "invalid_parameter_error",
            'tool_choice is one of the strings that should be ["none", "auto"]',
            QwenInvalidRequestError,
            "enable_thinking=False",
        ),
        (
            400,
            "invalid_parameter_error",
            "Range of max_tokens should be [1, 32768]",
            QwenInvalidRequestError,
            "max_tokens",
        ),
        (
            400,
            "invalid_parameter_error",
            "Range of input length should be [1, 129024]",
            QwenContextOverflowError,
            "context window",
        ),
        (
            400,
            "data_inspection_failed",
            "Input text data may contain inappropriate content.",
            ContentModerationError,
            "blocked the input",
        ),
        (
            500,
            "RequestTimeOut",
            "Request timed out, please try again later.",
            QwenServerError,
            "streaming=True",
        ),
        (
            503,
            "ModelUnavailable",
            "Model is unavailable.",
            QwenServerError,
            "another model",
        ),
    ],
)
def test_hints_name_the_fix(
    status: int, code: str, message: str, kind: type, in_hint: str
) -> None:
    new = translate(status_error(status, code, message), ctx())
    assert isinstance(new, kind)
    assert isinstance(new, PARENT_CLASS[status])
    assert in_hint in new.hint  # type: ignore[attr-defined]
    assert new.code == code  # type: ignore[attr-defined]
    assert new.status_code == status  # type: ignore[attr-defined]


def test_context_overflow_is_langchains_context_overflow() -> None:
    exc = status_error(
        400, "invalid_parameter_error", "Range of input length should be [1, 129024]"
    )
    new = translate(exc, ctx())
    assert isinstance(new, ContextOverflowError)  # summarization middleware's cue
    assert isinstance(new, openai.BadRequestError)


def test_model_not_found_names_the_regions_the_catalogue_lists() -> None:
    us = "https://dashscope-us.aliyuncs.com/compatible-mode/v1"
    exc = status_error(404, "model_not_found", "The model does not exist.")
    new = translate(exc, ctx(us, "us", model="qwen-max"))
    assert isinstance(new, QwenModelNotFoundError)
    assert "The catalogue lists it for:" in new.hint
    assert "list_models('us')" in new.hint


def test_non_retryable_kinds() -> None:
    for status, code, retryable in [
        (400, "data_inspection_failed", False),
        (400, "Arrearage", False),
        (400, "invalid_parameter_error", False),
        (500, "InternalError", True),
        (429, "limit_requests", True),
    ]:
        new = translate(status_error(status, code, "m"), ctx())
        assert isinstance(new, ModelError)
        assert new.is_retryable is retryable, code


def test_the_key_never_shows_in_the_message() -> None:
    exc = status_error(401, "invalid_api_key", f"Incorrect API key provided: {KEY}")
    new = translate(exc, ctx())
    assert new is not None
    assert KEY not in str(new)
    assert KEY not in repr(new)
    assert KEY not in new.hint  # type: ignore[attr-defined]
    assert "***" in str(new)
    assert KEY not in repr(ctx())


def test_already_translated_and_unrelated_errors_pass_through() -> None:
    new = translate(status_error(429, "limit_requests", "m"), ctx())
    assert new is not None
    assert translate(new, ctx()) is None
    assert translate(KeyError("x"), ctx()) is None
    assert translate(ValueError("plain"), ctx()) is None


def test_combined_classes_are_made_once() -> None:
    a = translate(status_error(429, "limit_requests", "m"), ctx())
    b = translate(status_error(429, "Throttling", "m"), ctx())
    assert type(a) is type(b)
    assert type(a).__name__ == "ThrottlingError"


# --- errors that are not HTTP statuses ------------------------------------


def _request() -> httpx2.Request:
    return httpx2.Request("POST", f"{SG}/chat/completions")


def test_moderation_inside_a_200_stream() -> None:
    # What the SDK raises for `data: {"error": {...}}` after normal chunks.
    body = {
        "message": "Output data may contain inappropriate content.",
        "type": "data_inspection_failed",
        "param": None,
        "code": "data_inspection_failed",
    }
    exc = openai.APIError(body["message"], _request(), body=body)
    progress = StreamProgress(chunks=4, started=True, request_id="rid-stream")
    new = translate(exc, ctx(), progress)
    assert isinstance(new, ContentModerationError)
    assert isinstance(new, openai.APIError)
    assert new.code == "data_inspection_failed"
    assert new.request_id == "rid-stream"
    assert new.status_code == 200
    assert "output" in new.hint


def test_other_error_inside_a_stream_is_an_interruption() -> None:
    body = {"message": "oops", "code": "weird_code"}
    exc = openai.APIError("oops", _request(), body=body)
    new = translate(exc, ctx(), StreamProgress(chunks=2, started=True))
    assert isinstance(new, StreamInterruptedError)
    assert "after 2 chunks" in str(new)
    server = translate(
        openai.APIError(
            "x", _request(), body={"message": "x", "code": "internal_error"}
        ),
        ctx(),
        StreamProgress(chunks=2, started=True),
    )
    assert isinstance(server, QwenServerError)
    assert "incomplete" in server.hint


def test_dropped_stream_is_interrupted_and_still_a_connection_error() -> None:
    cause = httpx2.RemoteProtocolError("peer closed connection")
    sdk = openai.APIConnectionError(request=_request())
    sdk.__cause__ = cause
    parent = OpenAIConnectionError(message=sdk.message, request=sdk.request)
    parent.__cause__ = sdk
    new = translate(parent, ctx(), StreamProgress(chunks=3, started=True))
    assert isinstance(new, StreamInterruptedError)
    assert isinstance(new, OpenAIConnectionError)
    assert isinstance(new, openai.APIConnectionError)
    assert new.is_retryable is True
    assert "after 3 chunks" in str(new)
    assert "RemoteProtocolError" in str(new)
    assert "incomplete" in new.hint


def test_connection_error_before_any_answer() -> None:
    exc = OpenAIConnectionError(message="Connection error.", request=_request())
    new = translate(exc, ctx(), StreamProgress())
    assert isinstance(new, QwenConnectionError)
    assert isinstance(new, openai.APIConnectionError)
    assert SG in new.hint


def test_timeouts_before_and_during_a_stream() -> None:
    before = translate(OpenAITimeoutError(_request()), ctx(timeout=5))
    assert isinstance(before, QwenTimeoutError)
    assert isinstance(before, openai.APITimeoutError)
    assert "timeout=5" in before.hint
    during = translate(
        OpenAITimeoutError(_request()),
        ctx(timeout=5),
        StreamProgress(chunks=1, started=True),
    )
    assert isinstance(during, StreamInterruptedError)
    assert isinstance(during, openai.APITimeoutError)
    assert "timeout=5" in during.hint


def test_async_chunk_timeout_is_an_interruption() -> None:
    exc = StreamChunkTimeoutError(120.0, model_name="qwen-plus", chunks_received=2)
    new = translate(exc, ctx(), StreamProgress(chunks=2, started=True))
    assert isinstance(new, StreamInterruptedError)
    assert isinstance(new, TimeoutError)


def test_malformed_sse_line() -> None:
    try:
        json.loads("{not json")
    except json.JSONDecodeError as e:
        exc = e
    new = translate(exc, ctx(), StreamProgress(chunks=1, started=True))
    assert isinstance(new, MalformedResponseError)
    assert isinstance(new, json.JSONDecodeError)  # `except ValueError` still works
    assert "{not json" in new.hint


def test_error_envelope_in_a_200_body() -> None:
    # The parent raises ValueError(response["error"]) for such a body.
    exc = ValueError({"message": "Arrears.", "code": "Arrearage"})
    new = translate(exc, ctx())
    assert isinstance(new, BillingError)
    assert isinstance(new, ValueError)


def test_stream_without_finish_reason() -> None:
    err = stream_incomplete(
        ctx(), StreamProgress(chunks=5, started=True, request_id="r")
    )
    assert isinstance(err, StreamInterruptedError)
    assert isinstance(err, openai.APIConnectionError)
    assert "after 5 chunks" in str(err)
    assert err.request_id == "r"
    assert "finish_reason" in str(err)


def test_non_json_200_body() -> None:
    # What the parent raises when `parse()` returns the text of an HTML page.
    exc = ValueError(
        "Unexpected response type from OpenAI-compatible endpoint. Expected a dict "
        "or openai.BaseModel, got str: '<html>Please log in</html>'"
    )
    new = translate(exc, ctx())
    assert isinstance(new, MalformedResponseError)
    assert isinstance(new, ValueError)
    assert "Please log in" in str(new)


# --- every field free of the key; retries told as they happened ------------------


def test_the_key_is_in_no_field_of_the_translated_error() -> None:
    exc = status_error(401, "invalid_api_key", f"Incorrect API key provided: {KEY}")
    # What add_note() does on 3.11+ (3.10 has no add_note, but keeps the list).
    exc.__notes__ = [f"while calling with {KEY}"]
    new: Any = translate(exc, ctx())
    assert new is not None
    for text in (
        new.message,
        json.dumps(new.body),
        new.response.text,
        repr(new.args),
        repr(new.__notes__),
        repr(new.__dict__),
    ):
        assert KEY not in text
    assert new.body["message"] == "Incorrect API key provided: ***"
    assert new.response.status_code == 401
    assert new.response.headers["x-request-id"] == "rid-header"
    assert new.request_id == "rid-body"
    # The original is untouched (it is chained only when it holds no key).
    assert KEY in exc.body["message"]  # type: ignore[index]


def test_a_response_without_the_key_is_kept_as_is() -> None:
    exc = status_error(400, "invalid_parameter_error", "Range of n should be [1, 4]")
    new: Any = translate(exc, ctx())
    assert new.response is exc.response


def _with_retries(exc: openai.APIStatusError, taken: int, **headers: str) -> Any:
    exc.response.request.headers["x-stainless-retry-count"] = str(taken)
    exc.response.headers.update(headers)
    return exc


@pytest.mark.parametrize(
    ("taken", "headers", "max_retries", "says"),
    [
        (2, {}, 2, "retried 2 times with backoff"),
        (1, {}, 2, "retried 1 time with backoff"),
        (0, {"retry-after": "3600"}, 2, "not retried: DashScope asked to wait 3600"),
        (0, {"x-should-retry": "false"}, 2, "not retried: the server answered"),
        (0, {}, 0, "not retried: max_retries=0"),
    ],
)
def test_throttling_hint_tells_what_was_retried(
    taken: int, headers: dict[str, str], max_retries: int, says: str
) -> None:
    exc = _with_retries(status_error(429, "limit_requests", "m"), taken, **headers)
    new: Any = translate(exc, ctx(max_retries=max_retries))
    assert isinstance(new, ThrottlingError)
    assert says in new.hint
    assert "retried up to" not in new.hint


def test_server_hint_counts_retries() -> None:
    exc = _with_retries(status_error(500, "InternalError", "m"), 2)
    new: Any = translate(exc, ctx())
    assert "(retried 2 times with backoff)" in new.hint


def test_unknown_retry_count_keeps_the_budget_wording() -> None:
    new: Any = translate(status_error(429, "limit_requests", "m"), ctx())
    assert new.hint  # no retry-count header: the SDK did not say
    new = translate(status_error(500, "InternalError", "m"), ctx())
    assert "retried" in new.hint
