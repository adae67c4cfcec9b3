"""_dashscope/stream_guard.py: streams whole or raise; errors translated once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import openai
import pytest
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk
from pydantic import SecretStr

from langchain_qwen import ChatQwen, StreamInterruptedError, ThrottlingError
from langchain_qwen._dashscope.stream_guard import (
    aguard_stream,
    context_for,
    guard_stream,
    translating,
)
from langchain_qwen.errors import ErrorContext
from tests.conftest import httpx2

CTX = ErrorContext(base_url="http://127.0.0.1:9/v1", region=None, model="qwen-plus")


def chunk(text: str, finish: str | None = None) -> ChatGenerationChunk:
    info = {"finish_reason": finish} if finish else None
    return ChatGenerationChunk(
        message=AIMessageChunk(content=text), generation_info=info
    )


def complete() -> list[ChatGenerationChunk]:
    return [chunk("Hel"), chunk("lo"), chunk("", "stop"), chunk("")]


def test_a_complete_stream_passes_through_unchanged() -> None:
    chunks = complete()
    assert list(guard_stream(iter(chunks), CTX)) == chunks
    assert all(
        a is b for a, b in zip(guard_stream(iter(chunks), CTX), chunks, strict=True)
    )


def test_a_stream_without_finish_reason_raises_after_its_chunks() -> None:
    seen: list[ChatGenerationChunk] = []
    with pytest.raises(StreamInterruptedError) as info:
        seen.extend(guard_stream(iter(complete()[:2]), CTX))
    assert len(seen) == 2  # what arrived was delivered, then the error
    assert "after 2 chunks" in str(info.value)
    assert isinstance(info.value, openai.APIConnectionError)


def test_an_empty_stream_raises() -> None:
    with pytest.raises(StreamInterruptedError, match="after 0 chunks"):
        list(guard_stream(iter([]), CTX))


def test_a_consumer_that_stops_early_gets_no_error() -> None:
    stream = guard_stream(iter(complete()[:2]), CTX)
    assert next(stream).text == "Hel"
    stream.close()  # GeneratorExit: not an interruption


def _failing(
    after: list[ChatGenerationChunk], exc: Exception
) -> Iterator[ChatGenerationChunk]:
    yield from after
    raise exc


def test_errors_inside_the_stream_are_translated() -> None:
    exc = openai.APIError(
        "rate",
        request=httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions"),
        body={"message": "rate", "code": "limit_requests"},
    )
    with pytest.raises(ThrottlingError) as info:
        list(guard_stream(_failing([chunk("a")], exc), CTX))
    assert info.value.__cause__ is exc


def test_other_errors_pass_unchanged() -> None:
    exc = KeyError("not an API error")
    with pytest.raises(KeyError) as info:
        list(guard_stream(_failing([], exc), CTX))
    assert info.value is exc


async def _agen(items: list[ChatGenerationChunk]) -> AsyncIterator[ChatGenerationChunk]:
    for item in items:
        yield item


async def test_async_guard() -> None:
    chunks = complete()
    assert [c async for c in aguard_stream(_agen(chunks), CTX)] == chunks
    with pytest.raises(StreamInterruptedError):
        [c async for c in aguard_stream(_agen(chunks[:1]), CTX)]


def test_translating_leaves_results_and_other_errors_alone() -> None:
    with translating(CTX):
        value = 1
    assert value == 1
    with pytest.raises(ZeroDivisionError), translating(CTX):
        _ = 1 / 0


def test_context_for_reads_the_model_without_showing_the_key() -> None:
    m = ChatQwen(
        base_url="http://127.0.0.1:9/v1",
        api_key="sk-ctx-secret",
        max_retries=4,
        timeout=7,
    )
    ctx = context_for(m, "qwen-max")
    assert (ctx.base_url, ctx.region, ctx.model) == (
        "http://127.0.0.1:9/v1",
        None,
        "qwen-max",
    )
    assert (ctx.max_retries, ctx.timeout) == (4, 7)
    assert ctx.secrets == ("sk-ctx-secret",)
    assert "sk-ctx-secret" not in repr(ctx)
    assert context_for(m).model == m.model_name
    # max_retries unset: the SDK client's own default.
    default = ChatQwen(base_url="http://127.0.0.1:9/v1", api_key=SecretStr("k"))
    assert context_for(default).max_retries == default.root_client.max_retries == 2
