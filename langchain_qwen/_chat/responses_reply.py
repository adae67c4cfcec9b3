"""Calls to DashScope's `/responses` and the reading of its replies.

The request goes out through the `openai` SDK client `ChatQwen` already holds
(same endpoint, key, retry policy and error translation as the chat path);
replies are converted by langchain-openai's own Responses converters
(`_construct_lc_result_from_responses_api`,
`_convert_responses_chunk_to_generation_chunk`), and then completed with what
they leave out for DashScope:

- the output items they drop (`web_extractor_call`, `web_search_image_call`,
  `image_search_call`) are kept as content blocks, in output order;
- `usage.x_tools` (built-in tool calls billed) and `usage.x_details` go to
  `response_metadata`; `model_provider` is `"qwen"`; `finish_reason` is read
  from the status (`stop`, `tool_calls`, `length`);
- a stream must end with its final event (`response.completed`), or it
  raises like any stream cut short.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Iterator, Mapping
from functools import partial
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_openai.chat_models import base as _oai

from langchain_qwen._chat.responses import facts
from langchain_qwen._dashscope.clients import final_event_stream
from langchain_qwen._dashscope.stream_guard import context_for, translating

PROVIDER = "qwen"


@functools.cache
def _kept_types() -> frozenset[str]:
    return frozenset(facts()["kept_output_items"])


@functools.cache
def _chunk_params() -> frozenset[str]:
    # Older langchain-openai releases take fewer keyword arguments.
    return frozenset(
        inspect.signature(_oai._convert_responses_chunk_to_generation_chunk).parameters
    )


def _dump(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Mapping):
        return {k: v for k, v in obj.items() if v is not None}
    return obj.model_dump(exclude_none=True, mode="json", warnings=False)


def _finish_reason(response: Any) -> str:
    status = getattr(response, "status", None)
    if status == "incomplete":
        details = getattr(response, "incomplete_details", None)
        reason = getattr(details, "reason", None)
        return "length" if reason == "max_output_tokens" else str(reason or status)
    if any(getattr(i, "type", None) == "function_call" for i in response.output or []):
        return "tool_calls"
    return "stop" if status in (None, "completed") else str(status)


def _dashscope_metadata(response: Any) -> dict[str, Any]:
    """`x_tools`, `x_details` and the finish reason of a response."""
    out: dict[str, Any] = {"finish_reason": _finish_reason(response)}
    usage = getattr(response, "usage", None)
    if usage is not None:
        raw = _dump(usage)
        for name in ("x_tools", "x_details"):
            if raw.get(name) is not None:
                out[name] = raw[name]
    return out


def _with_cache_creation(message: AIMessage, response: Any) -> None:
    usage = getattr(response, "usage", None)
    details = _dump(getattr(usage, "input_tokens_details", None) or {})
    created = details.get("cache_creation_input_tokens")
    if message.usage_metadata is None or not isinstance(created, int):
        return
    tokens = dict(message.usage_metadata.get("input_token_details") or {})
    tokens.setdefault("cache_creation", created)
    message.usage_metadata = {
        **message.usage_metadata,
        "input_token_details": tokens,
    }


def _with_kept_items(content: list[Any], items: list[dict[str, Any]]) -> list[Any]:
    """The converter's blocks with the dropped items put back in output order."""
    pending = list(content)
    ordered: list[Any] = []
    for item in items:
        if item.get("type") in _kept_types():
            ordered.append(item)
            continue
        item_id = item.get("id")
        mine = [b for b in pending if isinstance(b, Mapping) and b.get("id") == item_id]
        for block in mine:
            pending.remove(block)
        ordered.extend(mine)
    return ordered + pending


