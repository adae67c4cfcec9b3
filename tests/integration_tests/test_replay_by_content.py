"""The replay server answers by what a request says, never by when it arrives.

Covers `server.queue(..., when=)`, `server.script(...)`, the `mentions` and
`user_asks` matchers, `"required"` in `scripted_handler`, and reasoning from
models that think by default or always (as DashScope gives it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_qwen import ChatQwen
from langchain_qwen.testing import (
    DashScopeServer,
    RecordedRequest,
    mentions,
    scripted_handler,
    text_completion,
    user_asks,
)

LANGUAGES = {
    "German": "Hallo Welt!",
    "Spanish": "Hola, mundo!",
    "French": "Bonjour, le monde !",
    "Italian": "Ciao, mondo!",
    "Dutch": "Hallo wereld!",
    "Polish": "Witaj, świecie!",
}


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer(handler=scripted_handler) as srv:
        yield srv


def _model(server: DashScopeServer, model: str = "qwen-plus", **kw: Any) -> ChatQwen:
    return ChatQwen(
        model=model, base_url=server.base_url, api_key="sk-t", max_retries=0, **kw
    )


def _translate(server: DashScopeServer) -> Any:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Translate into {language}."), ("human", "{text}")]
    )
    return prompt | _model(server) | StrOutputParser()


def test_scripts_answer_by_content_in_any_arrival_order(
    server: DashScopeServer,
) -> None:
    for language, answer in LANGUAGES.items():
        server.script(language, text_completion(answer))
    chain = _translate(server)
    # Sent one by one in reverse order: an arrival-order queue would answer the
    # first request (Polish) with the first reply (German).
    for language in reversed(LANGUAGES):
        assert (
            chain.invoke({"language": language, "text": "Hello"})
            == (LANGUAGES[language])
        )
    # And concurrently, many times: every answer is its own.
    inputs = [{"language": lang, "text": "Hello"} for lang in LANGUAGES] * 3
    assert chain.batch(inputs, config={"max_concurrency": 6}) == [
        LANGUAGES[i["language"]] for i in inputs
    ]
    # Scripts are never used up, and what no script matches goes to the handler.
    assert chain.invoke({"language": "Danish", "text": "Hello"}) == "Hello"


def test_keyed_queues_play_two_concurrent_agent_runs(server: DashScopeServer) -> None:
    def get_weather(city: str) -> str:
        """Get the current weather in a city."""
        return {"Hangzhou": "rain", "Beijing": "clear"}[city]

    for city in ("Hangzhou", "Beijing"):
        server.queue(
            text_completion(
                "", tool_calls=[{"name": "get_weather", "args": {"city": city}}]
            ),
            text_completion(f"{city}: see the forecast."),
            when=city,
        )
    agent = create_agent(_model(server), tools=[get_weather])
    results: dict[str, list[Any]] = {}
    barrier = threading.Barrier(2)

    def run(city: str) -> None:
        barrier.wait()
        state = agent.invoke({"messages": [("user", f"Weather in {city}?")]})
        results[city] = state["messages"]

    threads = [threading.Thread(target=run, args=(c,)) for c in ("Beijing", "Hangzhou")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for city, weather in (("Hangzhou", "rain"), ("Beijing", "clear")):
        messages = results[city]
        assert messages[1].tool_calls[0]["args"] == {"city": city}
        assert messages[2].content == weather
        assert messages[3].content == f"{city}: see the forecast."
    assert server.pending == 0


def test_queue_beats_script_beats_handler(server: DashScopeServer) -> None:
    model = _model(server)
    server.script("ping", text_completion("scripted"))
    server.queue(text_completion("queued"), when="ping")
    server.enqueue(text_completion("anyone"))
    assert model.invoke("ping").content == "queued"  # the oldest that matches
    assert model.invoke("ping").content == "anyone"
    assert model.invoke("ping").content == "scripted"
    assert model.invoke("ping").content == "scripted"
    assert model.invoke("pong").content == "pong"
    assert server.pending == 0


def test_script_needs_a_when_and_when_a_known_kind() -> None:
    server = DashScopeServer()
    with pytest.raises(ValueError, match="needs a `when`"):
        server.script(None, text_completion("x"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="when must be a string, a callable or None"):
        server.queue(text_completion("x"), when=3)  # type: ignore[arg-type]


def _request(*messages: dict[str, Any]) -> RecordedRequest:
    return RecordedRequest("POST", "/", {}, {"messages": list(messages)}, b"")


def test_matchers() -> None:
    system = {"role": "system", "content": "Translate into German."}
    user = {"role": "user", "content": [{"type": "text", "text": "Weather in Rome?"}]}
    tool = {"role": "tool", "content": "sunny", "tool_call_id": "c1"}
    assert mentions("German")(_request(system, user))
    assert mentions("Rome")(_request(system, user, tool))
    assert not mentions("german")(_request(system, user))
    assert user_asks("Rome")(_request(system, user))
    assert not user_asks("Rome")(_request(system, user, tool))
    assert not user_asks("Rome")(_request())


def test_required_calls_each_tool_once_then_the_last(server: DashScopeServer) -> None:
    def first(x: str) -> str:
        """First tool."""
        return x

    def second(x: str) -> str:
        """Second tool."""
        return x

    bound = _model(server, "qwen3.7-plus").bind_tools(
        [first, second], tool_choice="any"
    )
    history: list[Any] = [("user", "go")]
    names = []
    for _ in range(3):
        reply = bound.invoke(history)
        call = reply.tool_calls[0]
        names.append(call["name"])
        history += [
            reply,
            {"role": "tool", "content": "ok", "tool_call_id": call["id"]},
        ]
    assert names == ["first", "second", "second"]
    assert all(r.body["tool_choice"] == "required" for r in server.requests)


@pytest.mark.parametrize(
    ("model", "kwargs", "thinks"),
    [
        ("qwq-plus", {}, True),  # always thinks (docs/thinking.md)
        ("qwen3.7-plus", {}, True),  # thinks by default
        ("qwen3.7-plus", {"enable_thinking": False}, False),
        ("qwen-plus", {}, False),  # off by default
        ("qwen-plus", {"enable_thinking": True}, True),
        ("qwen-max", {}, False),  # never thinks
    ],
)
@pytest.mark.parametrize("handler", ["echo", "scripted"])
def test_reasoning_as_live(
    model: str, kwargs: dict[str, Any], thinks: bool, handler: str
) -> None:
    with DashScopeServer(
        handler=scripted_handler if handler == "scripted" else None
    ) as server:
        chat = _model(server, model, **kwargs)
        msg = chat.invoke("What is 17 * 23?")
        assert isinstance(msg, AIMessage)
        assert msg.content == "What is 17 * 23?"
        assert ("reasoning_content" in msg.additional_kwargs) is thinks
        if thinks:
            assert msg.content_blocks[0]["type"] == "reasoning"
            assert msg.usage_metadata is not None
            assert msg.usage_metadata["output_token_details"]["reasoning"] > 0
            streamed = [
                c.additional_kwargs.get("reasoning_content")
                for c in chat.stream("What is 17 * 23?")
            ]
            assert any(streamed)
