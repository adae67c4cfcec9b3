"""mark_cache and with_cache_control: one marker, within DashScope's rules."""

from __future__ import annotations

import warnings

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_qwen import mark_cache, with_cache_control
from langchain_qwen.caching import has_cache_control, min_cache_tokens

LONG = "word " * 1200  # ~1,500 tokens by the approximate counter
MARK = {"type": "ephemeral"}


def _marked(messages: list) -> list[int]:
    return [i for i, m in enumerate(messages) if has_cache_control(m)]


def test_minimum_comes_from_the_data() -> None:
    assert min_cache_tokens() == 1024


def test_string_content_becomes_one_marked_text_part() -> None:
    original = SystemMessage(LONG)
    marked = with_cache_control(original)
    assert marked.content == [{"type": "text", "text": LONG, "cache_control": MARK}]
    assert original.content == LONG  # never changed in place


def test_marks_the_last_text_part_of_list_content() -> None:
    message = HumanMessage(
        content=[
            {"type": "text", "text": "doc"},
            {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
            {"type": "text", "text": "more"},
        ]
    )
    marked = with_cache_control(message)
    assert [("cache_control" in p) for p in marked.content] == [False, False, True]
    assert "cache_control" not in message.content[2]


def test_prefix_marks_the_system_prompt_before_the_question() -> None:
    messages = [SystemMessage(LONG), HumanMessage("What is it?")]
    out = mark_cache(messages)
    assert _marked(out) == [0]
    assert out[1] is messages[1]


def test_prefix_in_a_conversation_marks_the_last_stable_user_turn() -> None:
    messages = [
        SystemMessage("short"),
        HumanMessage(LONG),
        AIMessage("An answer."),
        HumanMessage("And now?"),
    ]
    assert _marked(mark_cache(messages)) == [1]


def test_a_lone_message_is_its_own_prefix() -> None:
    assert _marked(mark_cache([("human", LONG)])) == [0]


def test_system_and_index_positions() -> None:
    messages = [SystemMessage(LONG), HumanMessage(LONG), HumanMessage("q")]
    assert _marked(mark_cache(messages, at="system")) == [0]
    assert _marked(mark_cache(messages, at=1)) == [1]
    assert _marked(mark_cache(messages, at=-2)) == [1]


def test_below_the_minimum_nothing_is_marked_and_it_says_why() -> None:
    messages = [SystemMessage("You are terse."), HumanMessage("Hi")]
    with pytest.warns(UserWarning, match=r"below the 1024 .*implicit caching"):
        out = mark_cache(messages)
    assert _marked(out) == []
    assert [m.content for m in out] == ["You are terse.", "Hi"]


def test_warning_can_be_turned_off_and_minimum_and_counter_changed() -> None:
    messages = [SystemMessage("abc"), HumanMessage("Hi")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _marked(mark_cache(messages, warn=False)) == []
    assert _marked(mark_cache(messages, min_tokens=1)) == [0]
    assert _marked(mark_cache(messages, token_counter=lambda _: 5000)) == [0]


def test_tool_and_ai_messages_are_not_marked() -> None:
    messages = [
        HumanMessage(LONG),
        AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "c1"}]),
        ToolMessage("result", tool_call_id="c1"),
    ]
    assert _marked(mark_cache(messages)) == [0]
    with pytest.raises(ValueError, match="system or human message"):
        mark_cache(messages, at=2)
    with pytest.raises(IndexError):
        mark_cache(messages, at=7)
    with pytest.raises(ValueError, match="'prefix', 'system' or an index"):
        mark_cache(messages, at="last")  # type: ignore[arg-type]


def test_no_system_message_for_system_position() -> None:
    with pytest.warns(UserWarning, match="no message to mark"):
        out = mark_cache([HumanMessage(LONG)], at="system")
    assert _marked(out) == []
