"""The lean transport: ChatQwen's requests and responses without typed SDK objects.

What `ChatOpenAI` pays under its own code, per call: the `openai` SDK walks the
request through its typed-dict transform (`maybe_transform`, about a third of
a millisecond per message), builds a typed object from every response and
every streamed chunk (`construct_type`), which langchain-openai then turns
back into a dict (`model_dump`); and its `astream` wraps each chunk in
`asyncio.wait_for`. This module skips all four, and nothing else:

- the payload, already JSON-ready, is posted through the SDK client's own
  request loop (`client.request(httpx.Response, options)`), so retries with
  DashScope's policy (`_dashscope.clients`), `Retry-After`, typed status errors with
  request ids, timeouts, proxies, custom `http_client`s, default and extra
  headers, extra query and body, and `max_retries` all stay the SDK's;
- the response is read as JSON into dicts, shaped like the SDK's `model_dump`
  where anything reads the difference (`usage`, `logprobs`, `refusal`,
  `system_fingerprint`, ...: see `_chat.sdk_shapes`), and handed to the same
  langchain-openai hooks the SDK path uses (`_create_chat_result`,
  `_convert_chunk_to_generation_chunk`);
- streams are parsed from bytes (`_sse.SSEParser`) with the SDK's rules:
  `[DONE]` ends the stream and is required (`_clients.StreamEndedWithoutDone`),
  an `{"error": ...}` event raises `openai.APIError`, transport failures become
  `APITimeoutError`/`APIConnectionError`; the per-chunk stall timeout of async
  streams (`stream_chunk_timeout`) is one re-armed timer (`_sse.StallTimer`).

`use_lean(llm, payload)` says when the lean path applies; everything else (a
client the user passed in, `response_format`, which the parent sends through
the SDK's parsing helpers, request fields the SDK's `create` would refuse, the
LangSmith gateway) stays on the parent's SDK path. `tests/integration_tests/
test_transport_equivalence.py` runs both paths and compares every field.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import openai
from langchain_core.messages import AIMessageChunk, BaseMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_qwen._chat import sdk_path
from langchain_qwen._chat.deltas import chunk_converter
from langchain_qwen._chat.sdk_shapes import shape_chunk, shape_completion
from langchain_qwen._dashscope.clients import (
    QwenAsyncOpenAI,
    QwenOpenAI,
    StreamEndedWithoutDone,
    _httpx,
)
from langchain_qwen._dashscope.sse import SSEParser, StallTimer

if TYPE_CHECKING:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )

try:  # The parent's error wrappers: what its own loops raise.
    from langchain_openai.chat_models._client_utils import StreamChunkTimeoutError
    from langchain_openai.chat_models.base import (
        _handle_openai_api_error,
        _handle_openai_bad_request,
    )
except ImportError:  # pragma: no cover - a langchain-openai without them
    LEAN_AVAILABLE = False
else:
    LEAN_AVAILABLE = True

_log = logging.getLogger(__name__)
_PATH = "/chat/completions"
_DONE = b"[DONE]"
# Request options `create` takes beside the body.
_OPTION_KEYS = frozenset({"extra_headers", "extra_query", "extra_body", "timeout"})
_TRANSPORT_ERRORS = (_httpx.TransportError,)

_TIMEOUT_ERRORS = (_httpx.TimeoutException,)


# --------------------------------------------------------------------------
# When the lean path applies
# --------------------------------------------------------------------------


# Body fields every `chat.completions.create` of openai>=1 takes: checking a
# payload of only these needs no import of the SDK's chat resources (about
# 1.3 MB, which a ChatQwen on the lean path otherwise never loads).
_COMMON_PARAMS = frozenset(
    {
        "messages", "model", "frequency_penalty", "logit_bias", "logprobs",
        "max_tokens", "max_completion_tokens", "n", "parallel_tool_calls",
        "presence_penalty", "response_format", "seed", "stop", "stream",
        "stream_options", "temperature", "tool_choice", "tools", "top_logprobs",
        "top_p", "user",
    }
)  # fmt: skip


@functools.cache
def _create_params() -> frozenset[str]:
    """The body fields `chat.completions.create` takes (its keyword parameters)."""
    from openai.resources.chat.completions import Completions  # noqa: PLC0415

    names = set(inspect.signature(Completions.create).parameters) - {"self"}
    return frozenset(names - _OPTION_KEYS)


def _accepted(key: str) -> bool:
    return key in _COMMON_PARAMS or key in _OPTION_KEYS or key in _create_params()


def use_lean(llm: Any, payload: Mapping[str, Any], *, sync: bool) -> bool:
    """Whether this request may take the lean path.

    Args:
        llm: The `ChatQwen`.
        payload: The request payload, as the parent would pass it to `create`.
        sync: Whether the call is sync (else async).

    Returns:
        `False` when the parent's SDK path must run: forced by the model's
        private switch, a client the user passed in (theirs, not ours), a
        `response_format` (the parent parses those with the SDK's helpers), a
        field `create` would refuse (the SDK then raises as it always did), or
        the LangSmith gateway.
    """
    # Read past pydantic's `__getattr__` (about 2 us a private attribute).
    if not LEAN_AVAILABLE or llm.__pydantic_private__["_typed_path"]:
        return False
    client = llm.root_client if sync else llm.root_async_client
    if type(client) is not (QwenOpenAI if sync else QwenAsyncOpenAI):
        return False
    if client._strict_response_validation or llm._uses_gateway:
        return False
    if sdk_path.watched(llm, sync=sync):  # tracing or a test patches the SDK
        return False
    if "response_format" in payload:
        return False
    return all(_accepted(key) for key in payload)


@functools.cache
def _options_factory() -> Any:
    from openai._base_client import make_request_options  # noqa: PLC0415

    if "security" in inspect.signature(make_request_options).parameters:
        return functools.partial(make_request_options, security={"bearer_auth": True})
    return make_request_options  # pragma: no cover - SDKs before `security`


@functools.cache
def _plain_options() -> Any:
    """The request options of a call with no per-call options, built once.

    `FinalRequestOptions.construct` costs about 45 us (it copies every
    field's default); each call takes a shallow copy of this one instead, as
    the SDK's own request loop copies the options it is given.
    """
    return _construct({}, None)


def _construct(kwargs: Mapping[str, Any], body: Any) -> Any:
    from openai._models import FinalRequestOptions  # noqa: PLC0415

    # As the SDK's `post` builds them.
    return FinalRequestOptions.construct(
        method="post",
        url=_PATH,
        json_data=body,
        content=None,
        files=None,
        **_options_factory()(**kwargs),
    )


def _request_options(payload: Mapping[str, Any]) -> Any:
    """The SDK's request options for this payload, as `create` and `post` build them."""
    body = {k: v for k, v in payload.items() if k not in _OPTION_KEYS}
    kwargs = {k: payload[k] for k in _OPTION_KEYS if k in payload}
    if kwargs:
        return _construct(kwargs, body)
    options = _plain_options().model_copy()
    options.json_data = body
    return options


# --------------------------------------------------------------------------
# Non-streamed calls
# --------------------------------------------------------------------------


def _read_json(response: Any) -> Any:
    """Parse a body as the SDK's `parse()` does for a model type."""
    content_type = response.headers.get("content-type", "*").split(";")[0]
    if content_type.endswith("json"):
        return json.loads(response.content)
    try:  # Not labelled JSON: still JSON if it parses, else the text.
        return json.loads(response.content)
    except ValueError:
        return response.text


def _result(llm: Any, response: Any) -> ChatResult:
    try:
        data = _read_json(response)
    except Exception as exc:
        exc.response = response  # type: ignore[attr-defined]  # as the parent does
        raise
    info = {"headers": dict(response.headers)} if llm.include_response_headers else {}
    result = llm._create_chat_result(shape_completion(data), info)
    if result.generations and isinstance(data, dict):
        # The SDK's message always has `refusal`; the parent copies it.
        message = (data.get("choices") or [{}])[0].get("message") or {}
        result.generations[0].message.additional_kwargs["refusal"] = message.get(
            "refusal"
        )
    return result


def generate(llm: Any, payload: Mapping[str, Any]) -> ChatResult:
    """A non-streamed call, through the sync client's request loop.

    Args:
        llm: The `ChatQwen`.
        payload: The request payload.

    Returns:
        The result, as the parent's `_generate` returns it.
    """
    try:
        response = llm.root_client.request(_httpx.Response, _request_options(payload))
    except openai.BadRequestError as e:
        _handle_openai_bad_request(e)
    except openai.APIError as e:
        _handle_openai_api_error(e)
    return _result(llm, response)


async def agenerate(llm: Any, payload: Mapping[str, Any]) -> ChatResult:
    """Async `generate`; the dicts are cheap to convert, so no thread hop.

    Args:
        llm: The `ChatQwen`.
        payload: The request payload.

    Returns:
        The result, as the parent's `_agenerate` returns it.
    """
    try:
        response = await llm.root_async_client.request(
            _httpx.Response, _request_options(payload)
        )
    except openai.BadRequestError as e:
        _handle_openai_bad_request(e)
    except openai.APIError as e:
        _handle_openai_api_error(e)
    return _result(llm, response)


# --------------------------------------------------------------------------
# Streams
# --------------------------------------------------------------------------


def _stream_error(data: Any, response: Any) -> openai.APIError:
    error = data.get("error")
    message = error.get("message") if isinstance(error, Mapping) else None
    if not message or not isinstance(message, str):
        message = "An error occurred during streaming"
    return openai.APIError(message=message, request=response.request, body=error)


def _decode(event: str | None, data: bytes, response: Any) -> Any:
    """One event's JSON, or `None` at `[DONE]`; raise on an error event."""
    if data[:6] == _DONE:
        return None
    # Strict UTF-8, then JSON, as the SDK's decoder and `sse.json()` do.
    parsed = json.loads(data.decode())
    if event is not None and event.startswith("thread."):
        return {"data": parsed, "event": event}
    if type(parsed) is dict or isinstance(parsed, dict):
        if parsed.get("error"):
            raise _stream_error(parsed, response)
        return shape_chunk(parsed)
    if isinstance(parsed, Mapping) and parsed.get("error"):
        raise _stream_error(parsed, response)
    return parsed


def _missing_done(response: Any) -> openai.APIConnectionError:
    cause = StreamEndedWithoutDone("the server closed the stream without data: [DONE]")
    error = openai.APIConnectionError(request=response.request)
    error.__cause__ = cause
    return error


def _sync_events(response: Any) -> Iterator[Any]:
    """The stream's chunks as dicts, with the SDK's end and error rules."""
    parser = SSEParser()
    try:
        for raw in response.iter_bytes():
            for event, data in parser.feed(raw):
                chunk = _decode(event, data, response)
                if chunk is None:
                    return
                yield chunk
    except _TIMEOUT_ERRORS as err:
        raise openai.APITimeoutError(request=response.request) from err
    except _TRANSPORT_ERRORS as err:
        raise openai.APIConnectionError(request=response.request) from err
    raise _missing_done(response)


def stream(
    llm: Any,
    payload: Mapping[str, Any],
    run_manager: CallbackManagerForLLMRun | None,
) -> Iterator[ChatGenerationChunk]:
    """A streamed call, as the parent's `_stream` loop, on dicts.

    Args:
        llm: The `ChatQwen`.
        payload: The request payload (with `stream: True`).
        run_manager: The callback manager (each chunk is reported as a token).

    Yields:
        The generation chunks.
    """
    options = _request_options(payload)
    default_chunk_class: type[BaseMessageChunk] = AIMessageChunk
    convert = chunk_converter(llm)
    try:
        response = llm.root_client.request(_httpx.Response, options, stream=True)
        base_info = (
            {"headers": dict(response.headers)} if llm.include_response_headers else {}
        )
        try:
            first = True
            for chunk in _sync_events(response):
                generation = convert(
                    chunk, default_chunk_class, base_info if first else {}
                )
                if generation is None:
                    continue
                default_chunk_class = generation.message.__class__
                if run_manager:
                    info = generation.generation_info
                    run_manager.on_llm_new_token(
                        generation.text,
                        chunk=generation,
                        logprobs=info.get("logprobs") if info else None,
                    )
                first = False
                yield generation
        finally:
            response.close()
    except openai.BadRequestError as e:
        _handle_openai_bad_request(e)
    except openai.APIError as e:
        _handle_openai_api_error(e)


async def _drain(response: Any) -> None:
    """After `[DONE]`, read what is left so the connection can be reused."""
    if response.http_version != "HTTP/1.1":
        return
    try:
        from openai._streaming_cleanup import (  # noqa: PLC0415
            drain_response_async,
        )
    except ImportError:  # pragma: no cover - SDKs without it
        return
    await drain_response_async(response)


def _stall(llm: Any, timer: StallTimer, chunks: int) -> StreamChunkTimeoutError:
    # The parent's log line and error, so that handlers of either still match.
    _log.warning(
        "langchain_openai.stream_chunk_timeout fired",
        extra={
            "source": "stream_chunk_timeout",
            "timeout_s": timer.timeout,
            "model_name": llm.model_name,
            "chunks_received": chunks,
        },
    )
    return StreamChunkTimeoutError(
        timer.timeout, model_name=llm.model_name, chunks_received=chunks
    )


async def _open_async(llm: Any, payload: Mapping[str, Any]) -> tuple[Any, dict]:
    response = await llm.root_async_client.request(
        _httpx.Response, _request_options(payload), stream=True
    )
    headers = llm.include_response_headers
    return response, {"headers": dict(response.headers)} if headers else {}


def _timer(timeout: float | None) -> StallTimer | None:
    if not timeout or timeout <= 0:
        return None
    timer = StallTimer(timeout)
    timer.arm()
    return timer


def _close(timer: StallTimer | None) -> None:
    if timer is not None:
        timer.close()


async def astream(  # noqa: PLR0915 - one generator: each layer costs every chunk
    llm: Any,
    build_payload: Callable[[], Mapping[str, Any]],
    run_manager: AsyncCallbackManagerForLLMRun | None,
    fallback: Callable[[], AsyncIterator[ChatGenerationChunk]],
) -> AsyncIterator[ChatGenerationChunk]:
    """Async `stream`, in one generator (each layer costs every chunk).

    The payload is built on the first `__anext__`, as the parent builds it;
    when the lean path does not apply, the parent's `_astream` runs instead.

    Args:
        llm: The `ChatQwen`.
        build_payload: Builds the request payload (with `stream: True`).
        run_manager: The callback manager.
        fallback: The parent's `_astream`, for requests the lean path leaves.

    Yields:
        The generation chunks.
    """
    payload = build_payload()
    if not use_lean(llm, payload, sync=False):
        async for chunk in fallback():
            yield chunk
        return
    default_chunk_class: type[BaseMessageChunk] = AIMessageChunk
    convert = chunk_converter(llm)
    timer: StallTimer | None = None
    received = 0
    try:
        response, base_info = await _open_async(llm, payload)
        try:
            timer = _timer(llm.stream_chunk_timeout)
            parser = SSEParser()
            first = True
            async for raw in response.aiter_bytes():
                for event, data in parser.feed(raw):
                    chunk = _decode(event, data, response)
                    if chunk is None:  # [DONE]
                        _close(timer)
                        timer = None
                        await _drain(response)
                        return
                    if timer is not None:
                        timer.disarm()
                    received += 1
                    generation = convert(
                        chunk, default_chunk_class, base_info if first else {}
                    )
                    if generation is not None:
                        default_chunk_class = generation.message.__class__
                        if run_manager:
                            info = generation.generation_info
                            await run_manager.on_llm_new_token(
                                generation.text,
                                chunk=generation,
                                logprobs=info.get("logprobs") if info else None,
                            )
                        first = False
                        yield generation
                    if timer is not None:
                        timer.arm()
        except _TIMEOUT_ERRORS as err:
            raise openai.APITimeoutError(request=response.request) from err
        except _TRANSPORT_ERRORS as err:
            raise openai.APIConnectionError(request=response.request) from err
        except asyncio.CancelledError:
            if timer is not None and timer.absorb():
                raise _stall(llm, timer, received) from None
            raise
        finally:
            _close(timer)
            await response.aclose()
        raise _missing_done(response)
    except openai.BadRequestError as e:
        _handle_openai_bad_request(e)
    except openai.APIError as e:
        _handle_openai_api_error(e)
