"""Encrypted reasoning: `thinking_display`, and the ciphertext it brings back.

With `thinking_display="summarized"` (qwen4-max), DashScope returns a summary
of the reasoning in `reasoning_content` and the full reasoning as ciphertext in
`message.encrypted_content`. The ciphertext is kept on the `AIMessage`
(`additional_kwargs["encrypted_content"]`, and in its reasoning content block)
and goes back unchanged on the assistant message it came with. Continuing from
such history needs `enable_thinking=True`, `preserve_thinking=True` and the
switch itself in the request: a request without them is refused before it is
sent, never completed silently. Facts: `data/reply_outputs.json`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from langchain_core.messages import AIMessage, BaseMessage

from langchain_qwen._chat.body import body_value
from langchain_qwen.catalogue import outputs

if TYPE_CHECKING:
    from langchain_core.messages import content as types

    from langchain_qwen.catalogue.catalog import ModelInfo

ENCRYPTED_KEY = "encrypted_content"
"""Where the ciphertext sits: DashScope's message field and `additional_kwargs`."""

FIELD = "thinking_display"
"""The request field that switches thinking summary and encryption on."""


def check_thinking_display(payload: Mapping[str, Any], info: ModelInfo | None) -> None:
    """Refuse `thinking_display` where it cannot work, before sending.

    Args:
        payload: The request payload (DashScope fields anywhere in it).
        info: The catalogue entry whose checks apply (`None`: let through).

    Raises:
        ValueError: The value is not a string, or the catalogue documents that
            the model has no thinking summary and encryption.
    """
    value = body_value(payload, FIELD)
    if value is None:
        return
    if not isinstance(value, str):
        msg = f"thinking_display must be a string such as 'summarized', got {value!r}."
        raise ValueError(msg)
    if info is None or outputs.thinking_summary(info.name) is not False:
        return
    models = ", ".join(repr(m) for m in outputs.thinking_summary_models())
    msg = (
        f"Model {payload.get('model')!r} has no thinking summary and encryption, "
        f"so thinking_display={value!r} cannot be honoured: only {models} "
        "have it (https://help.aliyun.com/en/model-studio/cot-summary, "
        "2026-11-16). Leave thinking_display unset or use one of those models; "
        "if the catalogue is out of date for this model, pass "
        "validate_model=False."
    )
    raise ValueError(msg)


def encrypted_of(message: BaseMessage) -> str | None:
    """The ciphertext an assistant message carries, from either place it lives.

    Args:
        message: An `AIMessage` from an earlier reply (or built by the user).

    Returns:
        `additional_kwargs["encrypted_content"]`, else the `encrypted_content`
        in the `extras` of a reasoning block in `content`; `None` if neither.
    """
    cipher = message.additional_kwargs.get(ENCRYPTED_KEY)
    if isinstance(cipher, str) and cipher:
        return cipher
    if isinstance(message.content, list):
        for block in message.content:
            if isinstance(block, dict) and block.get("type") == "reasoning":
                extras = block.get("extras")
                found = extras.get(ENCRYPTED_KEY) if isinstance(extras, dict) else None
                if isinstance(found, str) and found:
                    return found
    return None


def check_history(
    payload: Mapping[str, Any], dicts: Sequence[Mapping[str, Any]], *, dashscope: bool
) -> None:
    """Refuse a request that sends ciphertext back without what it needs.

    Args:
        payload: The request payload.
        dicts: The message dicts as they will be sent.
        dashscope: Whether DashScope serves the request.

    Raises:
        ValueError: An assistant message carries `encrypted_content` and the
            request does not set `enable_thinking=True`,
            `preserve_thinking=True` and `thinking_display`; the message names
            each missing one and how to pass it.
    """
    if not dashscope or not any(
        d.get("role") == "assistant" and d.get(ENCRYPTED_KEY) for d in dicts
    ):
        return
    needed = {
        "enable_thinking": body_value(payload, "enable_thinking") is True,
        "preserve_thinking": body_value(payload, "preserve_thinking") is True,
        FIELD: body_value(payload, FIELD) is not None,
    }
    missing = [name for name, ok in needed.items() if not ok]
    if not missing:
        return
    msg = (
        "These messages carry encrypted reasoning (encrypted_content from an "
        "earlier reply with thinking_display='summarized'), and DashScope "
        "continues from it only when the request sets enable_thinking=True, "
        "preserve_thinking=True and thinking_display='summarized' "
        "(https://help.aliyun.com/en/model-studio/cot-summary, 2026-11-16). "
        f"This request lacks {', '.join(missing)}: pass them on the model, via "
        "bind() or in the call, e.g. model.invoke(messages, enable_thinking=True, "
        "preserve_thinking=True, thinking_display='summarized'); or remove "
        "additional_kwargs['encrypted_content'] from the earlier AIMessages to "
        "continue without that reasoning."
    )
    raise ValueError(msg)


def reply_cipher(message: Any) -> str | None:
    """The ciphertext of a reply's message or stream delta, if it has one.

    Args:
        message: The `message` (or `delta`) of a choice: a dict or an SDK object.

    Returns:
        The non-empty `encrypted_content` string, else `None`.
    """
    if isinstance(message, Mapping):
        cipher = message.get(ENCRYPTED_KEY)
    else:
        cipher = getattr(message, ENCRYPTED_KEY, None)
    return cipher if isinstance(cipher, str) and cipher else None


# --------------------------------------------------------------------------
# Content blocks: the ciphertext in the reasoning block
# --------------------------------------------------------------------------


def blocks_with_cipher(message: AIMessage) -> list[types.ContentBlock]:
    """Standard blocks with the ciphertext in the reasoning block's `extras`.

    Args:
        message: An answer (or chunk) of ChatQwen.

    Returns:
        The blocks.

    Raises:
        NotImplementedError: The message has no ciphertext.
    """
    cipher = encrypted_of(message)
    if cipher is None:
        # Nothing of ours: langchain-core's best-effort parsing, as before.
        raise NotImplementedError
    metadata = {
        k: v for k, v in message.response_metadata.items() if k != "model_provider"
    }
    blocks = list(
        message.model_copy(update={"response_metadata": metadata}).content_blocks
    )
    for block in blocks:
        if block.get("type") == "reasoning":
            extras = block.get("extras")
            merged = {
                **(extras if isinstance(extras, dict) else {}),
                ENCRYPTED_KEY: cipher,
            }
            block["extras"] = merged  # type: ignore[typeddict-unknown-key]
            return blocks
    reasoning = cast(
        "types.ContentBlock", {"type": "reasoning", "extras": {ENCRYPTED_KEY: cipher}}
    )
    return [reasoning, *blocks]


__all__ = [
    "ENCRYPTED_KEY",
    "FIELD",
    "blocks_with_cipher",
    "check_history",
    "check_thinking_display",
    "encrypted_of",
    "reply_cipher",
]
