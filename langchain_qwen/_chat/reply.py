"""Reply reading: what ChatQwen adds to the parent's messages (provider, usage).

The reply hooks themselves (`_create_chat_result`, `_convert_chunk_to_generation_chunk`)
live on `_chat.base.QwenChatBase`; what they share is here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from langchain_core.messages.ai import InputTokenDetails, UsageMetadata

PROVIDER = "qwen"
"""The provider LangChain sees: `ls_provider` and `model_provider`."""


def field(obj: Any, name: str) -> Any:
    """Read a field from a dict or an `openai` SDK object (extras included)."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def with_cache_creation(
    usage_metadata: UsageMetadata | None, usage: Any
) -> UsageMetadata | None:
    """Add DashScope's explicit-cache write count, which OpenAI names differently.

    DashScope reports `prompt_tokens_details.cache_creation_input_tokens`; the
    parent only reads OpenAI's `cache_write_tokens`.
    """
    created = field(
        field(usage, "prompt_tokens_details"), "cache_creation_input_tokens"
    )
    if usage_metadata is None or not isinstance(created, int):
        return usage_metadata
    details = usage_metadata.get("input_token_details") or {}
    if "cache_creation" in details:
        return usage_metadata
    updated = dict(usage_metadata)
    updated["input_token_details"] = cast(
        "InputTokenDetails", {**details, "cache_creation": created}
    )
    return cast("UsageMetadata", updated)
