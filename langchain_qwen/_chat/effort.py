"""`reasoning_effort`: its levels per model, and what `"none"` means.

Checked against the catalogue's levels (`ModelInfo.reasoning_effort_levels`);
where it lists none, the levels are unknown and the request is sent as given.
DashScope's levels are `none`, `minimal`, `low`, `medium`, `high`, `xhigh` (the
live compatible-mode error text, VicBilibily/GCMP#384, 2026-08-27): `none`
turns thinking off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_qwen._chat.body import body_value
from langchain_qwen.catalogue import catalog

if TYPE_CHECKING:
    from langchain_qwen.catalogue.catalog import ModelInfo

EFFORT_OFF = "none"
"""The `reasoning_effort` that turns thinking off (DashScope: enable_thinking=false)."""

OUT_OF_DATE = (
    " If the catalogue is out of date for this model, pass validate_model=False."
)
"""Every refusal that rests on the catalogue names the escape hatch."""


def _effort_models(info: ModelInfo) -> str:
    names = catalog.models_with("reasoning_effort_levels", like=info)
    return f" (e.g. {', '.join(repr(n) for n in names)})" if names else ""


def check_reasoning_effort(
    payload: Mapping[str, Any], info: ModelInfo | None, *, thinking: bool | None
) -> None:
    """Check `reasoning_effort` against the model's levels, before sending.

    Args:
        payload: The request payload (DashScope fields anywhere in it).
        info: The catalogue entry whose checks apply (`None`: type only).
        thinking: Whether the model thinks in this call (`None`: unknown).

    Raises:
        ValueError: The value cannot work as asked; the message names the fix.
    """
    effort = body_value(payload, "reasoning_effort")
    if effort is None:
        return
    if not isinstance(effort, str):
        msg = f"reasoning_effort must be a string such as 'medium', got {effort!r}."
        raise ValueError(msg)
    if info is None:
        return
    model = payload.get("model")
    if info.thinking == "none":
        msg = (
            f"Model {model!r} has no thinking mode, so reasoning_effort cannot "
            "apply. Drop reasoning_effort, or use a model whose thinking takes "
            f"it{_effort_models(info)}.{OUT_OF_DATE}"
        )
        raise ValueError(msg)
    # Where the catalogue lists no levels they are unknown, and unknown is not
    # no: the level is DashScope's to judge; the documented pairs still apply.
    levels = info.reasoning_effort_levels
    if levels and effort not in levels:
        msg = (
            f"Model {model!r} takes reasoning_effort "
            f"{', '.join(repr(level) for level in levels)}, got {effort!r}."
            f"{OUT_OF_DATE}"
        )
        raise ValueError(msg)
    if effort == EFFORT_OFF:
        if body_value(payload, "enable_thinking") is True:
            msg = (
                f"reasoning_effort={EFFORT_OFF!r} turns thinking off, and this call "
                f"also sets enable_thinking=True on {model!r}: keep one of them."
            )
            raise ValueError(msg)
        return  # (a thinking_budget with it: refused by _check_thinking)
    if body_value(payload, "thinking_budget") is not None:
        msg = (
            f"reasoning_effort and thinking_budget cannot be combined on {model!r} "
            "(DashScope refuses the pair): keep one of them."
        )
        raise ValueError(msg)
    if levels and not thinking:
        msg = (
            f"reasoning_effort only tunes thinking, and model {model!r} is not "
            "thinking in this call: also pass enable_thinking=True, or leave "
            "reasoning_effort unset."
        )
        raise ValueError(msg)


__all__ = ["EFFORT_OFF", "OUT_OF_DATE", "check_reasoning_effort"]
