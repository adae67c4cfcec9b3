"""Audio tokens from real bytes: a recorded Omni answer (real2), replayed over HTTP.

`qwen3-omni-flash-nonstream-text.json` (tests/recorded/real2, provenance in its
SOURCE.md) is a real non-streamed answer to audio input: its usage has
`prompt_tokens_details: {audio_tokens: 54, text_tokens: 1501}`. ChatQwen streams
Omni models under the hood, so the replay asks with a model that is not
streamed; the answer's own `model` field says qwen3-omni-flash. Spoken output
(`completion_tokens_details.audio_tokens`) has no recording: the loopback
audio tests cover it from Alibaba's documented shape.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer, load_recording
from tests.conftest import RECORDED

FILE = RECORDED / "real2" / "qwen3-omni-flash-nonstream-text.json"


@pytest.mark.parametrize("call", ["invoke", "ainvoke"])
@pytest.mark.parametrize("typed", [False, True], ids=["lean", "sdk"])
def test_input_audio_tokens_reach_usage_metadata(call: str, typed: bool) -> None:
    body = json.loads(FILE.read_bytes())
    with DashScopeServer() as server:
        server.enqueue(load_recording(FILE))
        chat = ChatQwen(
            base_url=server.base_url,
            api_key="sk-replay",
            model="qwen-plus",
            max_retries=0,
        )
        chat._typed_path = typed
        if call == "invoke":
            message = chat.invoke("打开西瓜白板")
        else:
            message = asyncio.run(chat.ainvoke("打开西瓜白板"))
    usage = message.usage_metadata
    assert usage is not None
    assert usage["input_tokens"] == 1555
    assert usage["output_tokens"] == 429
    assert usage["input_token_details"]["audio"] == 54
    assert "audio" not in usage.get("output_token_details", {})
    assert message.content == body["choices"][0]["message"]["content"]
    assert message.response_metadata["model_name"] == "qwen3-omni-flash"
    assert "audio" not in message.additional_kwargs  # a text-only answer
