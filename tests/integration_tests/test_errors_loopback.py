"""DashScope errors through ChatQwen over real HTTP: what a user catches and reads.

Each test drives invoke, ainvoke, stream or astream against the loopback server
and asserts the exception's classes, its DashScope fields and hint, and how many
requests the server received for the call.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import openai
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import ModelRateLimitError

from langchain_qwen import (
    BillingError,
    ChatQwen,
    ContentModerationError,
    MalformedResponseError,
    QuotaExceededError,
    QwenAuthenticationError,
    QwenError,
    QwenInvalidRequestError,
    QwenModelNotFoundError,
    QwenPermissionDeniedError,
    QwenServerError,
    QwenTimeoutError,
    StreamInterruptedError,
    ThrottlingError,
)
from langchain_qwen.testing import (
    DashScopeServer,
    Reply,
    completion_chunks,
    error_body,
    error_reply,
    sse_reply,
    text_completion,
)
from tests.conftest import httpx2

KEY = "sk-loopback-secret-4242"
MODES = ["invoke", "ainvoke", "stream", "astream"]


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        yield srv


def make(server: DashScopeServer, **kw: Any) -> ChatQwen:
    kw.setdefault("max_retries", 2)
    return ChatQwen(base_url=server.base_url, api_key=KEY, **kw)


async def call(model: ChatQwen, mode: str, text: str = "hi") -> str:
    """Run one call the way a user would; return the whole answer's text."""
    if mode == "invoke":
        return str(model.invoke(text).content)
    if mode == "ainvoke":
        return str((await model.ainvoke(text)).content)
    if mode == "stream":
        return "".join(str(c.content) for c in model.stream(text))
    return "".join([str(c.content) async for c in model.astream(text)])


# (status, code, message, class, requests with max_retries=2)
ERRORS = [
    (401, "invalid_api_key", "Incorrect API key provided.", QwenAuthenticationError, 1),
    (
        400,
        "data_inspection_failed",
        "Input data may contain inappropriate content.",
        ContentModerationError,
        1,
    ),
    (
        400,
        "Arrearage",
        "Access denied, please make sure your account is in good standing.",
        BillingError,
        1,
    ),
    (
        429,
        "insufficient_quota",
        "You exceeded your current quota.",
        QuotaExceededError,
        1,
    ),
    (
        429,
        "Throttling.AllocationQuota",
        "Allocated quota exceeded.",
        QuotaExceededError,
        1,
    ),
    (
        403,
        "AllocationQuota.FreeTierOnly",
        "The free tier of the model has been exhausted.",
        QuotaExceededError,
        1,
    ),
    (403, "AccessDenied", "Access denied.", QwenPermissionDeniedError, 1),
    (
        404,
        "model_not_found",
        "The model `qwen-plux` does not exist.",
        QwenModelNotFoundError,
        1,
    ),
    (
        400,
        "invalid_parameter_error",
        "parameter.enable_thinking must be set to false for non-streaming calls",
        QwenInvalidRequestError,
        1,
    ),
    (
        429,
        "limit_requests",
        "Requests rate limit exceeded, please try again later.",
        ThrottlingError,
        3,
    ),
    (
        429,
        "limit_burst_rate",
        "Request rate increased too quickly.",
        ThrottlingError,
        3,
    ),
    (500, "InternalError", "An internal error has occured.", QwenServerError, 3),
    (
        500,
        "RequestTimeOut",
        "Request timed out, please try again later.",
        QwenServerError,
        3,
    ),
    (503, "ModelServingError", "Too many requests.", QwenServerError, 3),
    (
        503,
        "ModelUnavailable",
        "Model is unavailable, please try again later.",
        QwenServerError,
        3,
    ),
]


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("status", "code", "message", "kind", "requests"), ERRORS)
async def test_error_reaches_the_user_translated(
    server: DashScopeServer,
    mode: str,
    status: int,
    code: str,
    message: str,
    kind: type,
    requests: int,
) -> None:
    server.enqueue(
        *[error_reply(status, code, message, request_id=f"rid-{i}") for i in range(3)]
    )
    with pytest.raises(kind) as info:
        await call(make(server), mode)
    err = info.value
    assert len(server.requests) == requests
    assert isinstance(err, openai.APIStatusError)  # the SDK's class is kept
    assert err.status_code == status
    assert err.code == code
    assert err.error_message == message
    assert err.request_id == f"rid-{requests - 1}"  # the last attempt's
    assert err.hint
    assert err.hint in str(err)
    assert message in str(err)
    assert KEY not in str(err)
    assert KEY not in repr(err)


