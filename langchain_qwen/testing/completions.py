"""A fake model's replies: DashScope-shaped completions and chunks, with usage.

Deterministic stand-ins for what DashScope sends back (ids, usage, tool calls,
reasoning, the final usage chunk), built from a request; the HTTP framing they
travel in is `testing._replies`.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langchain_qwen.testing._replies import (
    RecordedRequest,
    Reply,
    _new_request_id,
    json_reply,
    sse_reply,
)


def _estimate_tokens(text: str) -> int:
    # A deterministic stand-in for a tokenizer: about four characters a token.
    return math.ceil(len(text) / 4)


def _message_text(content: Any) -> str:
    """The text of an OpenAI message `content` (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    return ""


def _prompt_tokens(request: RecordedRequest) -> int:
    if not isinstance(request.body, Mapping):
        return 0
    messages = request.body.get("messages") or []
    return sum(
        _estimate_tokens(_message_text(m.get("content")))
        for m in messages
        if isinstance(m, Mapping)
    )


@dataclass(frozen=True)
class _ToolCall:
    id: str
    name: str
    arguments: str


def _normalise_tool_calls(tool_calls: list[dict[str, Any]] | None) -> list[_ToolCall]:
    """Accept OpenAI wire dicts or short `{"name", "args"|"arguments", "id"?}`."""
    calls: list[_ToolCall] = []
    for raw in tool_calls or []:
        function = raw.get("function") or {}
        name = raw.get("name", function.get("name"))
        if not isinstance(name, str):
            msg = f"tool call without a name: {raw!r}"
            raise ValueError(msg)
        args = raw.get("arguments", raw.get("args", function.get("arguments", "")))
        if not isinstance(args, str):
            # json.dumps' default separators give `{"location": "Paris"}`, the
            # spacing DashScope's own argument strings have.
            args = json.dumps(args, ensure_ascii=False)
        call_id = raw.get("id") or f"call_{uuid.uuid4().hex[:24]}"
        calls.append(_ToolCall(str(call_id), name, args))
    return calls


def _usage(
    override: Mapping[str, Any] | None,
    *,
    prompt_tokens: int,
    text: str,
    reasoning: str | None,
    calls: list[_ToolCall],
) -> dict[str, Any]:
    """DashScope's usage object, with `override` winning key by key."""
    reasoning_tokens = _estimate_tokens(reasoning or "")
    completion = (
        _estimate_tokens(text)
        + reasoning_tokens
        + sum(_estimate_tokens(c.name + c.arguments) for c in calls)
    )
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": 0,
    }
    # Only reasoning answers carry completion_tokens_details (recordings, 8.2).
    if reasoning is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    usage["prompt_tokens_details"] = {"cached_tokens": 0}
    usage.update(override or {})
    if not override or "total_tokens" not in override:
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return usage


