"""Standard content blocks for `ChatQwen` answers from the Responses API.

Answers carry `model_provider="qwen"`. For Responses-shaped content (a list
with `reasoning` summaries, `function_call` or built-in `*_call` items) the
`"qwen"` translator uses langchain-core's OpenAI Responses translator, and
turns the DashScope-only items it does not know (`web_extractor_call`,
`web_search_image_call`, `image_search_call`) into `server_tool_call` and
`server_tool_result` blocks. Anything else (every Chat Completions answer)
raises `NotImplementedError`, so langchain-core's best-effort reading serves
it exactly as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages import content as types

_DASHSCOPE_ONLY = frozenset(
    {"web_extractor_call", "web_search_image_call", "image_search_call"}
)


def _is_responses_content(message: AIMessage) -> bool:
    content = message.content
    if not isinstance(content, list):
        return False
    for block in content:
        if not isinstance(block, Mapping):
            continue
        kind = str(block.get("type", ""))
        if kind.endswith("_call") or (kind == "reasoning" and "summary" in block):
            return True
    return False


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return {"arguments": raw}
        return parsed if isinstance(parsed, dict) else {"arguments": parsed}
    return dict(raw) if isinstance(raw, Mapping) else {}


def _dashscope_item(item: Mapping[str, Any]) -> Iterator[types.ContentBlock]:
    kind = item["type"]
    name = kind.removesuffix("_call")
    if kind == "web_extractor_call":
        args: dict[str, Any] = {"goal": item.get("goal"), "urls": item.get("urls")}
    else:
        name = str(item.get("name") or name)
        args = _arguments(item.get("arguments"))
    call: dict[str, Any] = {
        "type": "server_tool_call",
        "name": name,
        "args": args,
        "id": item.get("id", ""),
    }
    yield cast("types.ContentBlock", call)
    result: dict[str, Any] = {
        "type": "server_tool_result",
        "tool_call_id": item.get("id", ""),
        "status": "success" if item.get("status") == "completed" else "error",
        "output": item.get("output"),
    }
    yield cast("types.ContentBlock", result)


def _with_dashscope_items(
    blocks: list[types.ContentBlock],
) -> list[types.ContentBlock]:
    out: list[types.ContentBlock] = []
    for block in blocks:
        value = block.get("value") if block.get("type") == "non_standard" else None
        if isinstance(value, Mapping) and value.get("type") in _DASHSCOPE_ONLY:
            out.extend(_dashscope_item(value))
        else:
            out.append(block)
    return out


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Standard blocks of a Responses API answer (see the module docstring).

    Args:
        message: The answer.

    Returns:
        The standard blocks.

    Raises:
        NotImplementedError: Not Responses content; best-effort reading serves.
    """
    if not _is_responses_content(message):
        raise NotImplementedError
    from langchain_core.messages.block_translators import openai  # noqa: PLC0415

    return _with_dashscope_items(openai.translate_content(message))


def translate_content_chunk(message: AIMessageChunk) -> list[types.ContentBlock]:
    """`translate_content` for a stream chunk.

    Args:
        message: The chunk.

    Returns:
        The standard blocks.

    Raises:
        NotImplementedError: Not Responses content; best-effort reading serves.
    """
    if not _is_responses_content(message):
        raise NotImplementedError
    from langchain_core.messages.block_translators import openai  # noqa: PLC0415

    return _with_dashscope_items(openai.translate_content_chunk(message))
