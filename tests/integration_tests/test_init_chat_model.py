"""docs/init-chat-model.md: what works instead of `init_chat_model(..., "qwen")`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain.agents import create_agent
from langchain.chat_models import init_chat_model
from langchain_core.runnables import ConfigurableField
from langchain_openai import ChatOpenAI

from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer, scripted_handler


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer(handler=scripted_handler) as srv:
        yield srv


def test_the_provider_string_is_unknown_to_langchain() -> None:
    # If LangChain ever learns "qwen", this fails: update the docs page.
    with pytest.raises(ValueError, match="Unsupported provider='qwen'"):
        init_chat_model("qwen-plus", model_provider="qwen")
    with pytest.raises(ValueError, match="Unable to infer model provider"):
        create_agent("qwen:qwen-plus")
    with pytest.raises(ValueError, match="Unable to infer model provider"):
        init_chat_model("qwen-plus")


def test_configurable_fields_recipe(server: DashScopeServer) -> None:
    model = ChatQwen(
        model="qwen-plus", base_url=server.base_url, api_key="sk-t"
    ).configurable_fields(
        model_name=ConfigurableField(id="model"),
        enable_thinking=ConfigurableField(id="thinking"),
        temperature=ConfigurableField(id="temperature"),
    )
    assert model.invoke("Hi").response_metadata["model_name"] == "qwen-plus"
    configured = {"model": "qwen3.7-plus", "thinking": False, "temperature": 0.3}
    msg = model.invoke("Hi", config={"configurable": configured})
    assert msg.response_metadata["model_name"] == "qwen3.7-plus"
    body = server.requests[-1].body
    assert (body["model"], body["enable_thinking"], body["temperature"]) == (
        "qwen3.7-plus",
        False,
        0.3,
    )
    # Configured values are checked like constructor arguments, before sending.
    sent = len(server.requests)
    with pytest.raises(ValueError, match="'qwen-max' has no thinking mode"):
        model.invoke(
            "Hi", config={"configurable": {"model": "qwen-max", "thinking": True}}
        )
    assert len(server.requests) == sent
    # And the configured model drives an agent.
    agent = create_agent(model, tools=[])
    state = agent.invoke(
        {"messages": [("user", "Hello")]}, {"configurable": {"model": "qwen-max"}}
    )
    assert state["messages"][-1].response_metadata["model_name"] == "qwen-max"


def test_configurable_alternatives_recipe(server: DashScopeServer) -> None:
    model = ChatQwen(
        model="qwen-plus", base_url=server.base_url, api_key="sk-t"
    ).configurable_alternatives(
        ConfigurableField(id="provider"),
        default_key="qwen",
        openai=ChatOpenAI(model="gpt-5.2", base_url=server.base_url, api_key="sk-o"),
    )
    model.invoke("Hi")
    model.invoke("Hi", config={"configurable": {"provider": "openai"}})
    assert [r.body["model"] for r in server.requests] == ["qwen-plus", "gpt-5.2"]
    assert server.requests[1].headers["authorization"] == "Bearer sk-o"
