"""Explicit context caching: mark the stable prefix of a conversation.

DashScope caches a prompt prefix when a content part carries
`"cache_control": {"type": "ephemeral"}` (explicit cache: the prefix must reach
about 1,024 tokens; creating it costs about 125% of the input price, each hit
10%, and it lives 5 minutes, renewed on a hit). Without a marker, DashScope's
implicit cache applies by itself (prefixes of 256 tokens or more, hits 20%).
A request uses one or the other. The rules live in `data/context_cache.json`.

`mark_cache` marks one message of a message list; `QwenCacheMiddleware` does
the same on every model call of a `langchain.agents.create_agent` agent.
"""

from __future__ import annotations

import functools
import json
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from typing import Any, Literal

from langchain_core.messages import (
    BaseMessage,
    HumanMessage,
    SystemMessage,
    convert_to_messages,
)
from langchain_core.messages.utils import count_tokens_approximately

_log = logging.getLogger(__name__)

TokenCounter = Callable[[Sequence[BaseMessage]], int]
"""Counts the tokens of a list of messages."""

Position = Literal["prefix", "system"] | int
"""Where the marker goes: see `mark_cache`."""


@functools.cache
def cache_rules() -> dict[str, Any]:
    """The decoded `data/context_cache.json` (read once)."""
    text = (
        resources.files("langchain_qwen.data")
        .joinpath("context_cache.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


def min_cache_tokens() -> int:
    """The smallest prefix DashScope caches explicitly (tokens)."""
    return int(cache_rules()["explicit"]["min_tokens"])


def cache_control() -> dict[str, str]:
    """A fresh `cache_control` value: `{"type": "ephemeral"}`."""
    return dict(cache_rules()["explicit"]["cache_control"])


def has_cache_control(message: BaseMessage) -> bool:
    """Whether a content part of the message carries `cache_control`."""
    content = message.content
    return isinstance(content, list) and any(
        isinstance(part, dict) and "cache_control" in part for part in content
    )


def with_cache_control(message: BaseMessage) -> BaseMessage:
    """A copy of the message whose last text part carries `cache_control`.

    String content becomes one text part (DashScope takes array content when
    a marker is set); the original message is not changed.

    Args:
        message: A system or human message.

    Returns:
        The marked copy.

    Raises:
        ValueError: The message has no text part to mark.
    """
    content = message.content
    parts: list[Any] = (
        [{"type": "text", "text": content}]
        if isinstance(content, str)
        else [p if not isinstance(p, dict) else dict(p) for p in content]
    )
    for i in range(len(parts) - 1, -1, -1):
        part = parts[i]
        if isinstance(part, str):
            part = parts[i] = {"type": "text", "text": part}
        if isinstance(part, dict) and part.get("type") == "text" and part.get("text"):
            part["cache_control"] = cache_control()
            return message.model_copy(update={"content": parts})
    msg = f"The {message.type} message has no text part to mark for caching."
    raise ValueError(msg)


def _markable(message: BaseMessage) -> bool:
    # System and user messages: the roles DashScope's cache examples mark.
    return isinstance(message, SystemMessage | HumanMessage)


def _target(messages: list[BaseMessage], at: Position) -> int | None:
    if isinstance(at, int) and not isinstance(at, bool):
        index = at if at >= 0 else len(messages) + at
        if not 0 <= index < len(messages):
            msg = f"at={at} is out of range for {len(messages)} messages."
            raise IndexError(msg)
        if not _markable(messages[index]):
            msg = (
                f"Message {index} is a {messages[index].type} message: mark a "
                "system or human message (the roles DashScope's cache takes)."
            )
            raise ValueError(msg)
        return index
    if at == "system":
        found = [i for i, m in enumerate(messages) if isinstance(m, SystemMessage)]
        return found[-1] if found else None
    if at == "prefix":
        # Everything but the newest message is the stable part; a lone message
        # (a long document and its question) is its own prefix.
        stable = messages[:-1] if len(messages) > 1 else messages
        found = [i for i, m in enumerate(stable) if _markable(m)]
        return found[-1] if found else None
    msg = f"at must be 'prefix', 'system' or an index, got {at!r}."
    raise ValueError(msg)


def _plan(
    messages: list[BaseMessage],
    at: Position,
    min_tokens: int | None,
    token_counter: TokenCounter,
) -> tuple[int | None, str | None]:
    """The index to mark, or `None` and the reason nothing is marked."""
    index = _target(messages, at)
    if index is None:
        return None, f"no message to mark for at={at!r}"
    floor = min_cache_tokens() if min_tokens is None else min_tokens
    size = token_counter(messages[: index + 1])
    if size < floor:
        return None, (
            f"the prefix up to message {index} is about {size} tokens, below "
            f"the {floor} DashScope's explicit cache needs; implicit caching "
            "still applies by itself"
        )
    return index, None


def mark_cache(
    messages: Sequence[Any],
    *,
    at: Position = "prefix",
    min_tokens: int | None = None,
    token_counter: TokenCounter = count_tokens_approximately,
    warn: bool = True,
) -> list[BaseMessage]:
    """Mark the end of a conversation's stable prefix for DashScope's cache.

    One marker is added (markers already present are kept), on the last text
    part of the chosen message, copying the messages rather than changing
    them. Below the minimum size nothing is marked: the messages come back
    unchanged, with a `UserWarning` saying why (unless `warn=False`).

    Args:
        messages: Messages or message-like values (tuples, dicts, strings).
        at: `"prefix"` (default): the last system or human message before the
            newest message (a lone message marks itself); `"system"`: the
            system message; an int: that message (a system or human one).
        min_tokens: The smallest prefix to mark; DashScope's 1,024 by default.
        token_counter: Counts the prefix's tokens; LangChain's approximate
            counter (about 4 characters a token) by default.
        warn: Warn when nothing is marked.

    Returns:
        New list of messages.

    Raises:
        ValueError: `at` names a message that cannot carry a marker.
        IndexError: `at` is out of range.
    """
    converted = convert_to_messages(messages)
    index, why = _plan(converted, at, min_tokens, token_counter)
    if index is None:
        if warn:
            warnings.warn(
                f"mark_cache: nothing marked: {why}.", UserWarning, stacklevel=2
            )
        return list(converted)
    out = list(converted)
    out[index] = with_cache_control(out[index])
    return out


def _middleware_base() -> type:
    try:
        # Lazy: langchain (and langgraph) is not a runtime dependency.
        from langchain.agents.middleware import AgentMiddleware  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - langchain is optional
        msg = "QwenCacheMiddleware needs `langchain`: pip install langchain"
        raise ImportError(msg) from exc
    return AgentMiddleware


def __getattr__(name: str) -> Any:
    # The middleware subclasses langchain's AgentMiddleware; langchain is not
    # a runtime dependency, so the class is built on first use.
    if name == "QwenCacheMiddleware":
        cls = _build_middleware()
        globals()[name] = cls
        return cls
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def _build_middleware() -> type:
    base = _middleware_base()

    class QwenCacheMiddleware(base):  # type: ignore[misc, valid-type]
        """Mark the stable prefix of every model call an agent makes.

        Setup:
            Needs `langchain` (for `create_agent`): `pip install langchain`.

        Key init args:
            at: Where the marker goes, as in `mark_cache` (default
                `"prefix"`: the last system or human message before the
                newest message).
            min_tokens: The smallest prefix to mark (DashScope's 1,024).
            token_counter: Counts tokens (LangChain's approximate counter).

        Instantiate:
            ```python
            from langchain.agents import create_agent
            from langchain_qwen import ChatQwen, QwenCacheMiddleware

            agent = create_agent(
                ChatQwen(model="qwen-plus"),
                tools=[...],
                system_prompt=LONG_INSTRUCTIONS,
                middleware=[QwenCacheMiddleware()],
            )
            ```

        Calls whose prefix is below the minimum, or that already carry a
        marker, go out unchanged (logged at debug level, not warned: short
        first turns are normal in an agent). The agent's state is never
        changed: only the request of each call is.
        """

        def __init__(
            self,
            *,
            at: Position = "prefix",
            min_tokens: int | None = None,
            token_counter: TokenCounter = count_tokens_approximately,
        ) -> None:
            super().__init__()
            if isinstance(at, str) and at not in ("prefix", "system"):
                msg = f"at must be 'prefix', 'system' or an index, got {at!r}."
                raise ValueError(msg)
            self.at = at
            self.min_tokens = min_tokens
            self.token_counter = token_counter

        def _mark(self, request: Any) -> Any:
            system = request.system_message
            messages = ([system] if system is not None else []) + list(request.messages)
            if any(has_cache_control(m) for m in messages):
                return request
            try:
                index, why = _plan(
                    messages, self.at, self.min_tokens, self.token_counter
                )
            except (IndexError, ValueError) as exc:
                _log.debug("QwenCacheMiddleware: not marking: %s", exc)
                return request
            if index is None:
                _log.debug("QwenCacheMiddleware: not marking: %s", why)
                return request
            messages[index] = with_cache_control(messages[index])
            if system is not None:
                return request.override(
                    system_message=messages[0], messages=messages[1:]
                )
            return request.override(messages=messages)

        def wrap_model_call(self, request: Any, handler: Callable[[Any], Any]) -> Any:
            return handler(self._mark(request))

        async def awrap_model_call(
            self, request: Any, handler: Callable[[Any], Awaitable[Any]]
        ) -> Any:
            return await handler(self._mark(request))

    QwenCacheMiddleware.__module__ = __name__
    QwenCacheMiddleware.__qualname__ = "QwenCacheMiddleware"
    return QwenCacheMiddleware


__all__ = [
    "cache_control",
    "has_cache_control",
    "mark_cache",
    "min_cache_tokens",
    "with_cache_control",
]
