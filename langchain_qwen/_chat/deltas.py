"""Streamed text deltas built without validation, checked once against the hooks.

Most chunks of a stream carry only text or reasoning; for those the lean
transport builds the `ChatGenerationChunk` directly (`_PlainDeltas`), after
checking once per model class that the result equals what the reply hooks
build (`_verified`). Any other chunk, or a class that overrides the hook, goes
through the hook as before (`chunk_converter`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_qwen._chat.reply import PROVIDER

_log = logging.getLogger(__name__)


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
