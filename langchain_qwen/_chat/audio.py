"""Omni speech output: the request fields, their checks, and the reply's audio.

`modalities=["text", "audio"]` with `audio={"voice": ..., "format": "wav"}`
makes an Omni model speak. DashScope sends speech only in a stream: base64
16-bit PCM in `delta.audio.data` (with `id` and `expires_at`), the spoken text
in `delta.audio.transcript`. Each chunk keeps its piece in
`additional_kwargs["audio"]` (the transcript also as the chunk's text); an
answer read from a whole stream gets one dict shaped as `ChatOpenAI` shapes a
non-streamed audio reply: `id`, `data`, `expires_at`, `transcript`. Facts:
`data/reply_outputs.json`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from langchain_qwen._chat.body import body_value
from langchain_qwen.catalogue import outputs

if TYPE_CHECKING:
    from langchain_core.messages import AIMessageChunk
    from langchain_core.outputs import ChatGenerationChunk, ChatResult

    from langchain_qwen.catalogue.catalog import ModelInfo

AUDIO_FIELDS: tuple[str, ...] = ("modalities", "audio")
"""Request fields of speech output (standard OpenAI fields, sent top level)."""

AUDIO_KEY = "audio"
"""Where the reply's audio sits: the delta's field and `additional_kwargs`."""

# One base64 piece: anything up to its padding. Pieces joined as strings keep
# their padding in the middle, which `b64decode` would silently stop at.
_PIECE = re.compile(r"[^=]+=*")


def wants_audio(payload: Mapping[str, Any]) -> bool:
    """Whether the request asks for speech (`"audio"` in `modalities`).

    Args:
        payload: The request payload.

    Returns:
        `True` when the model is asked to speak: DashScope then answers only
        when streamed ("'audio' output only support with stream=true").
    """
    modalities = body_value(payload, "modalities")
    return isinstance(modalities, list | tuple) and "audio" in modalities


def _check_types(modalities: Any, audio: Any) -> None:
    if modalities is not None and not (
        isinstance(modalities, list | tuple)
        and all(isinstance(m, str) for m in modalities)
    ):
        msg = (
            "modalities must be a list of strings such as ['text', 'audio'], "
            f"got {modalities!r}."
        )
        raise ValueError(msg)
    if audio is None:
        return
    if not isinstance(audio, Mapping) or any(
        audio.get(k) is not None and not isinstance(audio.get(k), str)
        for k in ("voice", "format")
    ):
        msg = (
            "audio must be a dict such as {'voice': 'Tina', 'format': 'wav'} "
            f"(string values), got {audio!r}."
        )
        raise ValueError(msg)


def _speakers() -> str:
    return ", ".join(repr(m) for m in outputs.speaking_models())


def check_audio_request(
    payload: Mapping[str, Any], info: ModelInfo | None, *, thinking: bool | None
) -> None:
    """Check `modalities` and `audio` against the model, before sending.

    Only what the facts document is refused: a catalogued model that does not
    speak, a format or voice outside a list the facts give, speech while
    thinking where that is documented not to work. Unknown is let through.

    Args:
        payload: The request payload.
        info: The catalogue entry whose checks apply (`None`: types only).
        thinking: Whether the model thinks in this call (`None`: unknown).

    Raises:
        ValueError: The request cannot work as asked; the message names the fix.
    """
    modalities = body_value(payload, "modalities")
    audio = body_value(payload, "audio")
    _check_types(modalities, audio)
    if info is None or (audio is None and not wants_audio(payload)):
        return
    model = payload.get("model")
    spec = outputs.audio_output(info.name)
    if spec is False:
        asked = "modalities with 'audio'" if wants_audio(payload) else "audio=..."
        msg = (
            f"Model {model!r} does not speak, so {asked} cannot be honoured: "
            f"speech output is for the Qwen-Omni models that have it ({_speakers()}"
            "; https://www.alibabacloud.com/help/en/model-studio/qwen-omni, "
            "2026-09-18). Drop modalities/audio, or use one of those models; if "
            "the catalogue is out of date for this model, pass "
            "validate_model=False."
        )
        raise ValueError(msg)
    if not isinstance(spec, outputs.AudioOutput):
        return
    for key, allowed in (("format", spec.formats), ("voice", spec.voices)):
        value = audio.get(key) if isinstance(audio, Mapping) else None
        if value is not None and allowed is not None and value not in allowed:
            msg = (
                f"Model {model!r} takes audio {key} "
                f"{', '.join(repr(a) for a in allowed)}, got {value!r} (Model "
                "Studio Chat API reference). Pass one of those; if the catalogue "
                "is out of date for this model, pass validate_model=False."
            )
            raise ValueError(msg)
    if spec.with_thinking is False and thinking and wants_audio(payload):
        msg = (
            f"Model {model!r} does not speak while thinking (Model Studio "
            "deep-thinking guide: no audio output in thinking mode). Pass "
            "enable_thinking=False, or drop 'audio' from modalities."
        )
        raise ValueError(msg)


def drop_reply_audio(dicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leave OpenAI's audio reference out of assistant messages sent back.

    langchain-openai sends an earlier spoken reply back as `audio: {"id": ...}`,
    OpenAI's way of referring to stored audio; DashScope documents no such
    field, and the reply's transcript is already the message's content.

    Args:
        dicts: The message dicts; not modified.

    Returns:
        The dicts, those of assistant messages without `audio`.
    """
    if not any(d.get("role") == "assistant" and AUDIO_KEY in d for d in dicts):
        return dicts
    return [
        {k: v for k, v in d.items() if k != AUDIO_KEY}
        if d.get("role") == "assistant"
        else d
        for d in dicts
    ]


