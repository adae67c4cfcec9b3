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
  `system_fingerprint`, ...: see `_fill`), and handed to the same
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
import typing
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import openai
from langchain_core.messages import AIMessageChunk, BaseMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_qwen._chat import sdk_path
from langchain_qwen._chat.reply import PROVIDER
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
# Dicts shaped like the SDK's model_dump
# --------------------------------------------------------------------------

_REQUIRED = object()


@functools.cache
def _spec(cls: type) -> tuple[tuple[str, Any, Any], ...]:
    """`(key, default, nested)` per field of an SDK model class.

    `nested` is a model class, `("list", class)`, or `None` for plain values.
    """
    out = []
    for name, info in cls.model_fields.items():  # type: ignore[attr-defined]
        default = _REQUIRED if info.is_required() else info.default
        out.append((info.alias or name, default, _nested(info.annotation)))
    return tuple(out)


def _nested(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, openai.BaseModel):
        return annotation
    if origin is list:
        inner = _nested(typing.get_args(annotation)[0])
        return ("list", inner) if isinstance(inner, type) else None
    for arg in typing.get_args(annotation) if origin is not None else ():
        found = _nested(arg)
        if found is not None:
            return found
    return None


def _fill(cls: type, value: Any) -> Any:
    """Add the fields `cls` declares and `value` lacks, as `model_dump` would.

    The SDK's dump of a response has every declared field (`None` when the
    server sent none); langchain-openai and ChatQwen copy some of these dicts
    into what the user sees (`token_usage`, `logprobs`). Filled in place.
    """
    if not isinstance(value, dict):
        return value
    for key, default, nested in _spec(cls):
        if key not in value:
            if default is not _REQUIRED:
                value[key] = default
        elif nested is not None and value[key] is not None:
            if isinstance(nested, tuple):
                items = value[key]
                if isinstance(items, list):
                    for item in items:
                        _fill(nested[1], item)
            else:
                _fill(nested, value[key])
    return value


@functools.cache
def _types() -> tuple[type, type, type]:
    from openai.types.chat.chat_completion import ChoiceLogprobs  # noqa: PLC0415
    from openai.types.completion_usage import CompletionUsage  # noqa: PLC0415

    chunk_logprobs = openai.types.chat.chat_completion_chunk.ChoiceLogprobs
    return CompletionUsage, ChoiceLogprobs, chunk_logprobs


def shape_completion(data: Any) -> Any:
    """Shape a non-streamed answer where the SDK's dump differs from the wire.

    Args:
        data: The parsed JSON body.

    Returns:
        The same object, completed in place.
    """
    if not isinstance(data, dict):
        return data
    usage_cls, logprobs_cls, _ = _types()
    data.setdefault("system_fingerprint", None)
    data.setdefault("service_tier", None)
    if data.get("usage") is not None:
        _fill(usage_cls, data["usage"])
    for choice in data.get("choices") or ():
        if isinstance(choice, dict):
            choice.setdefault("logprobs", None)
            if choice["logprobs"] is not None:
                _fill(logprobs_cls, choice["logprobs"])
    return data


def shape_chunk(data: dict[str, Any]) -> dict[str, Any]:
    """Shape a streamed chunk (only what reaches the user: usage, logprobs).

    Args:
        data: The parsed event.

    Returns:
        The same dict, completed in place.
    """
    if data.get("usage"):
        _fill(_types()[0], data["usage"])
    choices = data.get("choices")
    if choices and isinstance(choice := choices[0], dict) and choice.get("logprobs"):
        _fill(_types()[2], choice["logprobs"])
    return data


# --------------------------------------------------------------------------
# Streamed text deltas built without validation
# --------------------------------------------------------------------------


class _PlainDeltas:
    """Build the chunks of plain text and reasoning deltas without validation.

    Nearly every event of a stream is one choice whose delta carries only text
    (or reasoning): no tool calls, no finish reason, no usage, no logprobs. For
    those, langchain-openai's hook and ChatQwen's own (`chat_models.ChatQwen.
    _convert_chunk_to_generation_chunk`) validate an `AIMessageChunk` and a
    `ChatGenerationChunk` whose every field is known in advance: about two
    thirds of a chunk's client CPU. This builds the same two objects, field
    for field and with the same fields set, from templates taken off validated
    instances. It is checked once per process against the hooks themselves
    (`_verified`), and any other event, or a class that overrides the hook,
    goes through the hooks as before.
    """

    __slots__ = ("fresh", "gen_fields", "gen_template", "msg_fields", "msg_template")

    def __init__(self) -> None:
        probe = AIMessageChunk(
            content="probe", additional_kwargs={}, id=None, tool_call_chunks=[]
        )
        if probe.__pydantic_extra__ or probe.__pydantic_private__ is not None:
            raise TypeError("AIMessageChunk keeps state beyond its fields")
        fresh: list[tuple[str, type]] = []
        for key, value in probe.__dict__.items():
            if key in ("content", "id", "additional_kwargs", "response_metadata"):
                continue
            if type(value) in (list, dict):
                if value:
                    raise TypeError(f"AIMessageChunk.{key} defaults to a non-empty")
                fresh.append((key, type(value)))
            elif value is not None and type(value) not in (str, bool, int):
                raise TypeError(f"AIMessageChunk.{key} has a mutable default")
        self.msg_template = dict(probe.__dict__)
        self.msg_fields = frozenset(probe.__pydantic_fields_set__)
        self.fresh = tuple(fresh)
        generation = ChatGenerationChunk(message=probe, generation_info=None)
        if generation.__pydantic_extra__ or generation.__pydantic_private__:
            raise TypeError("ChatGenerationChunk keeps state beyond its fields")
        if set(generation.__dict__) != {"text", "generation_info", "type", "message"}:
            raise TypeError("ChatGenerationChunk has fields this builder does not know")
        self.gen_template = dict(generation.__dict__)
        self.gen_fields = frozenset(generation.__pydantic_fields_set__)

    def build(
        self, content: str, reasoning: Any, id_: str | None, provider: str
    ) -> ChatGenerationChunk:
        """The generation chunk the hooks would return for this delta."""
        values = self.msg_template.copy()
        values["content"] = content
        values["id"] = id_
        values["additional_kwargs"] = (
            {} if reasoning is None else {"reasoning_content": reasoning}
        )
        values["response_metadata"] = {"model_provider": provider}
        for key, kind in self.fresh:
            values[key] = kind()
        message = _new(AIMessageChunk)
        _setattr(message, "__dict__", values)
        _setattr(message, "__pydantic_fields_set__", set(self.msg_fields))
        _setattr(message, "__pydantic_extra__", {})
        _setattr(message, "__pydantic_private__", None)
        gen_values = self.gen_template.copy()
        gen_values["text"] = content
        gen_values["message"] = message
        generation = _new(ChatGenerationChunk)
        _setattr(generation, "__dict__", gen_values)
        _setattr(generation, "__pydantic_fields_set__", set(self.gen_fields))
        _setattr(generation, "__pydantic_extra__", None)
        _setattr(generation, "__pydantic_private__", None)
        return generation


