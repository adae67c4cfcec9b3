"""What a model can return beyond text: thinking summaries and speech.

Facts from `data/reply_outputs.json`, keyed by catalogue alias. Each answer is
`True`, `False` (a documented no) or `None` (unknown): callers refuse only
`False`, and only for models the catalogue lists.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

_FILE = "reply_outputs.json"


@dataclass(frozen=True)
class AudioOutput:
    """How a model speaks, as far as the facts say.

    Attributes:
        formats: The `audio.format` values the model takes (`None`: unknown).
        voices: The `audio.voice` values it takes (`None`: unknown).
        with_thinking: Whether it speaks while thinking (`None`: unknown).
    """

    formats: tuple[str, ...] | None
    voices: tuple[str, ...] | None
    with_thinking: bool | None


@functools.cache
def _document() -> Mapping[str, Any]:
    text = resources.files("langchain_qwen.data").joinpath(_FILE).read_text("utf-8")
    data = json.loads(text)
    for feature in ("thinking_summary", "audio_output"):
        entry = data.get(feature)
        if not isinstance(entry, Mapping) or entry.get("others") not in (
            "no",
            "unknown",
        ):
            msg = f"{_FILE}: {feature!r} needs 'others' of 'no' or 'unknown'"
            raise ValueError(msg)
        if not entry.get("source") or not entry.get("date"):
            msg = f"{_FILE}: {feature!r} needs a 'source' and a 'date'"
            raise ValueError(msg)
    return data


def _answer(feature: str, alias: str) -> bool | None:
    entry = _document()[feature]
    if alias in entry["models"]:
        return True
    if alias in entry["unknown"] or entry["others"] != "no":
        return None
    return False


def source(feature: str) -> str:
    """The public source of a feature's facts (for error messages and docs).

    Args:
        feature: `"thinking_summary"` or `"audio_output"`.

    Returns:
        The source text, URL first.
    """
    return str(_document()[feature]["source"])


def thinking_summary(alias: str) -> bool | None:
    """Whether a catalogued model has thinking summary and encryption.

    Args:
        alias: The model's catalogue alias (`ModelInfo.name`).

    Returns:
        `True`, `False` (documented no) or `None` (unknown).
    """
    return _answer("thinking_summary", alias)


def thinking_summary_models() -> tuple[str, ...]:
    """The models documented to have thinking summary and encryption."""
    return tuple(_document()["thinking_summary"]["models"])


def thinking_display_values() -> tuple[str, ...]:
    """The documented `thinking_display` values."""
    return tuple(_document()["thinking_summary"]["values"])


def audio_output(alias: str) -> AudioOutput | bool | None:
    """Whether (and how) a catalogued model speaks.

    Args:
        alias: The model's catalogue alias (`ModelInfo.name`).

    Returns:
        An `AudioOutput` for a model that speaks, `False` for a documented no,
        `None` when unknown.
    """
    answer = _answer("audio_output", alias)
    if answer is not True:
        return answer
    raw = _document()["audio_output"]["models"][alias]

    def names(key: str) -> tuple[str, ...] | None:
        value = raw.get(key)
        return None if value is None else tuple(value)

    return AudioOutput(
        formats=names("formats"),
        voices=names("voices"),
        with_thinking=raw.get("with_thinking"),
    )


def speaking_models() -> tuple[str, ...]:
    """The models documented to speak (`modalities` with `"audio"`)."""
    return tuple(_document()["audio_output"]["models"])


def output_modalities() -> tuple[str, ...]:
    """The documented `modalities` values."""
    return tuple(_document()["audio_output"]["modalities"])


__all__ = [
    "AudioOutput",
    "audio_output",
    "output_modalities",
    "source",
    "speaking_models",
    "thinking_display_values",
    "thinking_summary",
    "thinking_summary_models",
]
