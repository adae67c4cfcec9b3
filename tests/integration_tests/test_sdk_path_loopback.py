"""The lean transport steps aside for the SDK's typed path when it must.

- Tracing tools wrap `Completions.create` / `AsyncCompletions.create` (here
  with `wrapt`, exactly as OpenTelemetry's openai instrumentation does): every
  invoke, stream, ainvoke and astream must reach the wrapper.
- A changed private SDK API (a simulated new release): every call still works,
  on the SDK's typed path, and one debug line names what differed.
- Nobody watching: the lean transport serves every call (the check costs
  identity checks only).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import openai
import openai.resources.chat.completions as completions_module
import pytest
import wrapt

from langchain_qwen import ChatQwen
from langchain_qwen._chat import sdk_path
from langchain_qwen._dashscope import clients as _clients
from langchain_qwen.testing import DashScopeServer

MODES = ("invoke", "stream", "ainvoke", "astream")


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        yield srv


def _model(server: DashScopeServer) -> ChatQwen:
    return ChatQwen(base_url=server.base_url, api_key="sk-path", max_retries=0)


async def _call(model: ChatQwen, mode: str) -> str:
    prompt = f"say {mode}"
    if mode == "invoke":
        return str(model.invoke(prompt).content)
    if mode == "ainvoke":
        return str((await model.ainvoke(prompt)).content)
    if mode == "stream":
        return "".join(str(c.content) for c in model.stream(prompt))
    return "".join([str(c.content) async for c in model.astream(prompt)])


@pytest.fixture
def otel_wrapped(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wrap both `create`s with wrapt, as opentelemetry-instrumentation-openai does."""
    seen: list[str] = []
    for cls in (completions_module.Completions, completions_module.AsyncCompletions):
        # Restored after the test (wrapt replaces the class attribute).
        monkeypatch.setattr(cls, "create", cls.__dict__["create"])

    def sync_wrapper(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        seen.append("sync stream" if kwargs.get("stream") else "sync")
        return wrapped(*args, **kwargs)

    async def async_wrapper(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        seen.append("async stream" if kwargs.get("stream") else "async")
        return await wrapped(*args, **kwargs)

    wrapt.wrap_function_wrapper(
        "openai.resources.chat.completions", "Completions.create", sync_wrapper
    )
    wrapt.wrap_function_wrapper(
        "openai.resources.chat.completions", "AsyncCompletions.create", async_wrapper
    )
    return seen


async def test_a_tracer_wrapping_create_sees_every_call(
    server: DashScopeServer, otel_wrapped: list[str], lean_calls: list[str]
) -> None:
    model = _model(server)
    answers = [await _call(model, mode) for mode in MODES]
    assert all(answers), answers
    assert otel_wrapped == ["sync", "sync stream", "async", "async stream"]
    assert lean_calls == []
    assert len(server.requests) == 4


async def test_a_model_built_before_the_tracer_is_seen_too(
    server: DashScopeServer, lean_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _model(server)
    await _call(model, "invoke")
    assert lean_calls == ["generate"]  # nobody watching yet
    seen: list[str] = []
    cls = completions_module.Completions
    own = cls.__dict__["create"]

    def traced(self: Any, *args: Any, **kwargs: Any) -> Any:  # a plain patch
        seen.append("create")
        return own(self, *args, **kwargs)

    monkeypatch.setattr(cls, "create", traced)
    lean_calls.clear()
    assert await _call(model, "stream")
    assert seen == ["create"]
    assert lean_calls == []


async def test_nobody_watching_takes_the_lean_path(
    server: DashScopeServer, lean_calls: list[str]
) -> None:
    model = _model(server)
    for mode in MODES:
        assert await _call(model, mode)
    assert lean_calls == ["generate", "stream", "agenerate", "astream"]


async def test_patching_the_instance_create_is_seen(
    server: DashScopeServer, lean_calls: list[str]
) -> None:
    model = _model(server)
    seen: list[str] = []
    real = model.client.create
    async_real = model.async_client.create

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append("sync")
        return real(*args, **kwargs)

    async def aspy(*args: Any, **kwargs: Any) -> Any:
        seen.append("async")
        return await async_real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(model.client, "create", spy)
        mp.setattr(model.async_client, "create", aspy)
        for mode in MODES:
            assert await _call(model, mode)
    assert seen == ["sync", "sync", "async", "async"]
    assert lean_calls == []
    # Unpatched again: back on the lean path.
    assert await _call(model, "invoke")
    assert lean_calls == ["generate"]


# --------------------------------------------------------------------------
# A changed private SDK API
# --------------------------------------------------------------------------


@pytest.fixture
def fresh_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget this process's verdict on the SDK's private API (and after)."""
    monkeypatch.setattr(sdk_path, "_VERDICT", [])


def _grown(own: Any) -> Any:
    def build_headers(
        self: Any, options: Any, *, retries_taken: int = 0, idempotent: bool = False
    ) -> Any:
        return own(self, options, retries_taken=retries_taken)

    return build_headers


def _changed_build_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new SDK release: `_build_headers` grows a keyword, still works the same."""
    for cls in (openai.OpenAI, openai.AsyncOpenAI):
        monkeypatch.setattr(cls, "_build_headers", _grown(cls._build_headers))


async def test_a_changed_private_api_falls_back_and_every_call_works(
    server: DashScopeServer,
    lean_calls: list[str],
    fresh_verdict: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _changed_build_headers(monkeypatch)
    with caplog.at_level(logging.DEBUG, logger="langchain_qwen._chat.sdk_path"):
        model = _model(server)
        other = _model(server)
        answers = [await _call(m, mode) for m in (model, other) for mode in MODES]
    assert all(answers), answers
    assert lean_calls == []
    assert len(server.requests) == 8
    lines = [r.getMessage() for r in caplog.records if r.name.endswith("sdk_path")]
    assert len(lines) == 1, lines
    assert "OpenAI._build_headers(self, options, retries_taken, idempotent)" in lines[0]
    assert "typed path" in lines[0]
    assert type(model.root_client) is openai.OpenAI  # not switched


@pytest.mark.skipif(
    not _clients._PLAIN_BUILD,
    reason="this openai SDK (<3) has no httpx2 helpers: the SDK's own build serves",
)
async def test_a_lean_build_that_differs_falls_back(
    server: DashScopeServer,
    lean_calls: list[str],
    fresh_verdict: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    own = _clients._build_plain

    def drops_a_header(client: Any, options: Any, retries: int, build: Any) -> Any:
        request = own(client, options, retries, build)
        del request.headers["x-stainless-retry-count"]
        return request

    monkeypatch.setattr(_clients, "_build_plain", drops_a_header)
    with caplog.at_level(logging.DEBUG, logger="langchain_qwen._chat.sdk_path"):
        model = _model(server)
        answers = [await _call(model, mode) for mode in MODES]
    assert all(answers)
    assert lean_calls == []
    (line,) = [r.getMessage() for r in caplog.records if r.name.endswith("sdk_path")]
    assert "differs from the SDK's own" in line


def test_the_installed_sdk_passes_the_check(
    fresh_verdict: None, caplog: pytest.LogCaptureFixture
) -> None:
    # Otherwise the lean path would be off for everyone, silently.
    client = openai.OpenAI(api_key="sk-probe", base_url="http://127.0.0.1:9/v1")
    with caplog.at_level(logging.DEBUG, logger="langchain_qwen._chat.sdk_path"):
        assert sdk_path.private_api_ok(client)
    assert not [r for r in caplog.records if r.name.endswith("sdk_path")]
    assert type(client) is openai.OpenAI  # the probe changes nothing
