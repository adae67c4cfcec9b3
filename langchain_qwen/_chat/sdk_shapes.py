"""Dicts shaped like the `openai` SDK's `model_dump`, built from DashScope's JSON.

The lean transport (`_chat.transport`) reads answers as plain JSON; where
anything downstream reads the difference (`usage`, `logprobs`, `refusal`,
`system_fingerprint`, ...), the dicts get the fields the SDK's typed objects
would have given them (`_fill`, from the SDK's own type annotations).
"""

from __future__ import annotations

import functools
import typing
from typing import Any

import openai

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
