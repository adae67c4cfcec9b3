"""_dashscope/clients.py: the SDK clients ChatQwen builds, with DashScope's retry rules.

Requests go to an in-process `httpx` mock transport (no sockets); each test
counts the requests the transport received for one call.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import openai
import pytest
from openai._streaming import SSEDecoder
from openai.resources.chat import AsyncChat, Chat
from openai.resources.chat.completions import AsyncCompletions, Completions

from langchain_qwen import (
    BillingError,
    ChatQwen,
    QuotaExceededError,
    QwenServerError,
    StreamInterruptedError,
    ThrottlingError,
)
from langchain_qwen._dashscope.clients import (
    QwenAsyncOpenAI,
    QwenOpenAI,
    StreamEndedWithoutDone,
    _DoneRequiredDecoder,
    install,
)
from langchain_qwen.testing import completion_body, completion_chunks, error_body
from tests.conftest import httpx2

BASE = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"


def error_response(
    status: int, code: str, headers: dict[str, str] | None = None
) -> httpx2.Response:
    body = error_body(code, f"message for {code}", request_id="rid")
    return httpx2.Response(status, json=body, headers=headers)


def ok_response(request: httpx2.Request) -> httpx2.Response:
    if json.loads(request.content).get("stream"):
        events = [f"data: {json.dumps(c)}\n\n" for c in completion_chunks("Hello")]
        return httpx2.Response(
            200,
            content=("".join(events) + "data: [DONE]\n\n").encode(),
            headers={"content-type": "text/event-stream", "x-request-id": "ok"},
        )
    return httpx2.Response(200, json=completion_body("Hello"))


class Script:
    """A transport handler that serves responses in order and counts requests."""

    def __init__(
        self, *responses: httpx2.Response | Callable[[httpx2.Request], httpx2.Response]
    ) -> None:
        self.responses = list(responses)
        self.count = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.count += 1
        item = self.responses.pop(0) if self.responses else ok_response
        return item(request) if callable(item) else item


def model(script: Script, **kw: Any) -> ChatQwen:
    transport = httpx2.MockTransport(script)
    return ChatQwen(
        base_url=BASE,
        api_key="sk-test",
        http_client=httpx2.Client(transport=transport),
        http_async_client=httpx2.AsyncClient(transport=transport),
        **kw,
    )


def test_clients_built_by_the_parent_are_switched() -> None:
    m = model(Script())
    assert type(m.root_client) is QwenOpenAI
    assert type(m.root_async_client) is QwenAsyncOpenAI
    assert m.client._client is m.root_client  # the parent's resource still points at it
    assert type(m.root_client.with_options(max_retries=5)) is QwenOpenAI


def test_clients_the_user_passed_are_left_alone() -> None:
    mine = openai.OpenAI(api_key="sk-mine", base_url=BASE)
    m = ChatQwen(
        base_url=BASE, api_key="sk-test", root_client=mine, client=mine.chat.completions
    )
    assert m.root_client is mine
    assert type(mine) is openai.OpenAI
    assert type(m.root_async_client) is QwenAsyncOpenAI  # still the parent's


def test_install_ignores_subclasses_and_none() -> None:
    class Mine(openai.OpenAI):
        pass

    client = Mine(api_key="k", base_url=BASE)
    install(client, None)
    assert type(client) is Mine


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize(
    ("status", "code", "kind", "requests"),
    [
        (429, "limit_requests", ThrottlingError, 3),
        (429, "limit_burst_rate", ThrottlingError, 3),
        (429, "Throttling.RateQuota", ThrottlingError, 3),
        (500, "InternalError", QwenServerError, 3),
        (500, "RequestTimeOut", QwenServerError, 3),
        (503, "ModelServingError", QwenServerError, 3),
        (503, "ModelUnavailable", QwenServerError, 3),
        (429, "insufficient_quota", QuotaExceededError, 1),
        (429, "Throttling.AllocationQuota", QuotaExceededError, 1),
        (429, "AllocationQuota.FreeTierOnly", QuotaExceededError, 1),
        (429, "Arrearage", BillingError, 1),
        (429, "CommodityNotPurchased", BillingError, 1),
        (429, "PrepaidBillOverdue", BillingError, 1),
        (429, "PostpaidBillOverdue", BillingError, 1),
    ],
)
@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_requests_per_call_follow_the_policy(
    status: int, code: str, kind: type, requests: int, mode: str
) -> None:
    script = Script(*[error_response(status, code) for _ in range(3)])
    m = model(script, max_retries=2)
    run = m.invoke if mode == "invoke" else (lambda text: list(m.stream(text)))
    with pytest.raises(kind):
        run("hi")
    assert script.count == requests


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("mode", ["ainvoke", "astream"])
async def test_async_requests_per_call_follow_the_policy(mode: str) -> None:
    # Async streams read the error body before deciding (it is not read yet).
    for code, expected in (("insufficient_quota", 1), ("limit_requests", 4)):
        script = Script(*[error_response(429, code) for _ in range(4)])
        m = model(script, max_retries=3)

        async def run(m: ChatQwen = m) -> None:
            if mode == "ainvoke":
                await m.ainvoke("hi")
            else:
                [c async for c in m.astream("hi")]

        with pytest.raises((QuotaExceededError, ThrottlingError)):
            await run()
        assert script.count == expected, code


@pytest.mark.usefixtures("fast_retries")
def test_throttled_then_answered() -> None:
    script = Script(
        error_response(429, "limit_requests"), error_response(503, "ModelUnavailable")
    )
    assert model(script, max_retries=2).invoke("hi").content == "Hello"
    assert script.count == 3


def test_max_retries_zero_means_one_request() -> None:
    script = Script(error_response(429, "limit_requests"))
    with pytest.raises(ThrottlingError):
        model(script, max_retries=0).invoke("hi")
    assert script.count == 1


@pytest.mark.usefixtures("fast_retries")
def test_server_headers_still_rule() -> None:
    # x-should-retry: false (and a retry-after beyond the SDK's cap) still win.
    script = Script(error_response(429, "limit_requests", {"x-should-retry": "false"}))
    with pytest.raises(ThrottlingError):
        model(script, max_retries=2).invoke("hi")
    assert script.count == 1


def test_decoder_raises_when_the_body_ends_without_done() -> None:
    decoder = _DoneRequiredDecoder(SSEDecoder())
    events = decoder.iter_bytes(iter([b'data: {"a": 1}\n\n', b'data: {"a": 2}\n\n']))
    assert [e.data for e in (next(events), next(events))] == ['{"a": 1}', '{"a": 2}']
    with pytest.raises(StreamEndedWithoutDone):
        next(events)
    assert issubclass(StreamEndedWithoutDone, httpx2.TransportError)


def _sse(chunks: list[Any], done: bool) -> httpx2.Response:
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks)
    if done:
        body += "data: [DONE]\n\n"
    return httpx2.Response(
        200, content=body.encode(), headers={"content-type": "text/event-stream"}
    )


def test_stream_that_ends_without_done_raises() -> None:
    script = Script(_sse(completion_chunks("Hello"), done=False))
    chunks: list[Any] = []
    with pytest.raises(StreamInterruptedError) as info:
        chunks.extend(model(script).stream("hi"))
    assert "[DONE]" in str(info.value)
    assert script.count == 1


def test_complete_streams_pass_unchanged() -> None:
    script = Script(_sse(completion_chunks("Hello world"), done=True))
    text = "".join(str(c.content) for c in model(script).stream("hi"))
    assert text == "Hello world"


async def test_async_stream_that_ends_without_done_raises() -> None:
    script = Script(_sse(completion_chunks("Hello"), done=False))
    with pytest.raises(StreamInterruptedError):
        [c async for c in model(script).astream("hi")]


def test_the_sdk_chat_resources_work_through_the_lazy_stand_ins() -> None:
    script = Script()
    m = model(script)
    completion = m.client.create(
        model="qwen-plus", messages=[{"role": "user", "content": "hi"}]
    )
    assert isinstance(completion, openai.types.chat.ChatCompletion)
    raw = m.root_client.chat.completions.with_raw_response.create(
        model="qwen-plus", messages=[{"role": "user", "content": "hi"}]
    )
    assert (
        raw.parse().choices[0].message.content == completion.choices[0].message.content
    )
    assert script.count == 2
    # Once loaded, the SDK's own objects are what the client hands out.
    assert type(m.root_client.chat) is Chat
    assert type(m.root_client.chat.completions) is Completions
    assert type(m.async_client.create.__self__) is AsyncCompletions
    assert type(m.root_async_client.chat) is AsyncChat
    assert "Completions object" in repr(m.client)


def test_a_client_assigned_after_construction_is_not_switched() -> None:
    m = model(Script())
    mine = openai.OpenAI(api_key="sk-mine", base_url=BASE)
    m.root_client = mine
    assert type(mine) is openai.OpenAI