def add_delta_audio(message: AIMessageChunk, delta: Mapping[str, Any]) -> None:
    """Keep a stream delta's audio piece on its chunk.

    Args:
        message: The chunk built from the delta (changed in place).
        delta: The delta as DashScope sent it.
    """
    audio = delta.get(AUDIO_KEY)
    if not isinstance(audio, Mapping):
        return
    # The SDK's typed delta fills the keys a piece lacks with None: left out,
    # so both paths give the same chunks and `+` keeps the earlier values.
    piece = {k: v for k, v in audio.items() if v is not None}
    if not piece:
        return
    message.additional_kwargs[AUDIO_KEY] = piece
    transcript = audio.get("transcript")
    if isinstance(transcript, str) and transcript and not message.content:
        # The spoken text is the answer's text, as `content` would carry it.
        message.content = transcript


def add_reply_audio(message: Any) -> None:
    """Give a non-streamed spoken reply its transcript as text.

    Args:
        message: The `AIMessage` built from the reply (changed in place).
    """
    audio = message.additional_kwargs.get(AUDIO_KEY)
    if isinstance(audio, Mapping) and not message.content:
        transcript = audio.get("transcript")
        if isinstance(transcript, str):
            message.content = transcript


def join_base64(pieces: list[str]) -> str:
    """Join base64 pieces into one base64 string of all their bytes, in order.

    Args:
        pieces: Base64 strings, each possibly padded.

    Returns:
        The base64 of the concatenated bytes.
    """
    if all(not p.endswith("=") for p in pieces[:-1]):
        return "".join(pieces)  # unpadded pieces join as they are
    raw = b"".join(base64.b64decode(part) for p in pieces for part in _PIECE.findall(p))
    return base64.b64encode(raw).decode("ascii")


class AudioCollector:
    """Collect a stream's audio pieces and build the answer's one audio dict.

    `chunk + chunk` joins the pieces as strings, which adds up `expires_at`
    values that differ and leaves any padding inside the joined base64; the
    collector joins the decoded bytes instead, for answers read from a stream.
    """

    def __init__(self) -> None:
        """Start with no pieces."""
        self.pieces: list[Mapping[str, Any]] = []

    def _see(self, chunk: ChatGenerationChunk) -> None:
        audio = chunk.message.additional_kwargs.get(AUDIO_KEY)
        if isinstance(audio, Mapping):
            self.pieces.append(audio)

    def watch(
        self, chunks: Iterator[ChatGenerationChunk]
    ) -> Iterator[ChatGenerationChunk]:
        """Pass the chunks on, noting their audio.

        Args:
            chunks: The stream's chunks.

        Yields:
            The same chunks.
        """
        for chunk in chunks:
            self._see(chunk)
            yield chunk

    async def awatch(
        self, chunks: AsyncIterator[ChatGenerationChunk]
    ) -> AsyncIterator[ChatGenerationChunk]:
        """Async `watch`.

        Args:
            chunks: The stream's chunks.

        Yields:
            The same chunks.
        """
        async for chunk in chunks:
            self._see(chunk)
            yield chunk

    def audio(self) -> dict[str, Any] | None:
        """The answer's audio, as a non-streamed audio reply has it.

        Returns:
            `{"id", "data", "expires_at", "transcript"}`, or `None` when the
            stream carried no audio.
        """
        if not self.pieces:
            return None

        def last(key: str) -> Any:
            values = [p[key] for p in self.pieces if p.get(key) is not None]
            return values[-1] if values else None

        data = [p["data"] for p in self.pieces if isinstance(p.get("data"), str)]
        transcript = [
            p["transcript"] for p in self.pieces if isinstance(p.get("transcript"), str)
        ]
        return {
            "id": last("id"),
            "data": join_base64(data),
            "expires_at": last("expires_at"),
            "transcript": "".join(transcript),
        }

    def finish(self, result: ChatResult) -> ChatResult:
        """Put the joined audio on the result's message.

        Args:
            result: The result merged from the stream (changed in place).

        Returns:
            The same result.
        """
        audio = self.audio()
        if audio is not None and result.generations:
            result.generations[0].message.additional_kwargs[AUDIO_KEY] = audio
        return result


__all__ = [
    "AUDIO_FIELDS",
    "AUDIO_KEY",
    "AudioCollector",
    "add_delta_audio",
    "add_reply_audio",
    "check_audio_request",
    "drop_reply_audio",
    "join_base64",
    "wants_audio",
]
