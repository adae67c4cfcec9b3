"""DashScope's Responses API rules (`_chat.responses`), without a network."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_qwen import ChatQwen
from langchain_qwen._chat import responses

KEY = "sk-unit"
UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("resp_abc", True),
        (UUID, True),
        ("chatcmpl-" + UUID, False),
        ("msg_" + UUID, False),
        ("", False),
        (None, False),
    ],
)
def test_is_response_id(value: object, expected: bool) -> None:
    assert responses.is_response_id(value) is expected


@pytest.mark.parametrize("response_id", ["resp_1", UUID])
def test_last_messages_knows_both_id_forms(response_id: str) -> None:
    answer = AIMessage("A", response_metadata={"id": response_id})
    chat_answer = AIMessage("B", response_metadata={"id": "chatcmpl-" + UUID})
    history = [HumanMessage("1"), answer, HumanMessage("2"), chat_answer]
    rest, found = responses.last_messages([*history, HumanMessage("3")])
    assert found == response_id
    assert [m.content for m in rest] == ["2", "B", "3"]
    assert responses.last_messages([HumanMessage("x")]) == ([HumanMessage("x")], None)


def test_keep_documented_input() -> None:
    items = [
        {"type": "message", "role": "user", "content": "q"},
        {"type": "reasoning", "id": "r1", "summary": []},
        {"type": "reasoning", "id": "r2", "summary": [], "encrypted_content": "c"},
        {"type": "web_search_call", "id": "w"},
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "1"},
        {"role": "user", "content": "no type"},
    ]
    kept = responses.keep_documented_input(items)
    assert [i.get("id") or i.get("type") or "untyped" for i in kept] == [
        "message",
        "r2",
        "function_call",
        "function_call_output",
        "untyped",
    ]


def test_finish_payload_moves_dashscope_fields_to_the_body() -> None:
    payload = {
        "model": "qwen3.7-plus",
        "input": [],
        "enable_thinking": True,
        "top_k": 5,
        "max_output_tokens": 10,
        "extra_body": {"mine": 1},
    }
    out = responses.finish_payload(payload, info=None, session_cache=True)
    assert out["extra_body"] == {"mine": 1, "enable_thinking": True, "top_k": 5}
    assert out["max_output_tokens"] == 10
    assert out["extra_headers"] == {"x-dashscope-session-cache": "enable"}
    assert "enable_thinking" in payload  # not modified


def test_facts_cover_every_builtin_tool_with_sources() -> None:
    data = responses.facts()
    assert set(data["builtin_tools"]) == {
        "web_search",
        "web_extractor",
        "code_interpreter",
        "web_search_image",
        "image_search",
        "file_search",
        "mcp",
    }
    assert data["date"] == "2026-12-04"
    for fact in data["unsupported_fields"].values():
        assert fact["source"]
    assert data["builtin_tools"]["file_search"]["source"]


def test_payload_is_built_for_responses_without_a_request() -> None:
    model = ChatQwen(api_key=KEY, model="qwen3.7-plus", use_responses_api=True)
    payload = model._get_request_payload([HumanMessage("hi")], max_tokens=5)
    assert "messages" not in payload
    assert payload["input"] == [{"content": "hi", "role": "user", "type": "message"}]
    assert payload["max_output_tokens"] == 5


def test_instance_stop_is_refused_on_responses() -> None:
    model = ChatQwen(api_key=KEY, use_responses_api=True, stop=["END"])
    with pytest.raises(ValueError, match="`stop` is a Chat Completions field"):
        model._get_request_payload([HumanMessage("hi")])


def test_binding_builtins_keeps_them_in_place() -> None:
    model = ChatQwen(api_key=KEY, model="qwen3.7-plus")

    def weather(city: str) -> str:
        """Weather in a city."""
        return city

    bound = model.bind_tools(
        [{"type": "web_search"}, weather, {"type": "web_extractor"}],
        tool_choice="auto",
    )
    tools = bound.kwargs["tools"]  # type: ignore[attr-defined]
    assert tools[0] == {"type": "web_search"}
    assert tools[1]["function"]["name"] == "weather"
    assert tools[2] == {"type": "web_extractor"}
    only = model.bind_tools([{"type": "code_interpreter"}], tool_choice="any")
    assert only.kwargs == {  # type: ignore[attr-defined]
        "tools": [{"type": "code_interpreter"}],
        "tool_choice": "required",
    }
    assert model._use_responses_api(only.kwargs)  # type: ignore[attr-defined]
