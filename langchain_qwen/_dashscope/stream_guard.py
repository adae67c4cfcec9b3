"""Guards around a call: errors translated in one place, streams checked whole.

`ChatQwen` wraps each of `_generate`, `_agenerate`, `_stream` and `_astream`
with these. A stream that ends without a `finish_reason` raises
`StreamInterruptedError` instead of passing for a complete answer; every error
raised on the way is translated by `_dashscope.translate`. A stream that ends
properly pays one attribute test per chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any, NoReturn

from langchain_core.outputs import ChatGenerationChunk
from pydantic import SecretStr

from langchain_qwen._dashscope.clients import reset_response_id, response_id
from langchain_qwen._dashscope.translate import stream_incomplete, translate
from langchain_qwen.errors import ErrorContext, StreamProgress

_SDK_DEFAULT_RETRIES = 2

ContextSource = ErrorContext | Callable[[], ErrorContext]
"""A call's context, or a function building it: it is only needed on failure."""


def _context(source: ContextSource) -> ErrorContext:
    return source if isinstance(source, ErrorContext) else source()


def context_for(llm: Any, model: str | None = None) -> ErrorContext:
    """Describe a `ChatQwen` call for error hints.

    Args:
        llm: The chat model.
        model: The per-call model override, if any.

    Returns:
        The context.
    """
    key = llm.openai_api_key
    secrets = (key.get_secret_value(),) if isinstance(key, SecretStr) else ()
    retries = llm.max_retries
    if retries is None:
        retries = getattr(llm.root_client, "max_retries", _SDK_DEFAULT_RETRIES)
    return ErrorContext(
        base_url=llm.openai_api_base or "",
        region=llm.region,
        model=model or llm.model_name,
        max_retries=retries,
        timeout=llm.request_timeout,
        secrets=secrets,
    )


def _reraise(
    exc: Exception, ctx: ErrorContext, progress: StreamProgress | None
) -> NoReturn:
    new = translate(exc, ctx, progress)
    if new is None:
        raise exc
    if any(secret and secret in str(exc) for secret in ctx.secrets):
        # The original text holds the key (a server echoed it): chain nothing,
        # not even the implicit `__context__` that `from None` only hides.
        try:
            raise new from None
        finally:
            new.__context__ = None
    raise new from exc


class _Translating:
    """Context manager translating errors raised in its block."""

    __slots__ = ("_source",)

    def __init__(self, source: ContextSource) -> None:
        self._source = source

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(exc, Exception):
            _reraise(exc, _context(self._source), None)


def translating(source: ContextSource) -> _Translating:
    """Translate errors raised in the block (sync or async code).

    A class rather than a generator context manager: it wraps every call.

    Args:
        source: The call's context, or a function building it on failure.

    Returns:
        The context manager.
    """
    return _Translating(source)


def _on_error(
    exc: Exception, source: ContextSource, progress: StreamProgress
) -> NoReturn:
    started = response_id()
    progress.started = started is not None
    progress.request_id = started or None
    _reraise(exc, _context(source), progress)


def _incomplete(source: ContextSource, progress: StreamProgress) -> NoReturn:
    progress.started = True
    progress.request_id = response_id() or None
    raise stream_incomplete(_context(source), progress)


def guard_stream(
    chunks: Iterator[ChatGenerationChunk], ctx: ContextSource
) -> Iterator[ChatGenerationChunk]:
    """Pass chunks through; raise if the stream breaks or ends early.

    Args:
        chunks: The parent's `_stream`.
        ctx: The call's context, or a function building it on failure.

    Yields:
        The chunks, unchanged.
    """
    progress = StreamProgress()
    reset_response_id()
    try:
        for chunk in chunks:
            progress.chunks += 1
            if not progress.finished:
                info = chunk.generation_info
                progress.finished = bool(info and info.get("finish_reason"))
            yield chunk
    except Exception as exc:
        _on_error(exc, ctx, progress)
    if not progress.finished:
        _incomplete(ctx, progress)


async def aguard_stream(
    chunks: AsyncIterator[ChatGenerationChunk], ctx: ContextSource
) -> AsyncIterator[ChatGenerationChunk]:
    """Async `guard_stream`.

    Args:
        chunks: The parent's `_astream`.
        ctx: The call's context, or a function building it on failure.

    Yields:
        The chunks, unchanged.
    """
    progress = StreamProgress()
    reset_response_id()
    try:
        async for chunk in chunks:
            progress.chunks += 1
            if not progress.finished:
                info = chunk.generation_info
                progress.finished = bool(info and info.get("finish_reason"))
            yield chunk
    except Exception as exc:
        _on_error(exc, ctx, progress)
    if not progress.finished:
        _incomplete(ctx, progress)
