"""`developer` messages reach DashScope as `system`, merged like system messages."""

from __future__ import annotations

import pytest
from langchain_core.messages import ChatMessage, HumanMessage, SystemMessage

from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer, text_completion


def _developer(text: str) -> SystemMessage:
    # How langchain-openai spells a developer message.
    return SystemMessage(text, additional_kwargs={"__openai_role__": "developer"})


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_developer_message_is_sent_as_system(mode: str) -> None:
    async with DashScopeServer() as server:
        server.enqueue(text_completion("ok"))
        model = ChatQwen(base_url=server.base_url, api_key="sk-test", model="qwen-plus")
        messages = [_developer("Answer in French."), HumanMessage("hi")]
        if mode == "invoke":
            model.invoke(messages)
        elif mode == "ainvoke":
            await model.ainvoke(messages)
        elif mode == "stream":
            list(model.stream(messages))
        else:
            [c async for c in model.astream(messages)]
        sent = server.requests[-1].body["messages"]
    assert sent == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "hi"},
    ]


def test_developer_and_system_messages_merge_into_one() -> None:
    with DashScopeServer() as server:
        server.enqueue(text_completion("ok"))
        model = ChatQwen(base_url=server.base_url, api_key="sk-test", model="qwen-plus")
        model.invoke(
            [
                SystemMessage("Be brief."),
                HumanMessage("hi"),
                ChatMessage(role="developer", content="Use metric units."),
                _developer("No emoji."),
            ]
        )
        sent = server.requests[-1].body["messages"]
    assert sent == [
        {"role": "system", "content": "Be brief.\n\nUse metric units.\n\nNo emoji."},
        {"role": "user", "content": "hi"},
    ]
    assert all(m["role"] != "developer" for m in sent)


def test_a_model_without_system_messages_refuses_developer_too() -> None:
    model = ChatQwen(
        base_url="http://127.0.0.1:9/v1", api_key="sk-test", model="qwq-plus"
    )
    with pytest.raises(ValueError, match="does not take a system message"):
        model.invoke([_developer("Think hard."), HumanMessage("hi")])
