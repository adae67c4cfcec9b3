"""Encrypted reasoning (qwen4-max, `thinking_display="summarized"`) over real HTTP.

The reply shape (summary in `message.reasoning_content`, ciphertext in
`message.encrypted_content`) is documented (help.aliyun.com/en/model-studio/
cot-summary, 2026-11-16) but no live capture exists yet; where the ciphertext
sits in a stream is not documented at all, so the loopback server's placement
(its own deltas after the reasoning) is a guess, and ChatQwen keeps the field
from whichever delta carries it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer, text_completion

SUMMARY = "The user wants a product; multiply the two numbers."
CIPHER = "gAAAAABpZ" + "x9Qk3" * 40 + "=="  # opaque; sent back byte for byte
ANSWER = "17 * 23 = 391."
CALL = {"name": "calculator", "args": {"expression": "17*23"}, "id": "call_1"}
ON = {"thinking_display": "summarized"}
CONTINUE = {"enable_thinking": True, "preserve_thinking": True, **ON}


def _chat(server: DashScopeServer, **kwargs: Any) -> ChatQwen:
    return ChatQwen(
        base_url=server.base_url,
        api_key="sk-loop",
        model="qwen4-max",
        max_retries=0,
        **kwargs,
    )


def _reply(**kwargs: Any) -> Any:
    return text_completion(
        ANSWER, model="qwen4-max", reasoning=SUMMARY, encrypted_content=CIPHER, **kwargs
    )


def _check(message: Any) -> None:
    assert message.content == ANSWER
    assert message.additional_kwargs["reasoning_content"] == SUMMARY
    assert message.additional_kwargs["encrypted_content"] == CIPHER
    blocks = message.content_blocks
    assert blocks[0]["type"] == "reasoning"
    assert blocks[0]["reasoning"] == SUMMARY
    assert blocks[0]["extras"]["encrypted_content"] == CIPHER
    assert [b["type"] for b in blocks] == ["reasoning", "text"]


@pytest.mark.parametrize("typed", [False, True], ids=["lean", "sdk"])
def test_invoke_keeps_the_ciphertext_and_sends_the_switch(typed: bool) -> None:
    with DashScopeServer() as server:
        server.enqueue(_reply())
        chat = _chat(server, thinking_display="summarized")
        chat._typed_path = typed
        message = chat.invoke("What is 17 * 23?")
        _check(message)
        assert server.requests[-1].body["thinking_display"] == "summarized"


def test_ainvoke_keeps_the_ciphertext() -> None:
    async def run() -> Any:
        with DashScopeServer() as server:
            server.enqueue(_reply())
            return await _chat(server).ainvoke("What is 17 * 23?", **ON)

    _check(asyncio.run(run()))


@pytest.mark.parametrize("typed", [False, True], ids=["lean", "sdk"])
def test_stream_keeps_ciphertext_from_any_delta(typed: bool) -> None:
    with DashScopeServer() as server:
        server.enqueue(_reply(chunk_size=4))
        chat = _chat(server).bind(**ON)
        chat.bound._typed_path = typed  # type: ignore[attr-defined]
        chunks = list(chat.stream("What is 17 * 23?"))
        carrying = [c for c in chunks if "encrypted_content" in c.additional_kwargs]
        assert len(carrying) > 1  # the builder splits it: pieces join in order
        total = chunks[0]
        for chunk in chunks[1:]:
            total += chunk
        _check(total)
        assert server.requests[-1].body["thinking_display"] == "summarized"
        assert server.requests[-1].body["stream"] is True


def test_astream_keeps_the_ciphertext() -> None:
    async def run() -> Any:
        with DashScopeServer() as server:
            server.enqueue(_reply(chunk_size=4))
            total = None
            async for chunk in _chat(server, **ON).astream("What is 17 * 23?"):
                total = chunk if total is None else total + chunk
            return total

    _check(asyncio.run(run()))


def test_ciphertext_goes_back_verbatim_on_its_assistant_message() -> None:
    with DashScopeServer() as server:
        server.enqueue(_reply(tool_calls=[CALL]))
        server.enqueue(text_completion(ANSWER, model="qwen4-max"))
        chat = _chat(server, **CONTINUE)
        first = chat.invoke("What is 17 * 23?")
        assert first.additional_kwargs["encrypted_content"] == CIPHER
        history = [
            HumanMessage("What is 17 * 23?"),
            first,
            ToolMessage("391", tool_call_id="call_1"),
        ]
        chat.invoke(history)
        sent = server.requests[-1].body
        assistant = sent["messages"][1]
        assert assistant["role"] == "assistant"
        assert assistant["encrypted_content"] == CIPHER
        assert assistant["reasoning_content"] == SUMMARY
        assert sent["enable_thinking"] is True
        assert sent["preserve_thinking"] is True
        assert sent["thinking_display"] == "summarized"
        # Only the message the ciphertext came with carries it.
        assert [m.get("encrypted_content") for m in sent["messages"]] == [
            None,
            CIPHER,
            None,
        ]


def test_history_with_ciphertext_without_the_switches_is_refused_before_sending() -> (
    None
):
    with DashScopeServer() as server:
        chat = _chat(server, **ON)
        earlier = AIMessage(ANSWER, additional_kwargs={"encrypted_content": CIPHER})
        history = [HumanMessage("Hi"), earlier, HumanMessage("And 18 * 23?")]
        with pytest.raises(ValueError, match="enable_thinking, preserve_thinking"):
            chat.invoke(history)
        assert server.requests == []
        # The fix the message names works.
        server.enqueue(text_completion(ANSWER, model="qwen4-max"))
        chat.invoke(history, enable_thinking=True, preserve_thinking=True)
        assert server.requests[-1].body["messages"][1]["encrypted_content"] == CIPHER
