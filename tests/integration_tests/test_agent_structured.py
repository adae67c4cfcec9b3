"""Structured responses from `langchain.agents.create_agent` on every kind of model.

Each `response_format` (a plain schema, `ToolStrategy`, `ProviderStrategy`) on a
model with `json_schema` output (qwen-plus), one that also takes DashScope's
`tool_choice: "required"` and thinks by default (qwen3.7-plus), one with
neither (qwen-max) and one with neither that thinks by default (qwen3.6-plus),
against the loopback server. Checked: the structured response, and what
DashScope would receive on each turn.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.structured_output import ProviderStrategy, ToolStrategy
from langchain_core.messages import AIMessageChunk, ToolMessage
from pydantic import BaseModel

from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer, scripted_handler, text_completion

QUESTION = "What is the weather in Paris?"


class Weather(BaseModel):
    """The weather in a city."""

    city: str
    temperature_c: float


class Forecast(BaseModel):
    """A forecast for a city."""

    city: str
    rain: bool


def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"22 C and sunny in {city}"


STRATEGIES: dict[str, Any] = {
    "schema": Weather,
    "tool": ToolStrategy(Weather),
    "provider": ProviderStrategy(Weather),
}
FREE_THEN_FORCED = [
    ("auto", None),
    ({"type": "function", "function": {"name": "Weather"}}, None),
]
PROVIDER = [(None, "json_schema")]
# What each request of the run carries: (tool_choice, response_format type).
EXPECTED: dict[tuple[str, str], list[tuple[Any, str | None]] | str] = {
    # json_schema models: LangChain picks ProviderStrategy for a plain schema.
    ("qwen-plus", "schema"): PROVIDER,
    ("qwen-plus", "tool"): FREE_THEN_FORCED,
    ("qwen-plus", "provider"): PROVIDER,
    ("qwen3.7-plus", "schema"): PROVIDER,
    # "required": the offline model calls get_weather, then the answer tool.
    ("qwen3.7-plus", "tool"): [("required", None), ("required", None)],
    ("qwen3.7-plus", "provider"): PROVIDER,
    ("qwen-max", "schema"): FREE_THEN_FORCED,
    ("qwen-max", "tool"): FREE_THEN_FORCED,
    ("qwen-max", "provider"): "ToolStrategy",
    ("qwen3.6-plus", "schema"): FREE_THEN_FORCED,
    ("qwen3.6-plus", "tool"): FREE_THEN_FORCED,
    ("qwen3.6-plus", "provider"): "ToolStrategy",
}
THINKS_BY_DEFAULT = {"qwen3.7-plus", "qwen3.6-plus"}


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer(handler=scripted_handler) as srv:
        yield srv


def _chat(server: DashScopeServer, model: str) -> ChatQwen:
    return ChatQwen(
        model=model, base_url=server.base_url, api_key="sk-t", max_retries=0
    )


def _wire(server: DashScopeServer) -> list[tuple[Any, str | None]]:
    return [
        (r.body.get("tool_choice"), (r.body.get("response_format") or {}).get("type"))
        for r in server.requests
    ]


@pytest.mark.parametrize(("model", "strategy"), sorted(EXPECTED))
def test_structured_response(
    server: DashScopeServer, model: str, strategy: str
) -> None:
    agent = create_agent(
        _chat(server, model), tools=[get_weather], response_format=STRATEGIES[strategy]
    )
    expected = EXPECTED[model, strategy]
    if isinstance(expected, str):
        # Nothing can work: the error names the agent-level fix, before sending.
        with pytest.raises(ValueError, match=expected) as info:
            agent.invoke({"messages": [("user", QUESTION)]})
        assert "json_schema" in str(info.value)
        assert server.requests == []
        return
    state = agent.invoke({"messages": [("user", QUESTION)]}, {"recursion_limit": 10})
    assert isinstance(state["structured_response"], Weather)
    assert _wire(server) == expected
    for request in server.requests:
        forced = request.body.get("tool_choice") not in (None, "auto")
        json_out = request.body.get("response_format") is not None
        if model in THINKS_BY_DEFAULT and (forced or json_out):
            # DashScope refuses both while a model thinks.
            assert request.body["enable_thinking"] is False
        else:
            assert "enable_thinking" not in request.body


def test_a_whole_run_on_a_model_without_required(server: DashScopeServer) -> None:
    """qwen-max: a tool round, then a text answer turned into the structured one."""
    server.queue(
        text_completion(
            "", tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}}]
        ),
        text_completion("It is 22 C and sunny in Paris."),
        text_completion(
            "",
            tool_calls=[
                {"name": "Weather", "args": {"city": "Paris", "temperature_c": 22}}
            ],
        ),
    )
    agent = create_agent(
        _chat(server, "qwen-max"), tools=[get_weather], response_format=Weather
    )
    state = agent.invoke({"messages": [("user", QUESTION)]})
    assert state["structured_response"] == Weather(city="Paris", temperature_c=22)
    tool_results = [m.content for m in state["messages"] if isinstance(m, ToolMessage)]
    assert tool_results[0] == "22 C and sunny in Paris"
    assert [r.body["tool_choice"] for r in server.requests] == [
        "auto",
        "auto",
        {"type": "function", "function": {"name": "Weather"}},
    ]
    # The forced request asks what the free one asked: nothing is added.
    assert server.requests[2].body["messages"] == server.requests[1].body["messages"]
    assert server.pending == 0


async def test_async_and_streamed_runs(server: DashScopeServer) -> None:
    agent = create_agent(
        _chat(server, "qwen-max"), tools=[get_weather], response_format=Weather
    )
    state = await agent.ainvoke({"messages": [("user", QUESTION)]})
    assert isinstance(state["structured_response"], Weather)
    chunks: list[AIMessageChunk] = []
    final: dict[str, Any] = {}
    async for mode, data in agent.astream(
        {"messages": [("user", QUESTION)]}, stream_mode=["messages", "values"]
    ):
        if mode == "messages" and isinstance(data[0], AIMessageChunk):
            chunks.append(data[0])
        elif mode == "values":
            final = data
    assert isinstance(final["structured_response"], Weather)
    if sys.version_info >= (3, 11):
        # Before 3.11 asyncio tasks do not carry the callbacks' context, so
        # LangGraph's "messages" mode neither streams async nodes nor sees tokens.
        assert all(r.body["stream"] is True for r in server.requests[2:])
        assert any(c.tool_call_chunks for c in chunks)


def test_several_schemas_need_required(server: DashScopeServer) -> None:
    agent = create_agent(
        _chat(server, "qwen-max"),
        tools=[get_weather],
        response_format=ToolStrategy(Weather | Forecast),  # type: ignore[arg-type]
    )
    with pytest.raises(ValueError, match="several schemas") as info:
        agent.invoke({"messages": [("user", QUESTION)]})
    assert "a model that accepts 'required' (e.g. qwen3." in str(info.value)
    assert server.requests == []
    required = create_agent(
        _chat(server, "qwen3.7-plus"),
        tools=[get_weather],
        response_format=ToolStrategy(Weather | Forecast),  # type: ignore[arg-type]
    )
    state = required.invoke({"messages": [("user", QUESTION)]}, {"recursion_limit": 10})
    assert isinstance(state["structured_response"], (Weather, Forecast))


def test_always_thinking_model_names_the_fix(server: DashScopeServer) -> None:
    agent = create_agent(
        _chat(server, "qwq-plus"), tools=[get_weather], response_format=Weather
    )
    with pytest.raises(ValueError, match=r"always thinks.*ToolStrategy"):
        agent.invoke({"messages": [("user", QUESTION)]})
    assert server.requests == []


def test_users_own_any_still_raises(server: DashScopeServer) -> None:
    """Only an agent's answer tool gets the fallback: a user's "any" stays."""

    def get_time(city: str) -> str:
        """Get the local time in a city."""
        return "noon"

    with pytest.raises(ValueError, match="does not accept DashScope's tool_choice"):
        _chat(server, "qwen-max").bind_tools([get_weather, get_time], tool_choice="any")
    with pytest.raises(ValueError, match="does not accept DashScope's tool_choice"):
        _chat(server, "qwen-max").bind_tools([get_weather, Weather], tool_choice="any")