def _chunks_of(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def completion_body(
    text: str,
    *,
    model: str = "qwen-plus",
    reasoning: str | None = None,
    usage: dict[str, Any] | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str | None = None,
    request_id: str | None = None,
    prompt_tokens: int = 0,
) -> dict[str, Any]:
    """A non-streaming DashScope body, keys in the order DashScope sends them.

    Args:
        text: The answer (`message.content`).
        model: The `model` field.
        reasoning: The thinking text (`message.reasoning_content`); also adds
            `usage.completion_tokens_details.reasoning_tokens`.
        usage: Usage fields that replace the estimated ones key by key.
        tool_calls: Tool calls, as OpenAI wire dicts or as
            `{"name", "args" | "arguments", "id"?}`.
        finish_reason: Defaults to `"tool_calls"` with tool calls, else `"stop"`.
        request_id: The id behind `"chatcmpl-<id>"`; a fresh UUID when `None`.
        prompt_tokens: `usage.prompt_tokens` when `usage` does not give it.

    Returns:
        The body.
    """
    calls = _normalise_tool_calls(tool_calls)
    message: dict[str, Any] = {"content": text}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    message["role"] = "assistant"
    if calls:
        message["tool_calls"] = [
            {
                "function": {"arguments": c.arguments, "name": c.name},
                "id": c.id,
                "index": i,
                "type": "function",
            }
            for i, c in enumerate(calls)
        ]
    return {
        "choices": [
            {
                "message": message,
                "finish_reason": finish_reason or ("tool_calls" if calls else "stop"),
                "index": 0,
                "logprobs": None,
            }
        ],
        "object": "chat.completion",
        "usage": _usage(
            usage,
            prompt_tokens=prompt_tokens,
            text=text,
            reasoning=reasoning,
            calls=calls,
        ),
        "created": int(time.time()),
        "system_fingerprint": None,
        "model": model,
        "id": f"chatcmpl-{request_id or _new_request_id()}",
    }


def completion_chunks(
    text: str,
    *,
    model: str = "qwen-plus",
    reasoning: str | None = None,
    chunk_size: int = 8,
    usage: dict[str, Any] | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str | None = None,
    include_usage: bool = True,
    request_id: str | None = None,
    prompt_tokens: int = 0,
) -> list[dict[str, Any]]:
    """The chunks of a DashScope stream, shaped and ordered like the recordings.

    The sequence: an opening chunk with `role` (`content: ""`, or with
    reasoning `content: null` and `reasoning_content: ""`); reasoning deltas
    (`content: null`); content deltas (`reasoning_content: null` when there
    was reasoning); for each tool call a delta with its full id and name and
    `arguments: ""`, then argument fragments with `id: ""`, then a delta with
    empty arguments; the `finish_reason` chunk (`delta: {"content": ""}`, or
    `delta: {}` after tool calls); and, with `include_usage`, a usage-only
    chunk with `choices: []`.

    Args:
        text: The answer, sent in `chunk_size`-character deltas.
        model: The `model` field.
        reasoning: The thinking text, streamed before the answer.
        chunk_size: Characters per content, reasoning or argument delta.
        usage: Usage fields that replace the estimated ones key by key.
        tool_calls: Tool calls, as for `completion_body`.
        finish_reason: Defaults to `"tool_calls"` with tool calls, else `"stop"`.
        include_usage: Append the usage-only chunk.
        request_id: The id behind `"chatcmpl-<id>"`; a fresh UUID when `None`.
        prompt_tokens: `usage.prompt_tokens` when `usage` does not give it.

    Returns:
        The chunks, as dicts.

    Raises:
        ValueError: `chunk_size` is below 1.
    """
    if chunk_size < 1:
        msg = f"chunk_size must be >= 1, got {chunk_size}"
        raise ValueError(msg)
    calls = _normalise_tool_calls(tool_calls)
    envelope_tail = {
        "created": int(time.time()),
        "system_fingerprint": None,
        "model": model,
        "id": f"chatcmpl-{request_id or _new_request_id()}",
    }
    choices: list[dict[str, Any]] = []

    def delta(d: dict[str, Any]) -> None:
        if len(choices) == 1:
            # The first delta after the opener comes in this odd key order in
            # both text and reasoning recordings; kept for byte-level fidelity.
            choices.append(
                {"finish_reason": None, "logprobs": None, "delta": d, "index": 0}
            )
        else:
            choices.append(
                {"delta": d, "finish_reason": None, "index": 0, "logprobs": None}
            )

    def opener(d: dict[str, Any]) -> None:
        choices.append(
            {"delta": d, "index": 0, "logprobs": None, "finish_reason": None}
        )

    if reasoning is not None:
        opener({"content": None, "role": "assistant", "reasoning_content": ""})
        for part in _chunks_of(reasoning, chunk_size):
            delta({"content": None, "reasoning_content": part})
    elif text or not calls:
        opener({"content": "", "role": "assistant"})
    for part in _chunks_of(text, chunk_size):
        d: dict[str, Any] = {"content": part}
        if reasoning is not None:
            d["reasoning_content"] = None
        delta(d)
    for i, call in enumerate(calls):
        head: dict[str, Any] = {
            "content": None,
            "tool_calls": [
                {
                    "index": i,
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": ""},
                }
            ],
        }
        if not choices:
            # A tool-call-only answer has no opener: role rides on the first call.
            head["role"] = "assistant"
        choices.append(
            {"delta": head, "finish_reason": None, "index": 0, "logprobs": None}
        )
        for part in _chunks_of(call.arguments, chunk_size):
            choices.append(
                {
                    "delta": {
                        "content": None,
                        "tool_calls": [
                            {
                                "index": i,
                                "id": "",
                                "type": "function",
                                "function": {"arguments": part},
                            }
                        ],
                    },
                    "finish_reason": None,
                    "index": 0,
                    "logprobs": None,
                }
            )
        # qwen3-max sends one more delta with empty arguments and no
        # finish_reason/logprobs keys at all (recording alibaba-tool-call).
        choices.append(
            {
                "delta": {
                    "tool_calls": [
                        {
                            "function": {"arguments": ""},
                            "index": i,
                            "id": "",
                            "type": "function",
                        }
                    ]
                },
                "index": 0,
            }
        )
    final_delta: dict[str, Any] = {}
    if not calls:
        final_delta["content"] = ""
        if reasoning is not None:
            final_delta["reasoning_content"] = None
    choices.append(
        {
            "finish_reason": finish_reason or ("tool_calls" if calls else "stop"),
            "delta": final_delta,
            "index": 0,
            "logprobs": None,
        }
    )
    chunks: list[dict[str, Any]] = [
        {
            "choices": [choice],
            "object": "chat.completion.chunk",
            "usage": None,
            **envelope_tail,
        }
        for choice in choices
    ]
    if include_usage:
        chunks.append(
            {
                "choices": [],
                "object": "chat.completion.chunk",
                "usage": _usage(
                    usage,
                    prompt_tokens=prompt_tokens,
                    text=text,
                    reasoning=reasoning,
                    calls=calls,
                ),
                **envelope_tail,
            }
        )
    return chunks


def _wants_stream(request: RecordedRequest) -> bool:
    return isinstance(request.body, Mapping) and request.body.get("stream") is True


def _wants_usage(request: RecordedRequest) -> bool:
    if not isinstance(request.body, Mapping):
        return False
    options = request.body.get("stream_options")
    return isinstance(options, Mapping) and options.get("include_usage") is True


def text_completion(
    text: str,
    *,
    model: str = "qwen-plus",
    reasoning: str | None = None,
    stream: bool | None = None,
    chunk_size: int = 8,
    usage: dict[str, Any] | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str | None = None,
    delay: float = 0.0,
) -> Reply:
    """A DashScope answer that adapts to the request it answers.

    Each response gets a fresh request id (header and body agree) and a usage
    estimate from the request's messages. A stream ends with a usage-only chunk
    only when the request set `stream_options.include_usage`, as on DashScope.

    Args:
        text: The answer.
        model: The `model` field.
        reasoning: The thinking text (`reasoning_content`).
        stream: `True` for SSE, `False` for JSON, `None` to follow the
            request's `stream` field.
        chunk_size: Characters per streamed delta.
        usage: Usage fields that replace the estimated ones key by key.
        tool_calls: Tool calls, as OpenAI wire dicts or as
            `{"name", "args" | "arguments", "id"?}`.
        finish_reason: Defaults to `"tool_calls"` with tool calls, else `"stop"`.
        delay: Seconds to wait before sending the response.

    Returns:
        The reply.
    """
    if chunk_size < 1:
        msg = f"chunk_size must be >= 1, got {chunk_size}"
        raise ValueError(msg)
    # Normalise now so a bad tool call fails in the test, not in a server thread.
    _normalise_tool_calls(tool_calls)

    def build(request: RecordedRequest) -> Reply:
        request_id = _new_request_id()
        common: dict[str, Any] = {
            "model": model,
            "reasoning": reasoning,
            "usage": usage,
            "tool_calls": tool_calls,
            "finish_reason": finish_reason,
            "request_id": request_id,
            "prompt_tokens": _prompt_tokens(request),
        }
        if stream if stream is not None else _wants_stream(request):
            chunks = completion_chunks(
                text,
                chunk_size=chunk_size,
                include_usage=_wants_usage(request),
                **common,
            )
            return sse_reply(chunks, first_byte_delay=delay)
        return json_reply(completion_body(text, **common), delay=delay)

    return Reply(build=build)