_new = object.__new__
_setattr = object.__setattr__


def plain_delta(chunk: Any) -> tuple[str, Any, Any] | None:
    """`(content, reasoning, id)` of a plain text delta, else `None`.

    Plain: one dict choice whose delta has text or reasoning and nothing the
    hooks would read beyond them (a role other than assistant, tool or
    function calls, a finish reason, logprobs, usage).
    """
    if chunk.get("usage") or chunk.get("type") is not None:
        return None
    choices = chunk.get("choices")
    if type(choices) is not list or not choices:
        return None
    choice = choices[0]
    if (
        type(choice) is not dict
        or choice.get("finish_reason")
        or choice.get("logprobs")
        or type(delta := choice.get("delta")) is not dict
    ):
        return None
    get = delta.get
    if (
        get("tool_calls")
        or get("function_call")
        or get("role") not in (None, "assistant")
    ):
        return None
    content = get("content") or ""
    id_ = get("id")
    if type(content) is not str or (id_ is not None and type(id_) is not str):
        return None
    return content, get("reasoning_content"), id_


@functools.cache
def _builder() -> _PlainDeltas | None:
    """The process's builder, or `None` if it cannot match the hooks."""
    try:
        return _PlainDeltas()
    except TypeError:  # pragma: no cover - a langchain-core it cannot match
        _log.debug("plain deltas go through the hooks", exc_info=True)
        return None


def _dump(generation: Any) -> tuple[Any, ...]:
    message = generation.message
    return (
        type(message),
        message.__dict__,
        message.__pydantic_fields_set__,
        message.__pydantic_extra__,
        generation.__dict__.keys(),
        {k: v for k, v in generation.__dict__.items() if k != "message"},
        generation.__pydantic_fields_set__,
    )


_VERIFIED: dict[type, bool] = {}


def _verified(llm: Any, builder: _PlainDeltas) -> bool:
    """Whether the builder's chunks equal the hooks' for this model class."""
    cls = type(llm)
    known = _VERIFIED.get(cls)
    if known is not None:
        return known
    same = cls._convert_chunk_to_generation_chunk is getattr(
        cls, "_lean_chunk_hook", None
    )
    for reasoning in (None, "why"):
        if not same:
            break
        delta = {"content": "probe", "role": "assistant"}
        if reasoning is not None:
            delta["reasoning_content"] = reasoning
        chunk = {
            "id": "chatcmpl-probe",
            "model": "probe",
            "choices": [
                {"delta": delta, "finish_reason": None, "index": 0, "logprobs": None}
            ],
        }
        expected = llm._convert_chunk_to_generation_chunk(chunk, AIMessageChunk, {})
        plain = plain_delta(chunk)
        got = builder.build(*plain, PROVIDER) if plain else None
        same = got is not None and _dump(got) == _dump(expected)
    _VERIFIED[cls] = same
    return same


def chunk_converter(
    llm: Any,
) -> Callable[[dict[str, Any], type, dict | None], ChatGenerationChunk | None]:
    """The stream's chunk hook: plain deltas built directly, the rest as before.

    Args:
        llm: The `ChatQwen`.

    Returns:
        A function taking the hook's arguments and returning what it returns.
    """
    convert = llm._convert_chunk_to_generation_chunk
    builder = _builder()
    if builder is None or llm.output_version == "v1" or not _verified(llm, builder):
        return convert
    build = builder.build
    provider = PROVIDER

    def converted(
        chunk: dict[str, Any], default_class: type, base_info: dict | None
    ) -> ChatGenerationChunk | None:
        if default_class is AIMessageChunk and not base_info:
            plain = plain_delta(chunk)
            if plain is not None:
                return build(plain[0], plain[1], plain[2], provider)
        return convert(chunk, default_class, base_info)

    return converted


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