@pytest.mark.usefixtures("fast_retries")
async def test_throttling_is_retried_until_an_answer(server: DashScopeServer) -> None:
    server.enqueue(
        error_reply(429, "limit_requests", "slow down"),
        error_reply(500, "InternalError", "oops"),
        text_completion("Done."),
    )
    assert await call(make(server), "astream") == "Done."
    assert len(server.requests) == 3


def test_backoff_grows_between_retries(
    server: DashScopeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("openai._base_client.INITIAL_RETRY_DELAY", 0.05)
    arrivals: list[float] = []

    def handler(_: Any) -> Reply:
        arrivals.append(time.monotonic())
        return error_reply(429, "limit_requests", "slow down")

    srv = DashScopeServer(handler=handler).start()
    try:
        with pytest.raises(ThrottlingError):
            ChatQwen(base_url=srv.base_url, api_key=KEY, max_retries=3).invoke("hi")
    finally:
        srv.stop()
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert len(gaps) == 3
    # 0.05 * 2**n, less up to 25% jitter: each wait is longer than the one before.
    assert gaps[0] >= 0.0375
    assert gaps[1] >= 0.075
    assert gaps[2] >= 0.15
    assert gaps[0] < gaps[2]


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_moderation_inside_a_200_stream(
    server: DashScopeServer, mode: str
) -> None:
    chunks = completion_chunks("The answer is", request_id="mod-1")[:3]
    bad = error_body(
        "data_inspection_failed", "Output data may contain inappropriate content."
    )
    server.enqueue(sse_reply([*chunks, bad], done=False))
    with pytest.raises(ContentModerationError) as info:
        await call(make(server), mode)
    err = info.value
    assert isinstance(err, openai.APIError)
    assert err.code == "data_inspection_failed"
    assert err.request_id == "mod-1"  # from the response header
    assert err.status_code == 200
    assert "output" in err.hint
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_moderation_as_the_only_event(server: DashScopeServer, mode: str) -> None:
    server.enqueue(
        error_reply(
            400,
            "data_inspection_failed",
            "Input data may contain inappropriate content.",
            in_stream=True,
            request_id="mod-2",
        )
    )
    with pytest.raises(ContentModerationError) as info:
        await call(make(server), mode)
    assert info.value.request_id == "mod-2"


def test_wrong_region_key_names_the_region_and_what_to_try(
    server: DashScopeServer,
) -> None:
    # A real Singapore endpoint URL, answered by the loopback server.
    server.enqueue(error_reply(401, "invalid_api_key", "Incorrect API key provided."))
    loop = httpx2.URL(server.url)

    class ToLoopback(httpx2.HTTPTransport):
        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            request.url = request.url.copy_with(
                scheme="http", host=loop.host, port=loop.port
            )
            return super().handle_request(request)

    model = ChatQwen(
        region="singapore",
        api_key=KEY,
        max_retries=0,
        http_client=httpx2.Client(transport=ToLoopback()),
    )
    with pytest.raises(QwenAuthenticationError) as info:
        model.invoke("hi")
    text = str(info.value)
    assert "https://dashscope-intl.aliyuncs.com/compatible-mode/v1" in text
    assert "'singapore'" in text
    assert "belong to one region" in text
    assert all(r in text for r in ("us", "beijing", "hongkong", "frankfurt", "tokyo"))
    assert "DASHSCOPE_REGION" in text
    assert isinstance(info.value, openai.AuthenticationError)
    assert server.requests[0].path == "/compatible-mode/v1/chat/completions"


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_malformed_sse_line(server: DashScopeServer, mode: str) -> None:
    chunks: list[Any] = completion_chunks("Hello there")
    chunks.insert(2, "{this is not json")
    server.enqueue(sse_reply(chunks))
    with pytest.raises(MalformedResponseError) as info:
        await call(make(server), mode)
    assert isinstance(info.value, ValueError)
    assert "{this is not json" in str(info.value)


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_malformed_json_body(server: DashScopeServer, mode: str) -> None:
    server.enqueue(Reply(body=b'{"choices": [', status=200))
    with pytest.raises(MalformedResponseError):
        await call(make(server), mode)


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_html_page_instead_of_json(server: DashScopeServer, mode: str) -> None:
    # A proxy or captive portal answering 200 with a web page.
    page = b"<html><body>Please log in</body></html>"
    server.enqueue(Reply(body=page, headers={"content-type": "text/html"}))
    with pytest.raises(MalformedResponseError) as info:
        await call(make(server), mode)
    assert "Please log in" in str(info.value)


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_streaming_invoke_cut_short_raises(
    server: DashScopeServer, mode: str
) -> None:
    # streaming=True: invoke aggregates a stream, and must not return part of it.
    server.enqueue(sse_reply(completion_chunks("Half of an answer."), drop_after=3))
    with pytest.raises(StreamInterruptedError):
        await call(make(server, streaming=True), mode)


@pytest.mark.parametrize("mode", ["stream", "astream"])
@pytest.mark.parametrize("cut", ["drop", "no_done", "no_finish"])
async def test_streams_cut_short_raise(
    server: DashScopeServer, mode: str, cut: str
) -> None:
    chunks = completion_chunks("A long answer that is cut short somewhere.")
    if cut == "drop":
        reply = sse_reply(chunks, drop_after=4)
    elif cut == "no_done":
        reply = sse_reply(chunks, done=False)  # every chunk, then a clean close
    else:
        reply = sse_reply(chunks[:4], done=True)  # [DONE] but no finish_reason
    server.enqueue(reply)
    with pytest.raises(StreamInterruptedError) as info:
        await call(make(server), mode)
    assert isinstance(info.value, openai.APIConnectionError)
    assert info.value.is_retryable
    assert len(server.requests) == 1  # a started stream is not retried


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("mode", MODES)
async def test_slow_first_byte_times_out_and_is_retried(
    server: DashScopeServer, mode: str
) -> None:
    server.enqueue(*[text_completion("late", delay=2.0) for _ in range(2)])
    started = time.monotonic()
    with pytest.raises(QwenTimeoutError) as info:
        await call(make(server, timeout=0.3, max_retries=1), mode)
    assert isinstance(info.value, openai.APITimeoutError)
    assert "timeout=0.3" in info.value.hint
    assert len(server.requests) == 2
    assert time.monotonic() - started < 1.8


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_timeout_applies_between_stream_chunks(
    server: DashScopeServer, mode: str
) -> None:
    server.enqueue(sse_reply(completion_chunks("slow answer here"), chunk_delay=2.0))
    started = time.monotonic()
    with pytest.raises(StreamInterruptedError) as info:
        await call(make(server, timeout=0.3), mode)
    assert isinstance(info.value, openai.APITimeoutError)
    assert "timeout=0.3" in info.value.hint
    assert time.monotonic() - started < 1.5
    assert len(server.requests) == 1


async def test_error_after_retries_keeps_langchain_retry_semantics(
    server: DashScopeServer,
) -> None:
    server.enqueue(error_reply(429, "insufficient_quota", "quota"))
    with pytest.raises(ModelRateLimitError) as info:  # langchain-openai's contract
        await call(make(server, max_retries=0), "invoke")
    assert info.value.is_retryable is False


# --- security --------------------------------------------------------------


class Recorder(BaseCallbackHandler):
    """Keeps everything a tracer is handed."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_chat_model_start(
        self, serialized: Any, messages: Any, **kwargs: Any
    ) -> None:
        self.seen.append((serialized, kwargs))

    def on_llm_error(
        self, error: BaseException, *, run_id: UUID, **kwargs: Any
    ) -> None:
        self.seen.append((repr(error), str(error), kwargs))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.seen.append((response, kwargs))


@pytest.mark.usefixtures("fast_retries")
async def test_the_key_never_leaves_the_header(
    server: DashScopeServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-not-leak")
    caplog.set_level(logging.DEBUG)  # openai, httpx2, httpcore, langchain: everything
    recorder = Recorder()
    model = make(server, callbacks=[recorder])
    before = model.model_dump()
    errors: list[BaseException] = []
    server.enqueue(
        error_reply(429, "limit_requests", "slow"),
        text_completion("ok"),
        error_reply(401, "invalid_api_key", "Incorrect API key provided."),
        error_reply(500, "InternalError", "x"),
        error_reply(500, "InternalError", "x"),
        error_reply(500, "InternalError", "x"),
        sse_reply(completion_chunks("cut"), drop_after=1),
    )
    for mode in ("invoke", "ainvoke", "stream", "astream"):
        try:
            await call(model, mode)
        except QwenError as e:
            errors.append(e)
    assert len(errors) == 3
    assert model.model_dump() == before  # failed calls change nothing
    assert len(server.requests) == 7
    # Sent only as the Authorization header, never elsewhere; the OpenAI key never.
    for request in server.requests:
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert KEY not in request.raw.decode()
        assert KEY not in request.path
        assert "sk-openai" not in json.dumps(request.headers) + request.raw.decode()
    # Nowhere a person or a tracer sees.
    assert caplog.records
    logs = "\n".join(
        f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in caplog.records
    )
    shown = [
        logs,
        repr(model),
        str(model),
        repr(model.model_dump()),
        model.model_dump_json(),
        json.dumps(recorder.seen, default=repr),
        *(f"{e!r} {e} {e.__dict__!r}" for e in errors),
    ]
    for text in shown:
        assert KEY not in text


async def test_a_key_echoed_by_a_server_is_scrubbed(server: DashScopeServer) -> None:
    server.enqueue(
        error_reply(401, "invalid_api_key", f"Incorrect API key provided: {KEY}")
    )
    with pytest.raises(QwenAuthenticationError) as info:
        await call(make(server), "invoke")
    assert KEY not in str(info.value)
    assert KEY not in info.value.error_message
    assert info.value.__cause__ is None  # the echoed text is not chained either
    assert info.value.__suppress_context__


@pytest.mark.usefixtures("fast_retries")
async def test_openai_key_never_sent_on_errors_and_retries(
    server: DashScopeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-not-leak")
    monkeypatch.setenv("DASHSCOPE_BASE_URL", server.base_url)
    server.enqueue(
        error_reply(429, "limit_requests", "slow down"),
        error_reply(500, "InternalError", "oops"),
        error_reply(401, "invalid_api_key", "Incorrect API key provided."),
        sse_reply(completion_chunks("cut short"), drop_after=2),
        error_reply(429, "insufficient_quota", "quota"),
    )
    model = ChatQwen(model="qwen-plus", max_retries=2)  # no key anywhere but OpenAI's
    with pytest.raises(QwenAuthenticationError) as auth:
        await call(model, "invoke")
    with pytest.raises(StreamInterruptedError):
        await call(model, "stream")
    with pytest.raises(QuotaExceededError):
        await call(model, "astream")
    assert len(server.requests) == 5
    for request in server.requests:
        assert request.headers["authorization"] == "Bearer EMPTY"
        assert "sk-openai" not in json.dumps(request.headers) + request.raw.decode()
    assert "sk-openai" not in str(auth.value)