def read_response(
    response: Any,
    *,
    schema: Any = None,
    metadata: dict[str, Any] | None = None,
    output_version: str | None = None,
) -> ChatResult:
    """Convert a `Response` the way langchain-openai does, plus DashScope's parts.

    Args:
        response: The SDK's `Response`.
        schema: The structured-output schema of the call, if any.
        metadata: Extra response metadata (e.g. headers).
        output_version: The model's `output_version`.

    Returns:
        The chat result.
    """
    result = _oai._construct_lc_result_from_responses_api(
        response, schema=schema, metadata=metadata, output_version=output_version
    )
    message = result.generations[0].message
    kept = [
        _dump(item)
        for item in response.output or []
        if getattr(item, "type", None) in _kept_types()
    ]
    if kept and isinstance(message.content, list) and output_version != "v0":
        message.content = _with_kept_items(
            message.content, [_dump(i) for i in response.output]
        )
    elif kept:
        outputs = message.additional_kwargs.setdefault("tool_outputs", [])
        outputs.extend(kept)
    message.response_metadata.update(_dashscope_metadata(response))
    message.response_metadata["model_provider"] = PROVIDER
    if isinstance(message, AIMessage):
        _with_cache_creation(message, response)
    generation = ChatGeneration(
        message=message,
        generation_info={"finish_reason": message.response_metadata["finish_reason"]},
    )
    return ChatResult(generations=[generation], llm_output={"model_provider": PROVIDER})


def _context(llm: Any, kwargs: Mapping[str, Any]) -> Any:
    return partial(context_for, llm, kwargs.get("model"))


def _metadata(llm: Any, raw: Any) -> dict[str, Any]:
    return {"headers": dict(raw.headers)} if llm.include_response_headers else {}


def generate(
    llm: Any, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any
) -> ChatResult:
    """One non-streamed call to `/responses`.

    Args:
        llm: The `ChatQwen`.
        messages: The conversation.
        stop: Stop sequences (refused by the request rules).
        **kwargs: The call's keyword arguments.

    Returns:
        The chat result.
    """
    with translating(_context(llm, kwargs)):
        llm._ensure_sync_client_available()
        payload = llm._get_request_payload(messages, stop=stop, **kwargs)
        resource = llm.root_client.responses.with_raw_response
        call = resource.parse if "text_format" in payload else resource.create
        raw = call(**payload)
        return read_response(
            raw.parse(),
            schema=kwargs.get("response_format"),
            metadata=_metadata(llm, raw),
            output_version=llm.output_version,
        )


async def agenerate(
    llm: Any, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any
) -> ChatResult:
    """Async `generate`.

    Args:
        llm: The `ChatQwen`.
        messages: The conversation.
        stop: Stop sequences (refused by the request rules).
        **kwargs: The call's keyword arguments.

    Returns:
        The chat result.
    """
    with translating(_context(llm, kwargs)):
        payload = llm._get_request_payload(messages, stop=stop, **kwargs)
        resource = llm.root_async_client.responses.with_raw_response
        call = resource.parse if "text_format" in payload else resource.create
        raw = await call(**payload)
        return read_response(
            raw.parse(),
            schema=kwargs.get("response_format"),
            metadata=_metadata(llm, raw),
            output_version=llm.output_version,
        )


class _StreamReader:
    """Turn stream events into chunks: langchain-openai's converter, plus ours."""

    def __init__(self, llm: Any, schema: Any, headers: dict[str, Any]) -> None:
        self.output_version = llm.output_version
        self.schema = schema
        self.headers = headers
        self.index = -1
        self.output_index = -1
        self.sub_index = -1
        self.has_reasoning = False
        self.item_output_indices: dict[str, int] = {}
        self.function_call_arguments: dict[str, str] = {}

    def _kept(self, event: Any) -> ChatGenerationChunk:
        item = event.item
        self.item_output_indices.setdefault(item.id, event.output_index)
        output_index = self.item_output_indices[item.id]
        if self.output_index != output_index:
            self.index += 1
        self.output_index = output_index
        block = {**_dump(item), "index": self.index}
        if self.output_version == "v0":
            message = AIMessageChunk(
                content="", additional_kwargs={"tool_outputs": [block]}
            )
        else:
            message = AIMessageChunk(content=[block])
        message.response_metadata["model_provider"] = PROVIDER
        return ChatGenerationChunk(message=message)

    def convert(self, event: Any) -> ChatGenerationChunk | None:
        item = getattr(event, "item", None)
        if (
            event.type == "response.output_item.done"
            and getattr(item, "type", None) in _kept_types()
        ):
            return self._kept(event)
        optional: dict[str, Any] = {
            "item_output_indices": self.item_output_indices,
            "function_call_arguments": self.function_call_arguments,
        }
        metadata = self.headers
        self.headers = {}
        (self.index, self.output_index, self.sub_index, chunk) = (
            _oai._convert_responses_chunk_to_generation_chunk(
                event,
                self.index,
                self.output_index,
                self.sub_index,
                schema=self.schema,
                metadata=dict(metadata),
                has_reasoning=self.has_reasoning,
                output_version=self.output_version,
                **{k: v for k, v in optional.items() if k in _chunk_params()},
            )
        )
        if chunk is None:
            return None
        message = chunk.message
        message.response_metadata["model_provider"] = PROVIDER
        if "reasoning" in message.additional_kwargs:
            self.has_reasoning = True
        if event.type in ("response.completed", "response.incomplete"):
            extra = _dashscope_metadata(event.response)
            message.response_metadata.update(extra)
            if isinstance(message, AIMessageChunk):
                _with_cache_creation(message, event.response)
            chunk.generation_info = {"finish_reason": extra["finish_reason"]}
        return chunk


