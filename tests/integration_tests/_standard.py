"""What the live and loopback runs of the standard suite share."""

from __future__ import annotations

from typing import Literal

import pytest
from langchain_core.messages import AIMessage

from langchain_qwen import ChatQwen

UsageDetail = Literal[
    "audio_input",
    "audio_output",
    "reasoning_output",
    "cache_read_input",
    "cache_creation_input",
]

ONE_EVENT_LOOP = [
    # One event loop for the module: the parent caches its async httpx client
    # per base URL, and a pooled connection cannot outlive the loop that opened it.
    pytest.mark.asyncio(loop_scope="module"),
    # The mark reaches the suite's sync tests too, where it is simply unused.
    pytest.mark.filterwarnings("ignore:The test <Function .* is marked with '@pytest"),
]


def invoke_or_stream(model: ChatQwen, prompt: str, *, stream: bool) -> AIMessage:
    """The answer to `prompt`, by `invoke` or as the sum of a stream's chunks."""
    if not stream:
        return model.invoke(prompt)
    full = None
    for chunk in model.stream(prompt):
        full = chunk if full is None else full + chunk
    assert full is not None
    return AIMessage(**full.model_dump(exclude={"type", "tool_call_chunks"}))
