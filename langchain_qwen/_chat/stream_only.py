"""Answers of streaming-only models, reshaped like a non-streamed answer.

Some models answer only when streamed
(alibabacloud.com/help/en/model-studio/deep-thinking). `invoke` on them streams under
the hood; core's `generate_from_stream` merges the chunks, and this module moves what
the chunks carried into the places a non-streamed answer has them, so that callers
cannot tell the two apart: the message's `response_metadata` (after core merges
`llm_output` into it) and the result's `llm_output` and `generation_info` hold the same
keys.
"""

from __future__ import annotations

from langchain_core.outputs import ChatResult

# Keys a non-streamed answer reports per response (in `llm_output`) but the
# stream reports on its finish or usage chunk (in `generation_info`).
_RESPONSE_KEYS = ("token_usage", "model_name", "system_fingerprint", "id")


def as_invoke_result(
    result: ChatResult, *, model_name: str, provider: str
) -> ChatResult:
    """Reshape a result merged from a stream like `_create_chat_result` shapes one.

    Args:
        result: One generation, as `generate_from_stream` returns it.
        model_name: The requested model, used when the stream named none.
        provider: The `model_provider` to report.

    Returns:
        A new result: `generation_info` keeps `finish_reason` and `logprobs`;
        `llm_output` holds `token_usage`, `model_provider`, `model_name`,
        `system_fingerprint` and `id`; the message gains `refusal: None` in
        `additional_kwargs`, as the `openai` SDK's non-streamed message has.
    """
    generations = []
    llm_output: dict = {
        "token_usage": None,
        "model_provider": provider,
        "model_name": model_name,
        "system_fingerprint": None,
    }
    for generation in result.generations:
        info = dict(generation.generation_info or {})
        for key in _RESPONSE_KEYS:
            if key in info:
                llm_output[key] = info.pop(key)
        info.setdefault("finish_reason", None)
        info.setdefault("logprobs", None)
        message = generation.message
        # The SDK's non-streamed message always has `refusal` (None on DashScope).
        kwargs = {"refusal": None, **message.additional_kwargs}
        generations.append(
            generation.model_copy(
                update={
                    "generation_info": info,
                    "message": message.model_copy(update={"additional_kwargs": kwargs}),
                }
            )
        )
    return ChatResult(generations=generations, llm_output=llm_output)


__all__ = ["as_invoke_result"]
