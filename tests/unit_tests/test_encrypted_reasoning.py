"""`thinking_display` and encrypted reasoning: the field, its checks, the blocks."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from langchain_qwen import ChatQwen, UnknownModelWarning
from langchain_qwen._chat.encrypted import encrypted_of
from langchain_qwen.catalogue import outputs

KEY = "sk-test"
CIPHER = "Zm9vYmFy" * 8
HI = [HumanMessage("Hi")]
CONTINUE = {
    "enable_thinking": True,
    "preserve_thinking": True,
    "thinking_display": "summarized",
}


def test_thinking_display_is_a_field_sent_in_the_body() -> None:
    model = ChatQwen(api_key=KEY, model="qwen4-max", thinking_display="summarized")
    assert model.thinking_display == "summarized"
    payload = model._get_request_payload(HI)
    assert payload["extra_body"] == {"thinking_display": "summarized"}


def test_thinking_display_per_call_and_bound() -> None:
    model = ChatQwen(api_key=KEY, model="qwen4-max")
    assert "extra_body" not in model._get_request_payload(HI)
    payload = model._get_request_payload(HI, thinking_display="summarized")
    assert payload["extra_body"] == {"thinking_display": "summarized"}
    bound = model.bind(thinking_display="summarized")
    assert bound.kwargs == {"thinking_display": "summarized"}  # type: ignore[attr-defined]
    assert model.thinking_display is None  # the instance is unchanged


def test_the_catalogue_names_qwen4_max_and_says_no_for_others() -> None:
    assert outputs.thinking_summary("qwen4-max") is True
    assert outputs.thinking_summary("qwen-plus") is False
    assert "qwen4-max" in outputs.thinking_summary_models()
    assert "cot-summary" in outputs.source("thinking_summary")


def test_thinking_display_on_a_model_without_it_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="no thinking summary") as info:
        ChatQwen(api_key=KEY, model="qwen3.7-plus", thinking_display="summarized")
    assert "'qwen4-max'" in str(info.value)
    assert "validate_model=False" in str(info.value)


def test_thinking_display_on_a_model_without_it_is_refused_per_call() -> None:
    model = ChatQwen(api_key=KEY, model="qwen-plus")
    with pytest.raises(ValueError, match="no thinking summary"):
        model._get_request_payload(HI, thinking_display="summarized")


def test_unknown_models_and_validate_model_false_let_it_through() -> None:
    with pytest.warns(UnknownModelWarning):
        unknown = ChatQwen(api_key=KEY, model="qwen4-flash")
    payload = unknown._get_request_payload(HI, thinking_display="summarized")
    assert payload["extra_body"]["thinking_display"] == "summarized"
    off = ChatQwen(api_key=KEY, model="qwen-plus", validate_model=False)
    payload = off._get_request_payload(HI, thinking_display="summarized")
    assert payload["extra_body"]["thinking_display"] == "summarized"


def test_thinking_display_must_be_a_string() -> None:
    model = ChatQwen(api_key=KEY, model="qwen4-max")
    with pytest.raises(ValueError, match="must be a string"):
        model._get_request_payload(HI, thinking_display=True)


def test_ciphertext_from_additional_kwargs_or_a_reasoning_block() -> None:
    assert (
        encrypted_of(AIMessage("a", additional_kwargs={"encrypted_content": CIPHER}))
        == CIPHER
    )
    block = {
        "type": "reasoning",
        "reasoning": "s",
        "extras": {"encrypted_content": CIPHER},
    }
    assert encrypted_of(AIMessage([block, {"type": "text", "text": "a"}])) == CIPHER
    assert encrypted_of(AIMessage("a")) is None
    assert (
        encrypted_of(AIMessage("a", additional_kwargs={"encrypted_content": ""}))
        is None
    )


@pytest.mark.parametrize(
    "missing", ["enable_thinking", "preserve_thinking", "thinking_display"]
)
def test_each_missing_switch_is_named(missing: str) -> None:
    model = ChatQwen(api_key=KEY, model="qwen4-max")
    earlier = AIMessage("391", additional_kwargs={"encrypted_content": CIPHER})
    call = {k: v for k, v in CONTINUE.items() if k != missing}
    with pytest.raises(ValueError, match=f"lacks {missing}:"):
        model._get_request_payload(
            [HumanMessage("q"), earlier, HumanMessage("r")], **call
        )


def test_ciphertext_in_a_content_block_goes_back_too() -> None:
    model = ChatQwen(api_key=KEY, model="qwen4-max", **CONTINUE)
    block = {
        "type": "reasoning",
        "reasoning": "s",
        "extras": {"encrypted_content": CIPHER},
    }
    earlier = AIMessage([block, {"type": "text", "text": "391"}])
    payload = model._get_request_payload(
        [HumanMessage("q"), earlier, HumanMessage("r")]
    )
    assert payload["messages"][1]["encrypted_content"] == CIPHER


def test_history_without_ciphertext_needs_nothing() -> None:
    model = ChatQwen(api_key=KEY, model="qwen4-max")
    payload = model._get_request_payload(
        [HumanMessage("q"), AIMessage("391"), HumanMessage("r")]
    )
    assert "encrypted_content" not in payload["messages"][1]


def test_content_blocks_of_a_ciphertext_without_summary() -> None:
    message = AIMessage(
        "391",
        additional_kwargs={"encrypted_content": CIPHER},
        response_metadata={"model_provider": "qwen"},
    )
    blocks = message.content_blocks
    assert blocks[0] == {"type": "reasoning", "extras": {"encrypted_content": CIPHER}}
    assert blocks[1]["type"] == "text"
    chunk = AIMessageChunk(
        "",
        additional_kwargs={"encrypted_content": CIPHER},
        response_metadata={"model_provider": "qwen"},
    )
    assert chunk.content_blocks[0]["extras"] == {"encrypted_content": CIPHER}


def test_content_blocks_without_ciphertext_are_unchanged() -> None:
    message = AIMessage(
        "391",
        additional_kwargs={"reasoning_content": "why"},
        response_metadata={"model_provider": "qwen"},
    )
    assert message.content_blocks == [
        {"type": "reasoning", "reasoning": "why"},
        {"type": "text", "text": "391"},
    ]
