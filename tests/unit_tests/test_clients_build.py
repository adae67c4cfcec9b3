"""`_clients._build_plain` builds the very request the SDK's `_build_request` builds.

The SDK's own method (`openai.OpenAI._build_request`, bypassing ChatQwen's
override) is the reference; each case compares method, URL, headers in order,
body bytes and extensions. No request is sent.
"""

from __future__ import annotations

import logging
from typing import Any

import openai
import pytest
from openai._base_client import make_request_options
from openai._models import FinalRequestOptions

from langchain_qwen import ChatQwen
from langchain_qwen._dashscope import clients as _clients
from tests.conftest import httpx2

BASE = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
BODY = {"model": "qwen-plus", "messages": [{"role": "user", "content": "你好 ✓"}]}


def _options(**kwargs: Any) -> FinalRequestOptions:
    extra = {
        k: kwargs.pop(k)
        for k in ("extra_headers", "extra_query", "extra_body", "timeout")
        if k in kwargs
    }
    return FinalRequestOptions.construct(
        method=kwargs.pop("method", "post"),
        url=kwargs.pop("url", "/chat/completions"),
        json_data=kwargs.pop("json_data", BODY),
        **make_request_options(security={"bearer_auth": True}, **extra),
        **kwargs,
    )


def _seen(request: Any) -> tuple[Any, ...]:
    return (
        request.method,
        str(request.url),
        list(request.headers.multi_items()),
        request.read() if hasattr(request, "read") else request.content,
        request.extensions,
    )


def _model(**kwargs: Any) -> ChatQwen:
    return ChatQwen(model="qwen-plus", api_key="sk-build", base_url=BASE, **kwargs)


CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("plain", {}, {}),
    ("retried", {}, {"retries_taken": 2}),
    ("extra headers", {}, {"extra_headers": {"X-Trace": "t1", "User-Agent": "me"}}),
    ("header removed", {}, {"extra_headers": {"x-stainless-retry-count": "9"}}),
    ("call timeout", {}, {"timeout": 12.5}),
    ("httpx timeout", {}, {"timeout": httpx2.Timeout(3.0, connect=1.0)}),
    ("client timeout", {"timeout": 40}, {}),
    ("default headers", {"default_headers": {"X-Team": "rag"}}, {}),
    ("no body", {}, {"json_data": None}),
    ("body not given", {}, {"json_data": openai.NOT_GIVEN}),
    ("bytes body", {}, {"json_data": b'{"a":1}'}),
    ("other path", {}, {"url": "/models"}),
]


@pytest.mark.parametrize(("name", "init", "call"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_plain_build_matches_the_sdk(
    name: str, init: dict[str, Any], call: dict[str, Any], sync: bool
) -> None:
    call = dict(call)
    retries = call.pop("retries_taken", 0)
    model = _model(**init)
    client = model.root_client if sync else model.root_async_client
    sdk = openai.OpenAI if sync else openai.AsyncOpenAI
    options = _options(**call)
    expected = sdk._build_request(client, options, retries_taken=retries)
    built: list[Any] = []
    original = client._build_headers

    def spy(*args: Any, **kwargs: Any) -> Any:
        built.append(True)
        return original(*args, **kwargs)

    client._build_headers = spy  # type: ignore[method-assign]
    got = client._build_request(options, retries_taken=retries)
    assert built, "the plain build did not run"
    assert _seen(got) == _seen(expected)


def _with_cookies(model: ChatQwen) -> Any:
    model.root_client._client.cookies.set("session", "1")
    return model


@pytest.mark.parametrize(
    ("name", "options", "setup"),
    [
        ("extra body", {"extra_body": {"enable_thinking": True}}, None),
        ("extra query", {"extra_query": {"a": "1"}}, None),
        ("get", {"method": "get", "json_data": None}, None),
        ("cookies", {}, _with_cookies),
    ],
)
def test_other_requests_take_the_sdk_build(
    name: str, options: dict[str, Any], setup: Any
) -> None:
    model = _model(http_client=httpx2.Client())
    if setup is not None:
        setup(model)
    client = model.root_client
    built: list[Any] = []
    original = openai.OpenAI._build_request

    def sdk_build(self: Any, opts: Any, *, retries_taken: int = 0) -> Any:
        built.append(opts)
        return original(self, opts, retries_taken=retries_taken)

    opts = _options(**options)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openai.OpenAI, "_build_request", sdk_build)
        got = client._build_request(opts)
    assert built == [opts]
    if name == "cookies":
        assert got.headers["cookie"] == "session=1"


def test_debug_logging_keeps_the_sdk_build(caplog: pytest.LogCaptureFixture) -> None:
    client = _model().root_client
    with caplog.at_level(logging.DEBUG, logger="openai"):
        client._build_request(_options())
    assert "Building HTTP request" in caplog.text


def test_a_users_http_client_headers_are_kept() -> None:
    http = httpx2.Client(headers={"X-Proxy-Auth": "p", "Accept": "text/plain"})
    client = _model(http_client=http).root_client
    options = _options()
    expected = openai.OpenAI._build_request(client, options)
    got = _clients._build_plain(client, options, 0, None)
    assert _seen(got) == _seen(expected)
    assert got.headers["x-proxy-auth"] == "p"
    assert got.headers["accept"] == "application/json"
