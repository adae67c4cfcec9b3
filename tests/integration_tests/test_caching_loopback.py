"""Context caching end to end: markers on the wire, the middleware, usage."""

from __future__ import annotations

import os

import pytest
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool

from langchain_qwen import ChatQwen, QwenCacheMiddleware, mark_cache
from langchain_qwen.testing import DashScopeServer, text_completion

LONG = "Policy clause. " * 400  # ~1,500 tokens by the approximate counter
MARK = {"type": "ephemeral"}


def _model(server: DashScopeServer, **kwargs: object) -> ChatQwen:
    return ChatQwen(base_url=server.base_url, api_key="sk-test", **kwargs)  # type: ignore[arg-type]


def _marks(body: dict) -> list[tuple[int, str]]:
    found = []
    for i, message in enumerate(body["messages"]):
        content = message.get("content")
        if isinstance(content, list):
            found += [
                (i, message["role"])
                for part in content
                if isinstance(part, dict) and part.get("cache_control") == MARK
            ]
    return found


@pytest.mark.parametrize("model_name", ["qwen-plus", "qwen3-vl-plus", "Qwen/Qwen3-8B"])
def test_marker_survives_chatqwen_message_shaping(model_name: str) -> None:
    with DashScopeServer() as server:
        model = _model(
            server, model=model_name, validate_model=model_name != "Qwen/Qwen3-8B"
        )
        messages = mark_cache(
            [SystemMessage(LONG), HumanMessage("Summarise clause 3.")]
        )
        model.invoke(messages)
        body = server.requests[0].body
    assert _marks(body) == [(0, "system")]
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": LONG, "cache_control": MARK}
    ]
    # Unmarked text-only content is still sent as a string.
    assert body["messages"][1]["content"] == "Summarise clause 3."


def test_marker_on_a_user_turn_and_merged_system_messages() -> None:
    with DashScopeServer() as server:
        model = _model(server, model="qwen-plus")
        messages = [
            SystemMessage("Be precise."),
            SystemMessage("Cite clauses."),
            HumanMessage(LONG),
            HumanMessage("Which clause is longest?"),
        ]
        model.invoke(mark_cache(messages))
        body = server.requests[0].body
    # The two system messages are merged into one, first; the marker stays.
    assert body["messages"][0] == {
        "role": "system",
        "content": "Be precise.\n\nCite clauses.",
    }
    assert _marks(body) == [(1, "user")]


def test_cache_usage_shows_up_in_usage_metadata() -> None:
    usage = {
        "prompt_tokens": 1600,
        "completion_tokens": 5,
        "total_tokens": 1605,
        "prompt_tokens_details": {
            "cached_tokens": 1200,
            "cache_creation_input_tokens": 300,
        },
    }
    with DashScopeServer() as server:
        server.enqueue(
            text_completion("hit", usage=usage), text_completion("hit", usage=usage)
        )
        model = _model(server, model="qwen-plus")
        message = model.invoke(mark_cache([SystemMessage(LONG), HumanMessage("q")]))
        streamed = None
        for chunk in model.stream([SystemMessage(LONG), HumanMessage("q")]):
            streamed = chunk if streamed is None else streamed + chunk
    for got in (message, streamed):
        assert got is not None
        assert got.usage_metadata is not None
        assert got.usage_metadata["input_tokens"] == 1600
        details = got.usage_metadata["input_token_details"]
        assert details["cache_read"] == 1200
        assert details["cache_creation"] == 300


def test_middleware_marks_every_model_call_and_leaves_state_alone() -> None:
    @tool
    def lookup_clause(number: int) -> str:
        """Look up a clause by number."""
        return f"Clause {number}: be kind."

    with DashScopeServer() as server:
        server.enqueue(
            text_completion(
                "", tool_calls=[{"name": "lookup_clause", "args": {"number": 3}}]
            ),
            text_completion("Clause 3 says: be kind."),
        )
        agent = create_agent(
            _model(server, model="qwen-plus"),
            tools=[lookup_clause],
            system_prompt=LONG,
            middleware=[QwenCacheMiddleware()],
        )
        state = agent.invoke({"messages": [HumanMessage("What does clause 3 say?")]})
        first, second = (r.body for r in server.requests)
    assert state["messages"][-1].content == "Clause 3 says: be kind."
    # First call: [system, question] -> the system prompt is the stable prefix.
    assert _marks(first) == [(0, "system")]
    # Second call: the question is now part of the stable prefix.
    assert _marks(second) == [(1, "user")]
    assert [m["role"] for m in second["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
    ]
    # Nothing in the agent's own state carries a marker.
    assert all(isinstance(m.content, str) for m in state["messages"])


def test_middleware_skips_short_prompts_and_user_markers() -> None:
    with DashScopeServer() as server:
        agent = create_agent(
            _model(server, model="qwen-plus"),
            tools=[],
            system_prompt="Be brief.",
            middleware=[QwenCacheMiddleware()],
        )
        agent.invoke({"messages": [HumanMessage("hi")]})
        own = mark_cache([HumanMessage(LONG), HumanMessage("q")], at=0)
        agent_long = create_agent(
            _model(server, model="qwen-plus"),
            tools=[],
            system_prompt=LONG,
            middleware=[QwenCacheMiddleware()],
        )
        agent_long.invoke({"messages": own})
        short, user_marked = (r.body for r in server.requests)
    assert _marks(short) == []
    # The user's own marker is kept and no second one is added.
    assert _marks(user_marked) == [(1, "user")]


async def test_middleware_async() -> None:
    async with DashScopeServer() as server:
        agent = create_agent(
            _model(server, model="qwen-plus"),
            tools=[],
            system_prompt=LONG,
            middleware=[QwenCacheMiddleware(at="system")],
        )
        await agent.ainvoke({"messages": [HumanMessage("hi")]})
        body = server.requests[0].body
    assert _marks(body) == [(0, "system")]


def test_marker_on_a_user_turn_with_an_image_for_a_vision_model() -> None:
    with DashScopeServer() as server:
        model = _model(server, model="qwen3-vl-plus")
        question = HumanMessage(
            content=[
                {
                    "type": "image_url",
                    "image_url": {"url": "https://example.com/a.png"},
                },
                {"type": "text", "text": LONG},
            ]
        )
        model.invoke(mark_cache([question, HumanMessage("What is in it?")]))
        body = server.requests[0].body
    assert _marks(body) == [(0, "user")]
    assert body["messages"][0]["content"][0]["type"] == "image_url"


@pytest.mark.live
@pytest.mark.skipif(
    not os.environ.get("DASHSCOPE_API_KEY"),
    reason="needs DASHSCOPE_API_KEY to see DashScope create and hit an explicit cache",
)
def test_live_explicit_cache_is_created_then_read() -> None:
    model = ChatQwen(model="qwen-plus", max_tokens=5)
    messages = mark_cache([SystemMessage(LONG), HumanMessage("Say OK.")])
    first = model.invoke(messages)
    second = model.invoke(messages)
    details = [
        (m.usage_metadata or {}).get("input_token_details", {}) for m in (first, second)
    ]
    assert (
        details[0].get("cache_creation", 0) > 0 or details[0].get("cache_read", 0) > 0
    )
    assert details[1].get("cache_read", 0) > 0
