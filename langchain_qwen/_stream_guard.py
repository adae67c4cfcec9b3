"""Guards around a call: errors translated in one place, streams checked whole.

`ChatQwen` wraps each of `_generate`, `_agenerate`, `_stream` and `_astream`
with these. A stream that ends without a `finish_reason` raises
`StreamInterruptedError` instead of passing for a complete answer; every error
raised on the way is translated by `errors.translate`. A stream that ends
properly pays one attribute test per chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from langchain_core.outputs import ChatGenerationChunk
from pydantic import SecretStr

from langchain_qwen._clients import reset_response_id, response_id
from langchain_qwen.errors import (
    ErrorContext,
    StreamProgress,
    stream_incomplete,
    translate,
)

_SDK_DEFAULT_RETRIES = 2


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
        # The original text holds the key (a server echoed it): do not chain it.
        raise new from None
    raise new from exc


@contextmanager
def translating(ctx: ErrorContext) -> Iterator[None]:
    """Translate errors raised in the block (sync or async code).

    Args:
        ctx: The call's context.

    Yields:
        Nothing.
    """
    try:
        yield
    except Exception as exc:
        _reraise(exc, ctx, None)


def _on_error(exc: Exception, ctx: ErrorContext, progress: StreamProgress) -> NoReturn:
    started = response_id()
    progress.started = started is not None
    progress.request_id = started or None
    _reraise(exc, ctx, progress)


def _incomplete(ctx: ErrorContext, progress: StreamProgress) -> NoReturn:
    progress.started = True
    progress.request_id = response_id() or None
    raise stream_incomplete(ctx, progress)


def guard_stream(
    chunks: Iterator[ChatGenerationChunk], ctx: ErrorContext
) -> Iterator[ChatGenerationChunk]:
    """Pass chunks through; raise if the stream breaks or ends early.

    Args:
        chunks: The parent's `_stream`.
        ctx: The call's context.

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
    chunks: AsyncIterator[ChatGenerationChunk], ctx: ErrorContext
) -> AsyncIterator[ChatGenerationChunk]:
    """Async `guard_stream`.

    Args:
        chunks: The parent's `_astream`.
        ctx: The call's context.

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
