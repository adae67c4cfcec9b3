"""Reshaping a result merged from a stream like a non-streamed one."""

from __future__ import annotations

from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from langchain_qwen._chat.stream_only import as_invoke_result

USAGE = {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}


def _result(info: dict | None) -> ChatResult:
    message = AIMessage("391", additional_kwargs={"reasoning_content": "r"})
    return ChatResult(
        generations=[ChatGeneration(message=message, generation_info=info)]
    )


def test_response_keys_move_to_llm_output() -> None:
    streamed = _result(
        {
            "finish_reason": "stop",
            "model_name": "qwq-plus",
            "id": "chatcmpl-1",
            "token_usage": USAGE,
        }
    )
    result = as_invoke_result(streamed, model_name="ignored", provider="qwen")
    assert result.llm_output == {
        "token_usage": USAGE,
        "model_provider": "qwen",
        "model_name": "qwq-plus",
        "system_fingerprint": None,
        "id": "chatcmpl-1",
    }
    generation = result.generations[0]
    assert generation.generation_info == {"finish_reason": "stop", "logprobs": None}
    assert generation.message.additional_kwargs == {
        "reasoning_content": "r",
        "refusal": None,
    }
    assert generation.message.content == "391"
    # The input is left as it was.
    assert streamed.generations[0].generation_info["model_name"] == "qwq-plus"  # type: ignore[index]
    assert "refusal" not in streamed.generations[0].message.additional_kwargs


def test_stream_without_finish_chunk_falls_back() -> None:
    result = as_invoke_result(_result(None), model_name="qvq-max", provider="qwen")
    assert result.llm_output == {
        "token_usage": None,
        "model_provider": "qwen",
        "model_name": "qvq-max",
        "system_fingerprint": None,
    }
    assert result.generations[0].generation_info == {
        "finish_reason": None,
        "logprobs": None,
    }
