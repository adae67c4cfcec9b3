"""The one `"qwen"` content-block translator: `content_blocks` of ChatQwen answers.

langchain-core keeps one translator per `model_provider`, so every reading of
ours goes through here: Responses API content first (`responses_blocks`), then
Chat Completions answers that carry encrypted reasoning (`encrypted`). Anything
else raises `NotImplementedError`, and langchain-core's best-effort reading
serves it exactly as for any other provider.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import register_translator

from langchain_qwen._chat import encrypted, responses_blocks


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Standard blocks of a ChatQwen answer.

    Args:
        message: The answer.

    Returns:
        The standard blocks.

    Raises:
        NotImplementedError: Nothing of ours; best-effort reading serves.
    """
    try:
        return responses_blocks.translate_content(message)
    except NotImplementedError:
        return encrypted.blocks_with_cipher(message)


def translate_content_chunk(message: AIMessageChunk) -> list[types.ContentBlock]:
    """`translate_content` for a stream chunk.

    Args:
        message: The chunk.

    Returns:
        The standard blocks.

    Raises:
        NotImplementedError: Nothing of ours; best-effort reading serves.
    """
    try:
        return responses_blocks.translate_content_chunk(message)
    except NotImplementedError:
        return encrypted.blocks_with_cipher(message)


def register(provider: str) -> None:
    """Register the translator for `provider` (ChatQwen's `model_provider`).

    Args:
        provider: The `model_provider` in `response_metadata`.
    """
    register_translator(provider, translate_content, translate_content_chunk)
