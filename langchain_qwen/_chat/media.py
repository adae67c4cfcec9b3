"""Multimodal input for DashScope: content parts in its shapes, checked before sending.

By the time a request reaches these functions, `BaseChatOpenAI` has already
turned LangChain's standard image blocks (URL and base64) into OpenAI
`image_url` parts and standard base64 audio into `input_audio`. DashScope's own
parts (`{"type": "video", "video": [frames]}`, `video_url`, `input_audio`) pass
through it unchanged. What is left for DashScope
(alibabacloud.com/help/en/model-studio/qwen-api-via-openai-chat-completions):

- `input_audio.data` must be a URL or a data URL, and `format` is required;
- `type: "file"` parts (PDFs, documents) are rejected by the compatible API;
- a data URL may hold at most 10 MB; a frame list holds 4 to 512 images
  (Qwen3-VL, Qwen2.5-VL) or 4 to 80 (older vision models);
- `file://` URLs cannot be read through the OpenAI-compatible API;
- tool messages carry text only;
- a model takes only the inputs its catalogue entry lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from langchain_core.messages import BaseMessage

from langchain_qwen._chat.facts import FEW_FRAMES, MANY_FRAMES, MANY_FRAMES_PREFIXES
from langchain_qwen.catalogue import catalog
from langchain_qwen.catalogue.catalog import ModelInfo

MAX_DATA_URL_BYTES = 10 * 1024 * 1024
"""DashScope: "Exceeded limit on max bytes per data-uri item : 10485760"."""

MIN_VIDEO_FRAMES = 4
"""The fewest images a frame-list video may have."""

_KINDS = {
    "image_url": "image",
    "video": "video",
    "video_url": "video",
    "input_audio": "audio",
}
_CAPABILITIES = {
    "image": "image_inputs",
    "video": "video_inputs",
    "audio": "audio_inputs",
}
# MIME subtypes (as langchain-core derives `format` from `mime_type`) whose
# DashScope format name differs.
_AUDIO_FORMATS = {
    "mpeg": "mp3",
    "mpeg3": "mp3",
    "x-mp3": "mp3",
    "x-wav": "wav",
    "wave": "wav",
    "vnd.wave": "wav",
}
_URL_PREFIXES = ("http://", "https://", "data:", "oss://", "file://")


def max_video_frames(model: str) -> int:
    """The most images a frame-list video may have for a model.

    Args:
        model: The model name.

    Returns:
        512 for Qwen3-VL, Qwen2.5-VL and Qwen3.5 or newer; 80 otherwise.
    """
    # `data/request_rules.json`: the documented families, and Qwen3.5 or newer.
    return MANY_FRAMES if model.startswith(MANY_FRAMES_PREFIXES) else FEW_FRAMES


def prepare_messages(
    messages: list[dict[str, Any]],
    *,
    model: str,
    info: ModelInfo | None,
    dashscope: bool,
    region: str | None = None,
) -> list[dict[str, Any]]:
    """Convert and check the multimodal parts of a request's messages.

    Args:
        messages: The request's messages (OpenAI dicts); not modified.
        model: The model name, for messages and frame limits.
        info: The model's catalogue entry; `None` skips the capability checks.
        dashscope: Whether the target is DashScope; without it (and without
            `info`) parts pass through unchanged.
        region: The canonical region, to suggest models offered there.

    Returns:
        The messages, with converted parts where needed.

    Raises:
        ValueError: For an input the model does not accept, a file part, a part
            in a tool message, audio without a format, a `file://` URL, a data
            URL over 10 MB or a frame count out of range.
    """
    if info is None and not dashscope:
        return messages
    out = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            parts = [
                _prepare_part(
                    part,
                    role=message.get("role"),
                    model=model,
                    info=info,
                    dashscope=dashscope,
                    region=region,
                )
                for part in content
            ]
            if any(new is not old for new, old in zip(parts, content, strict=True)):
                out.append({**message, "content": parts})
                continue
        out.append(message)
    return out


def _prepare_part(
    part: Any,
    *,
    role: Any,
    model: str,
    info: ModelInfo | None,
    dashscope: bool,
    region: str | None,
) -> Any:
    if not isinstance(part, Mapping):
        return part
    kind_name = part.get("type")
    if kind_name == "file" and dashscope:
        msg = (
            "DashScope's OpenAI-compatible API does not accept file parts (PDFs "
            "and other documents). Send the document's text, or images of its "
            "pages to a vision model."
        )
        raise ValueError(msg)
    kind = _KINDS.get(str(kind_name))
    if kind is None:
        return part
    if role == "tool" and dashscope:
        msg = (
            f"DashScope takes only text in tool messages; got {kind} input. Return "
            f"text from the tool and send the {kind} in a following user message."
        )
        raise ValueError(msg)
    if info is not None and not getattr(info, _CAPABILITIES[kind]):
        others = catalog.models_with(_CAPABILITIES[kind], like=info, region=region)
        msg = (
            f"Model {model!r} does not accept {kind} input. Models that do"
            f"{' in ' + region if region else ''}: {', '.join(others)}."
        )
        raise ValueError(msg)
    if not dashscope:
        return part
    if kind_name == "image_url":
        return _prepare_url_part(part, "image_url", kind)
    if kind_name == "video_url":
        return _prepare_url_part(part, "video_url", kind)
    if kind_name == "video":
        frames = part.get("video")
        if isinstance(frames, list):
            limit = max_video_frames(model)
            if info is not None and not MIN_VIDEO_FRAMES <= len(frames) <= limit:
                msg = (
                    f"A video given as a list of frames needs {MIN_VIDEO_FRAMES} to "
                    f"{limit} images for {model!r}; got {len(frames)}. Sample "
                    "fewer or more frames, or send the file as a video_url part."
                )
                raise ValueError(msg)
            for frame in frames:
                _check_url(frame, "video frame")
        else:
            _check_url(frames, kind)
        return part
    return _prepare_audio_part(part)


def _prepare_url_part(part: Mapping[str, Any], key: str, kind: str) -> Any:
    value = part.get(key)
    if isinstance(value, str):
        # A bare string is a common shorthand; DashScope wants {"url": ...}.
        part = {**part, key: {"url": value}}
        value = part[key]
    _check_url(value.get("url") if isinstance(value, Mapping) else None, kind)
    return part


def _prepare_audio_part(part: Mapping[str, Any]) -> Any:
    audio = part.get("input_audio")
    if not isinstance(audio, Mapping):
        msg = "An input_audio part needs an 'input_audio' object with data and format."
        raise ValueError(msg)
    raw_format = audio.get("format")
    if not isinstance(raw_format, str) or not raw_format:
        msg = (
            "DashScope needs the audio format: add 'format' (e.g. 'mp3' or 'wav') "
            "to the input_audio part, or a mime_type such as 'audio/wav' to a "
            "LangChain audio block."
        )
        raise ValueError(msg)
    audio_format = _AUDIO_FORMATS.get(raw_format.lower(), raw_format.lower())
    data = audio.get("data")
    if isinstance(data, str) and data and not data.startswith(_URL_PREFIXES):
        # Raw base64, as OpenAI and langchain-core send it; DashScope reads a
        # URL or a data URL.
        data = f"data:audio/{audio_format};base64,{data}"
    _check_url(data, "audio")
    if audio_format == raw_format and data == audio.get("data"):
        return part
    return {**part, "input_audio": {**audio, "data": data, "format": audio_format}}


def _check_url(url: Any, kind: str) -> None:
    if not isinstance(url, str) or not url:
        msg = f"The {kind} part has no URL or data."
        raise ValueError(msg)
    if url.startswith("file://"):
        msg = (
            f"DashScope cannot read local files ({url[:60]}) through its "
            f"OpenAI-compatible API. Send the {kind} as base64 (a data URL) or "
            "as an http(s) URL."
        )
        raise ValueError(msg)
    if url.startswith("data:") and len(url) > MAX_DATA_URL_BYTES:
        size = len(url) / (1024 * 1024)
        msg = (
            f"The {kind} data URL is {size:.1f} MB; DashScope accepts at most "
            "10 MB per data URL. Compress or resize it, or pass an http(s) URL."
        )
        raise ValueError(msg)


def _audio_format(url: str, mime_type: str) -> str:
    """DashScope's audio format from a MIME type, else from the URL's extension."""
    subtype = mime_type.partition("/")[2]
    if not subtype:
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        subtype = name.rpartition(".")[2] if "." in name else ""
    return _AUDIO_FORMATS.get(subtype.lower(), subtype.lower())


def _standard_media_part(block: Mapping[str, Any]) -> Mapping[str, Any]:
    """DashScope's part for a LangChain standard video or URL-audio block.

    langchain-openai rejects these blocks ("Block of type video is not
    supported", "Key base64 is required for audio blocks"), so they are turned
    into DashScope's own parts before the parent sees them. Anything else,
    DashScope's frame-list `{"type": "video", "video": [...]}` included, is
    returned unchanged.
    """
    kind = block.get("type")
    if kind == "video" and "video" not in block:
        url = block.get("url")
        if not url and block.get("base64"):
            mime = block.get("mime_type") or "video/mp4"
            url = f"data:{mime};base64,{block['base64']}"
        if url:
            return {"type": "video_url", "video_url": {"url": url}}
    if kind == "audio" and block.get("url") and not block.get("base64"):
        url = str(block["url"])
        audio_format = _audio_format(url, str(block.get("mime_type") or ""))
        if not audio_format:
            msg = (
                "DashScope needs the audio format: add a mime_type such as "
                "'audio/mp3' to the audio block."
            )
            raise ValueError(msg)
        return {
            "type": "input_audio",
            "input_audio": {"data": url, "format": audio_format},
        }
    return block


def standard_media_blocks(messages: list[BaseMessage]) -> list[BaseMessage]:
    """Turn LangChain standard video and URL-audio blocks into DashScope parts.

    Args:
        messages: The messages of a request; not modified.

    Returns:
        The same list when nothing needed converting, else a list in which each
        converted message is a copy.
    """
    out: list[BaseMessage] | None = None
    for i, message in enumerate(messages):
        content = message.content
        if not isinstance(content, list):
            continue
        parts = [
            _standard_media_part(p) if isinstance(p, Mapping) else p for p in content
        ]
        if all(a is b for a, b in zip(parts, content, strict=True)):
            continue
        if out is None:
            out = list(messages)
        out[i] = message.model_copy(update={"content": parts})
    return messages if out is None else out
