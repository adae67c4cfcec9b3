"""The one request pipeline: a chat request shaped and checked the DashScope way.

`ChatQwen._get_request_payload` (and so every call, `bind_tools` runnable and
the batch builder) runs the parent's payload through `shape`: the tool rules,
the multimodal parts, the structured-output rules, the DashScope-only fields
moved into `extra_body`, and the request rules of `payload.shape_request`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_qwen._chat import legacy_parts, media
from langchain_qwen._chat.payload import move_dashscope_fields, shape_request

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from langchain_qwen.catalogue.catalog import ModelInfo


def apply_input_rules(
    payload: dict[str, Any],
    *,
    info: ModelInfo | None,
    dashscope: bool,
    region: str | None,
) -> dict[str, Any]:
    """Check tools, convert multimodal parts, apply the JSON-mode rules.

    Args:
        payload: The parent's request payload; not modified.
        info: The catalogue entry whose checks apply (`None`: none apply).
        dashscope: Whether the request goes the DashScope way.
        region: The canonical region, or `None` off DashScope.

    Returns:
        The payload with its messages and response format prepared.
    """
    # The tool and structured-output rules (modules loaded on first use)
    # have nothing to check in a request without tools or a format.
    if payload.get("tools") or payload.get("tool_choice") is not None:
        from langchain_qwen._chat import tools as tool_rules  # noqa: PLC0415

        tool_rules.check_request(payload, info=info, dashscope=dashscope, region=region)
    if isinstance(messages := payload.get("messages"), list):
        prepared = media.prepare_messages(
            legacy_parts.convert_parts(messages),
            model=str(payload.get("model")),
            info=info,
            dashscope=dashscope,
            region=region,
        )
        payload = {**payload, "messages": prepared}
    if payload.get("response_format") is None:
        return payload
    from langchain_qwen._chat import structured  # noqa: PLC0415

    return structured.prepare_request(
        payload, info=info, dashscope=dashscope, region=region
    )


def shape(
    payload: dict[str, Any],
    messages: Sequence[BaseMessage],
    *,
    info: ModelInfo | None,
    dashscope: bool,
    region: str | None,
    call: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the whole pipeline on the parent's payload.

    Args:
        payload: The payload `BaseChatOpenAI._get_request_payload` built.
        messages: The call's messages (standard media blocks already converted).
        info: The catalogue entry whose checks apply (`None`: none apply).
        dashscope: Whether the request goes the DashScope way.
        region: The canonical region, or `None` off DashScope.
        call: The call's own keyword arguments.

    Returns:
        The request DashScope receives.

    Raises:
        ValueError: Where DashScope would reject the request.
    """
    payload = apply_input_rules(payload, info=info, dashscope=dashscope, region=region)
    payload = move_dashscope_fields(payload)
    return shape_request(payload, messages, info, dashscope=dashscope, call=call)