def stream(
    llm: Any,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: Any,
    **kwargs: Any,
) -> Iterator[ChatGenerationChunk]:
    """A streamed call to `/responses` (errors are translated by the caller's guard).

    Args:
        llm: The `ChatQwen`.
        messages: The conversation.
        stop: Stop sequences (refused by the request rules).
        run_manager: The callback manager, told of each chunk.
        **kwargs: The call's keyword arguments.

    Yields:
        The chunks.
    """
    llm._ensure_sync_client_available()
    payload = llm._get_request_payload(
        messages, stop=stop, **{**kwargs, "stream": True}
    )
    headers: dict[str, Any] = {}
    with final_event_stream():
        if llm.include_response_headers:
            raw = llm.root_client.with_raw_response.responses.create(**payload)
            events = raw.parse()
            headers = {"headers": dict(raw.headers)}
        else:
            events = llm.root_client.responses.create(**payload)
    reader = _StreamReader(llm, kwargs.get("response_format"), headers)
    with events:
        for event in events:
            chunk = reader.convert(event)
            if chunk is None:
                continue
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


async def astream(
    llm: Any,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: Any,
    **kwargs: Any,
) -> AsyncIterator[ChatGenerationChunk]:
    """Async `stream`.

    Args:
        llm: The `ChatQwen`.
        messages: The conversation.
        stop: Stop sequences (refused by the request rules).
        run_manager: The callback manager, told of each chunk.
        **kwargs: The call's keyword arguments.

    Yields:
        The chunks.
    """
    payload = llm._get_request_payload(
        messages, stop=stop, **{**kwargs, "stream": True}
    )
    headers: dict[str, Any] = {}
    client = llm.root_async_client
    with final_event_stream():
        if llm.include_response_headers:
            raw = await client.with_raw_response.responses.create(**payload)
            events = raw.parse()
            headers = {"headers": dict(raw.headers)}
        else:
            events = await client.responses.create(**payload)
    reader = _StreamReader(llm, kwargs.get("response_format"), headers)
    async with events:
        async for event in events:
            chunk = reader.convert(event)
            if chunk is None:
                continue
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


def retrieve(llm: Any, response_id: str) -> AIMessage:
    """A stored response (created with `store=True`), read as a message.

    Args:
        llm: The `ChatQwen`.
        response_id: The id (`resp_...` or a UUID).

    Returns:
        The message, as `invoke` would have returned it.
    """
    with translating(_context(llm, {})):
        llm._ensure_sync_client_available()
        response = llm.root_client.responses.retrieve(response_id)
        result = read_response(response, output_version=llm.output_version)
    return result.generations[0].message  # type: ignore[return-value]


async def aretrieve(llm: Any, response_id: str) -> AIMessage:
    """Async `retrieve`.

    Args:
        llm: The `ChatQwen`.
        response_id: The id (`resp_...` or a UUID).

    Returns:
        The message, as `ainvoke` would have returned it.
    """
    with translating(_context(llm, {})):
        response = await llm.root_async_client.responses.retrieve(response_id)
        result = read_response(response, output_version=llm.output_version)
    return result.generations[0].message  # type: ignore[return-value]
