"""Request shaping: pure functions on the request payload dict.

The `openai` SDK rejects keyword arguments it does not know, so every
DashScope-only field has to travel in `extra_body`, where the SDK merges it into
the top level of the JSON body that DashScope reads.
"""

from __future__ import annotations

from typing import Any

DASHSCOPE_BODY_FIELDS: tuple[str, ...] = (
    "enable_thinking",
    "thinking_budget",
    "preserve_thinking",
    "enable_search",
    "search_options",
    "top_k",
    "repetition_penalty",
    "vl_high_resolution_images",
    "translation_options",
    "enable_code_interpreter",
    "tool_stream",
)
"""Request fields DashScope reads at the top level of the body, unknown to OpenAI."""


def move_dashscope_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """Move DashScope-only fields from the payload's top level into `extra_body`.

    A user's own `extra_body` is merged, not replaced; a field given by name (as a
    model field, in `model_kwargs`, via `bind` or per call) wins over the same key
    in `extra_body`, because it is the more specific setting.

    Args:
        payload: The request payload; not modified.

    Returns:
        A new payload whose DashScope-only fields sit in `extra_body`.
    """
    moved = {k: payload[k] for k in DASHSCOPE_BODY_FIELDS if k in payload}
    if not moved:
        return payload
    out = {k: v for k, v in payload.items() if k not in moved}
    out["extra_body"] = {**(payload.get("extra_body") or {}), **moved}
    return out
