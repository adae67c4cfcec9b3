"""A LangGraph agent (`langchain.agents.create_agent`) driven by ChatQwen.

The loopback server plays DashScope through two tool rounds and a final answer;
each round's request body is checked: the tools offered, no forced tool choice,
the assistant's earlier tool calls and the tool results (as strings) in history.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage

from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer, text_completion

SYSTEM = "You are a weather assistant."
QUESTION = "Should I take an umbrella in Hangzhou over the next two days?"
ANSWER = "Yes: it is sunny today, but rain is likely tomorrow."
FORECAST = {"city": "Hangzhou", "days": 2, "rain_probability": [0.1, 0.8]}


def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"sunny, 24 C in {city}"


def get_forecast(city: str, days: int) -> dict:
    """Get the rain forecast for a city for the next few days."""
    assert (city, days) == ("Hangzhou", 2)
    return FORECAST


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        srv.enqueue(
            text_completion(
                "",
                tool_calls=[
                    {
                        "name": "get_weather",
                        "args": {"city": "Hangzhou"},
                        "id": "call_1",
                    }
                ],
                chunk_size=5,
            ),
            text_completion(
                "",
                tool_calls=[
                    {
                        "name": "get_forecast",
                        "args": {"city": "Hangzhou", "days": 2},
                        "id": "call_2",
                    }
                ],
                chunk_size=5,
            ),
            text_completion(ANSWER, chunk_size=7),
        )
        yield srv


def _agent(server: DashScopeServer, model: str = "qwen-plus") -> Any:
    chat = ChatQwen(
        base_url=server.base_url, api_key="sk-agent", model=model, max_retries=0
    )
    return create_agent(chat, tools=[get_weather, get_forecast], system_prompt=SYSTEM)


def _tool_call(call_id: str, name: str, args: dict) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "name": name, "args": args}


def _check_rounds(server: DashScopeServer, *, stream: bool) -> None:
    bodies = [r.body for r in server.requests]
    assert len(bodies) == 3
    for body in bodies:
        assert [t["function"]["name"] for t in body["tools"]] == [
            "get_weather",
            "get_forecast",
        ]
        assert "tool_choice" not in body
        assert "parallel_tool_calls" not in body
        assert body["stream"] is stream
        assert body["messages"][:2] == [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": QUESTION},
        ]
    assert len(bodies[0]["messages"]) == 2

    def calls(message: dict) -> list[dict]:
        assert message["role"] == "assistant"
        assert not message.get("content")
        return [
            {
                "id": c["id"],
                "type": c["type"],
                "name": c["function"]["name"],
                "args": json.loads(c["function"]["arguments"]),
            }
            for c in message["tool_calls"]
        ]

    round_two = bodies[1]["messages"][2:]
    assert len(round_two) == 2
    assert calls(round_two[0]) == [
        _tool_call("call_1", "get_weather", {"city": "Hangzhou"})
    ]
    assert round_two[1] == {
        "role": "tool",
        "content": "sunny, 24 C in Hangzhou",
        "tool_call_id": "call_1",
    }

    round_three = bodies[2]["messages"][2:]
    assert round_three[:2] == round_two
    assert calls(round_three[2]) == [
        _tool_call("call_2", "get_forecast", {"city": "Hangzhou", "days": 2})
    ]
    tool_result = round_three[3]
    assert tool_result["role"] == "tool"
    assert tool_result["tool_call_id"] == "call_2"
    assert isinstance(tool_result["content"], str)
    assert json.loads(tool_result["content"]) == FORECAST
    assert len(round_three) == 4


def _check_state(messages: list[Any]) -> None:
    assert [type(m).__name__ for m in messages] == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "AIMessage",
        "ToolMessage",
        "AIMessage",
    ]
    assert messages[1].tool_calls[0]["id"] == "call_1"
    assert messages[3].tool_calls[0]["args"] == {"city": "Hangzhou", "days": 2}
    assert isinstance(messages[2], ToolMessage)
    assert messages[2].status == "success"
    final = messages[-1]
    assert isinstance(final, AIMessage)
    assert final.content == ANSWER
    assert final.response_metadata["model_provider"] == "qwen"


def test_agent_two_tool_rounds(server: DashScopeServer) -> None:
    state = _agent(server).invoke({"messages": [("user", QUESTION)]})
    _check_state(state["messages"])
    _check_rounds(server, stream=False)


async def test_agent_two_tool_rounds_async(server: DashScopeServer) -> None:
    state = await _agent(server).ainvoke({"messages": [("user", QUESTION)]})
    _check_state(state["messages"])
    _check_rounds(server, stream=False)


def test_agent_two_tool_rounds_streaming(server: DashScopeServer) -> None:
    """`stream_mode="messages"` makes the model stream DashScope's chunk shapes."""
    tokens: list[AIMessageChunk] = []
    final_state: dict[str, Any] = {}
    for mode, data in _agent(server).stream(
        {"messages": [("user", QUESTION)]}, stream_mode=["messages", "values"]
    ):
        if mode == "messages":
            message, _ = data
            if isinstance(message, AIMessageChunk):
                tokens.append(message)
        else:
            final_state = data
    _check_state(final_state["messages"])
    _check_rounds(server, stream=True)
    streamed_text = "".join(str(t.content) for t in tokens)
    assert streamed_text == ANSWER
    assert any(t.tool_call_chunks for t in tokens)
