"""Content parts in shapes OpenAI's format does not have, converted or refused.

ChatTongyi (langchain-community) took DashScope's native shapes, parts with no
`type`: `{"text": ...}`, `{"image": url}`, `{"video": url or [frames]}`,
`{"audio": url}`. Code moved from ChatTongyi keeps sending them; the
compatible-mode API would not read them. The text, image and video shapes have
an exact OpenAI-format equivalent and are converted; the rest is refused before
sending, naming the shape to use. A text part whose text is not a string is
refused too (the server would answer with a bare 400).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_AUDIO_HINT = (
    '{"type": "input_audio", "input_audio": {"data": <URL or data URL>, '
    '"format": "mp3" or "wav"}}'
)


def _a(name: str) -> str:
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def _where(i: int, j: int) -> str:
    return f"messages[{i}].content[{j}]"


def _convert(part: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    if "type" in part:
        if part["type"] == "text" and not isinstance(part.get("text"), str):
            got = _a(type(part.get("text")).__name__)
            msg = (
                f"{where} is a text part whose text is {got}, not a string: "
                "pass the text as a str (e.g. str(value) or json.dumps(value))."
            )
            raise TypeError(msg)
        return part
    keys = set(part)
    if keys == {"text"}:
        if not isinstance(part["text"], str):
            got = _a(type(part["text"]).__name__)
            msg = f"{where} has text that is {got}, not a string: pass a str."
            raise TypeError(msg)
        return {"type": "text", "text": part["text"]}
    if keys == {"image"} and isinstance(part["image"], str):
        return {"type": "image_url", "image_url": {"url": part["image"]}}
    if keys == {"video"} and isinstance(part["video"], str):
        return {"type": "video_url", "video_url": {"url": part["video"]}}
    if keys == {"video"} and isinstance(part["video"], list):
        return {"type": "video", "video": part["video"]}
    if "audio" in keys:
        msg = (
            f"{where} is ChatTongyi's {{'audio': ...}} part, which DashScope's "
            f"OpenAI-compatible API does not read: send {_AUDIO_HINT}."
        )
        raise ValueError(msg)
    msg = (
        f"{where} is a part with no 'type' (keys: {', '.join(sorted(keys))}). "
        'Use OpenAI-format parts: {"type": "text", "text": ...}, '
        '{"type": "image_url", "image_url": {"url": ...}}, '
        '{"type": "video", "video": [frame URLs]}, '
        '{"type": "video_url", "video_url": {"url": ...}} or '
        f"{_AUDIO_HINT}."
    )
    raise ValueError(msg)


def convert_parts(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Convert ChatTongyi-shaped parts; refuse those with no equivalent.

    Args:
        messages: The request's messages (OpenAI dicts); not modified.

    Returns:
        The messages, copied where a part changed.

    Raises:
        ValueError: A part with no `type` and no OpenAI-format equivalent.
        TypeError: A text part whose text is not a string.
    """
    out = messages
    for i, message in enumerate(messages):
        content = message.get("content") if isinstance(message, Mapping) else None
        # A tool's result is data (sent as JSON text), not content parts.
        if not isinstance(content, list) or message.get("role") == "tool":
            continue
        parts = [
            _convert(part, _where(i, j)) if isinstance(part, Mapping) else part
            for j, part in enumerate(content)
        ]
        if any(new is not old for new, old in zip(parts, content, strict=True)):
            if out is messages:
                out = list(messages)
            out[i] = {**message, "content": parts}
    return out
