"""What is known at construction is checked at construction (issue 11, item 3).

`ChatQwen(...)` runs the same checks on its own fields as each call runs on its
payload (`payload.check_settings`), so the message is the same in both places.
Per-call values are still checked per call.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from pydantic import ValidationError

from langchain_qwen import ChatQwen

KEY = "sk-unit"
HI = [HumanMessage("hi")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"temperature": 2}, r"temperature must be a number in \[0, 2\), got 2"),
        ({"max_tokens": 0}, "max_tokens must be an integer >= 1, got 0"),
        ({"top_p": 0}, r"top_p must be a number in \(0, 1\], got 0"),
        ({"n": 5}, r"n must be an integer in \[1, 4\], got 5"),
        ({"top_k": -1}, "top_k must be an integer >= 0, got -1"),
        ({"seed": -1}, r"seed must be an integer in \[0, 2147483647\], got -1"),
        ({"presence_penalty": 3}, r"presence_penalty must be a number in \[-2, 2\]"),
        ({"repetition_penalty": 0}, "repetition_penalty must be a number > 0"),
        ({"thinking_budget": 0}, "thinking_budget must be an integer >= 1"),
        ({"top_logprobs": 9, "logprobs": True}, r"top_logprobs must be .* \[0, 5\]"),
        ({"top_logprobs": 2}, "only with logprobs=True"),
        # max_completion_tokens is the max_tokens field's alias: the parent
        # moves it out of model_kwargs, and the check names the field.
        ({"model_kwargs": {"max_completion_tokens": 0}}, "max_tokens must"),
        ({"max_completion_tokens": 0}, "max_tokens must"),
    ],
)
# The model_kwargs case is moved to the field by the parent, which warns so.
@pytest.mark.filterwarnings(
    "ignore:Parameters {'max_completion_tokens'} should be specified explicitly"
)
def test_instance_ranges_fail_at_construction(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        ChatQwen(api_key=KEY, **fields)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"model": "qwen-max", "enable_thinking": True},
            "'qwen-max' has no thinking mode",
        ),
        (
            {"model": "qwen3-next-80b-a3b-thinking", "enable_thinking": False},
            "'qwen3-next-80b-a3b-thinking' always thinks",
        ),
        (
            {"model": "qwen-plus", "enable_thinking": False, "thinking_budget": 100},
            "thinking_budget only limits thinking",
        ),
        ({"model": "qwen-max", "preserve_thinking": True}, "does not read earlier"),
        ({"model": "qwen3-max", "n": 2}, "'qwen3-max' returns one choice"),
        ({"model": "qwen-max", "reasoning_effort": "low"}, "has no thinking mode"),
        ({"model": "qwen3.8-max", "reasoning_effort": "max"}, "takes reasoning_effort"),
        (
            {"model": "qwen-plus", "max_tokens": 10**7},
            "above 'qwen-plus''s output limit",
        ),
    ],
)
def test_capabilities_fail_at_construction_with_the_call_message(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as at_construction:
        ChatQwen(api_key=KEY, **fields)
    # The same words a call would raise with the same values.
    model = fields.pop("model")
    with pytest.raises(ValueError, match=message) as per_call:
        ChatQwen(api_key=KEY, model=model)._get_request_payload(HI, **fields)
    assert str(per_call.value) in str(at_construction.value)


def test_validate_model_false_keeps_ranges_but_not_capabilities() -> None:
    # The catalogue may be wrong about a model: its capability checks are off.
    model = ChatQwen(
        api_key=KEY, model="qwen-max", enable_thinking=True, validate_model=False
    )
    assert model._get_request_payload(HI)["extra_body"] == {"enable_thinking": True}
    # A range holds for every model: still refused, at construction and per call.
    with pytest.raises(ValidationError, match="temperature must be"):
        ChatQwen(api_key=KEY, temperature=2, validate_model=False)
    with pytest.raises(ValueError, match="max_tokens must be an integer >= 1"):
        model._get_request_payload(HI, max_tokens=0)


def test_per_call_values_are_still_checked_per_call() -> None:
    model = ChatQwen(api_key=KEY, model="qwen-plus")
    with pytest.raises(ValueError, match="temperature must be"):
        model._get_request_payload(HI, temperature=2)
    with pytest.raises(ValueError, match="has no thinking mode"):
        model._get_request_payload(HI, model="qwen-max", enable_thinking=True)


def test_settings_a_call_can_complete_are_not_refused() -> None:
    # qwen-plus thinks when a call says so: the instance's budget waits for it.
    model = ChatQwen(
        api_key=KEY, model="qwen-plus", enable_thinking=True, thinking_budget=300
    )
    assert model._get_request_payload(HI, enable_thinking=False)["extra_body"] == {
        "enable_thinking": False
    }
    ChatQwen(api_key=KEY, model="qwen3.7-plus", max_tokens=1, temperature=0)


def test_model_type_is_checked_before_anything_reads_it() -> None:
    for model in (123, 1.5, b"qwen-plus", "", "  "):
        with pytest.raises(ValidationError, match="model must be a model name") as e:
            ChatQwen(api_key=KEY, model=model)
        assert "AttributeError" not in str(e.value)
    with pytest.raises(ValidationError, match="model must be a model name"):
        ChatQwen(api_key=KEY, model=123, validate_model=False)
