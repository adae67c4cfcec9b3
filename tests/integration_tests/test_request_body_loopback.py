"""The exact JSON body DashScope receives, over real HTTP through the `openai` SDK.

One test per rule of request shaping: DashScope-only fields however given, the
thinking switches, ranges and `stop`, and message shaping. Bad requests must
fail before anything reaches the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer

HI = [{"content": "hi", "role": "user"}]
FIELDS: dict[str, Any] = {
    "enable_search": True,
    "search_options": {"forced_search": True, "search_strategy": "max"},
    "top_k": 5,
    "repetition_penalty": 1.05,
    "vl_high_resolution_images": True,
    "enable_code_interpreter": True,
}


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        yield srv


def _chat(server: DashScopeServer, **kwargs: Any) -> ChatQwen:
    return ChatQwen(
        base_url=server.base_url, api_key="sk-loop", max_retries=0, **kwargs
    )


def _last_body(server: DashScopeServer) -> dict[str, Any]:
    return server.requests[-1].body


# --- DashScope-only fields ----------------------------------------------------------


def test_fields_reach_the_body(server: DashScopeServer) -> None:
    _chat(server, **FIELDS).invoke("hi")
    assert _last_body(server) == {
        "model": "qwen-plus",
        "stream": False,
        "messages": HI,
        **FIELDS,
    }


def test_model_kwargs_reach_the_body(server: DashScopeServer) -> None:
    with pytest.warns(UserWarning, match="should be specified explicitly"):
        chat = _chat(server, model_kwargs=dict(FIELDS))
    chat.invoke("hi")
    assert _last_body(server) == {
        "model": "qwen-plus",
        "stream": False,
        "messages": HI,
        **FIELDS,
    }


def test_bind_and_per_call_reach_the_body(server: DashScopeServer) -> None:
    chat = _chat(server)
    chat.bind(**FIELDS).invoke("hi")
    bound = _last_body(server)
    chat.invoke("hi", **FIELDS)
    assert (
        bound
        == _last_body(server)
        == {
            "model": "qwen-plus",
            "stream": False,
            "messages": HI,
            **FIELDS,
        }
    )


def test_translation_options_reach_the_body(server: DashScopeServer) -> None:
    options = {"source_lang": "auto", "target_lang": "English"}
    _chat(server, model="qwen-mt-plus").invoke("Hallo", translation_options=options)
    assert _last_body(server) == {
        "model": "qwen-mt-plus",
        "stream": False,
        "messages": [{"content": "Hallo", "role": "user"}],
        "translation_options": options,
    }


def test_users_extra_body_is_merged(server: DashScopeServer) -> None:
    chat = _chat(server, top_k=5, extra_body={"custom_flag": 1})
    chat.invoke("hi", enable_search=True)
    assert _last_body(server) == {
        "model": "qwen-plus",
        "stream": False,
        "messages": HI,
        "custom_flag": 1,
        "top_k": 5,
        "enable_search": True,
    }


async def test_fields_reach_the_body_async_and_streamed(
    server: DashScopeServer,
) -> None:
    chat = _chat(server, top_k=5)
    await chat.ainvoke("hi", enable_search=True)
    assert _last_body(server) == {
        "model": "qwen-plus",
        "stream": False,
        "messages": HI,
        "top_k": 5,
        "enable_search": True,
    }
    async for _ in chat.astream("hi", repetition_penalty=1.1):
        pass
    assert _last_body(server) == {
        "model": "qwen-plus",
        "stream": True,
        "messages": HI,
        "stream_options": {"include_usage": True},
        "top_k": 5,
        "repetition_penalty": 1.1,
    }


# --- thinking switches ----------------------------------------------------------


def test_thinking_switches_reach_the_body(server: DashScopeServer) -> None:
    chat = _chat(server, model="qwen3.7-plus", preserve_thinking=True)
    chat.invoke("hi", thinking_budget=500)
    assert _last_body(server) == {
        "model": "qwen3.7-plus",
        "stream": False,
        "messages": HI,
        "preserve_thinking": True,
        "thinking_budget": 500,
    }
    chat.bind(enable_thinking=False).invoke("hi", preserve_thinking=False)
    assert _last_body(server) == {
        "model": "qwen3.7-plus",
        "stream": False,
        "messages": HI,
        "preserve_thinking": False,
        "enable_thinking": False,
    }


@pytest.mark.parametrize("model", ["qwen-plus", "qwen3.7-plus", "qwen-max"])
def test_nothing_unasked_is_sent(server: DashScopeServer, model: str) -> None:
    _chat(server, model=model).invoke("hi")
    assert _last_body(server) == {"model": model, "stream": False, "messages": HI}


def test_thinking_off_not_sent_to_model_that_never_thinks(
    server: DashScopeServer,
) -> None:
    _chat(server, model="qwen-max").invoke("hi", enable_thinking=False)
    assert _last_body(server) == {"model": "qwen-max", "stream": False, "messages": HI}


# --- checks before sending ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"temperature": 2}, "temperature must be a number in [0, 2), got 2."),
        ({"top_p": 0}, "top_p must be a number in (0, 1], got 0."),
        ({"top_k": -1}, "top_k must be an integer >= 0, got -1."),
        (
            {"presence_penalty": 2.5},
            "presence_penalty must be a number in [-2, 2], got 2.5.",
        ),
        (
            {"seed": 2**31},
            "seed must be an integer in [0, 2147483647], got 2147483648.",
        ),
        ({"n": 5}, "n must be an integer in [1, 4], got 5."),
        ({"thinking_budget": 0}, "thinking_budget must be an integer >= 1, got 0."),
    ],
)
def test_out_of_range_fails_before_sending(
    server: DashScopeServer, kwargs: dict[str, Any], message: str
) -> None:
    chat = _chat(server, model="qwen-plus")
    with pytest.raises(ValueError) as err:
        chat.invoke("hi", **kwargs)
    assert str(err.value) == message
    assert server.requests == []


def test_n_where_supported(server: DashScopeServer) -> None:
    _chat(server, model="qwen-plus").invoke("hi", n=2)
    assert _last_body(server)["n"] == 2
    with pytest.raises(ValueError, match="returns one choice per request"):
        _chat(server, model="qwen3-max").invoke("hi", n=2)
    assert len(server.requests) == 1


@pytest.mark.parametrize("stop", ["END", ["a", "b"], [104307], [[1, 2], [3]]])
def test_stop_forms_reach_the_body(server: DashScopeServer, stop: Any) -> None:
    _chat(server).invoke("hi", stop=stop)
    assert _last_body(server) == {
        "model": "qwen-plus",
        "stream": False,
        "messages": HI,
        "stop": stop,
    }


def test_mixed_stop_fails_before_sending(server: DashScopeServer) -> None:
    with pytest.raises(ValueError, match="cannot be mixed"):
        _chat(server).invoke("hi", stop=["Hello", 104307])
    assert server.requests == []


# --- messages -----------------------------------------------------------------------


def _send(
    server: DashScopeServer, messages: list[BaseMessage], **kwargs: Any
) -> list[dict[str, Any]]:
    model = kwargs.pop("model", "qwen-plus")
    _chat(server, model=model).invoke(messages, **kwargs)
    return _last_body(server)["messages"]


def test_system_messages_merged_on_the_wire(server: DashScopeServer) -> None:
    sent = _send(
        server,
        [
            SystemMessage("Be brief."),
            HumanMessage([{"type": "text", "text": "hi"}]),
            SystemMessage("Answer in French."),
        ],
    )
    assert sent == [
        {"content": "Be brief.\n\nAnswer in French.", "role": "system"},
        {"content": "hi", "role": "user"},
    ]


def test_tool_loop_on_the_wire(server: DashScopeServer) -> None:
    call = {"name": "weather", "args": {"city": "Paris"}, "id": "call_1"}
    sent = _send(
        server,
        [
            HumanMessage("Weather in Paris?"),
            AIMessage(
                "",
                tool_calls=[call],
                additional_kwargs={"reasoning_content": "I should call weather."},
            ),
            ToolMessage([{"city": "Paris", "temp": 21}], tool_call_id="call_1"),
        ],
        model="qwen3.7-plus",
    )
    assert sent == [
        {"content": "Weather in Paris?", "role": "user"},
        {
            "content": None,
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
                    "index": 0,
                }
            ],
            "reasoning_content": "I should call weather.",
        },
        {
            "content": '[{"city": "Paris", "temp": 21}]',
            "role": "tool",
            "tool_call_id": "call_1",
        },
    ]


def test_reasoning_of_finished_turns_left_out(server: DashScopeServer) -> None:
    history = [
        HumanMessage("2+2?"),
        AIMessage("4", additional_kwargs={"reasoning_content": "Two and two."}),
        HumanMessage("3+3?"),
    ]
    assert _send(server, history, model="qwen3.7-plus")[1] == {
        "content": "4",
        "role": "assistant",
    }
    kept = _send(server, history, model="qwen3.7-plus", preserve_thinking=True)
    assert kept[1] == {
        "content": "4",
        "role": "assistant",
        "reasoning_content": "Two and two.",
    }
    assert _last_body(server)["preserve_thinking"] is True


def test_partial_mode_on_the_wire(server: DashScopeServer) -> None:
    sent = _send(
        server,
        [
            HumanMessage("Complete the function."),
            AIMessage("def fib(n):\n", additional_kwargs={"partial": True}),
        ],
    )
    assert sent[-1] == {
        "content": "def fib(n):\n",
        "role": "assistant",
        "partial": True,
    }


def test_qwen_long_file_ids_on_the_wire() -> None:
    with DashScopeServer() as server:
        chat = ChatQwen(base_url=server.base_url, api_key="sk-loop", model="qwen-long")
        chat.invoke(
            [
                SystemMessage("You are a helpful assistant."),
                SystemMessage("fileid://file-fe-1"),
                HumanMessage("Summarise."),
            ]
        )
        assert server.requests[0].body["messages"] == [
            {"content": "You are a helpful assistant.", "role": "system"},
            {"content": "fileid://file-fe-1", "role": "system"},
            {"content": "Summarise.", "role": "user"},
        ]


@pytest.mark.parametrize(
    ("model", "messages", "match"),
    [
        (
            "qwq-plus",
            [SystemMessage("Be brief."), HumanMessage("hi")],
            "does not take a system message",
        ),
        (
            "qwen-mt-plus",
            [HumanMessage("Hallo"), AIMessage("Hello"), HumanMessage("Welt")],
            "translates exactly one user message",
        ),
        (
            "qwen3.7-plus",
            [HumanMessage("a"), AIMessage("b", additional_kwargs={"partial": True})],
            "pass enable_thinking=False",
        ),
    ],
)
def test_rejected_shapes_fail_before_sending(
    server: DashScopeServer, model: str, messages: list[BaseMessage], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        _chat(server, model=model).invoke(messages)
    assert server.requests == []
