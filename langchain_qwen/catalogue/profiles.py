"""LangChain model profiles: what `ChatQwen(...).profile` says about a model."""

from __future__ import annotations

from typing import Any

from langchain_qwen.catalogue.entries import ModelInfo


def model_profile(info: ModelInfo, region: str | None = None) -> dict[str, Any]:
    """Describe a model as a LangChain `ModelProfile` dict.

    Args:
        info: The model's catalogue entry.
        region: The canonical region the model is used in (retirements are
            regional), or `None`.

    Returns:
        A dict with the keys of `langchain_core`'s `ModelProfile`; unknown
        limits are left out rather than guessed.
    """
    profile: dict[str, Any] = {
        "status": info.status(region),
        "release_date": info.release_date,
        "open_weights": info.kind == "open_source",
        "max_input_tokens": info.context_window,
        "max_output_tokens": info.max_output_tokens,
        "text_inputs": True,
        "image_inputs": info.image_inputs,
        # DashScope takes images as URLs or data URLs alike.
        "image_url_inputs": info.image_inputs,
        "audio_inputs": info.audio_inputs,
        "video_inputs": info.video_inputs,
        # Compat mode rejects OpenAI `type: file` parts.
        "pdf_inputs": False,
        "reasoning_output": info.can_think,
        "text_outputs": True,
        "tool_calling": info.tools,
        "tool_choice": info.tools,
        "structured_output": info.json_schema,
        "tool_call_streaming": info.tools,
        "reasoning_effort_levels": list(info.reasoning_effort_levels) or None,
        "reasoning_effort_default": info.reasoning_effort_default,
    }
    return {key: value for key, value in profile.items() if value is not None}


def unknown_profile() -> dict[str, Any]:
    """The profile of a name the catalogue does not list: nothing is claimed.

    Returns:
        `{"status": "unknown"}`.
    """
    return {"status": "unknown"}


__all__ = ["model_profile", "unknown_profile"]
