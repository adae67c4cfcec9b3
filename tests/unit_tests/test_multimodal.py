"""Multimodal input: DashScope's content parts, and the checks made before sending."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models._utils import _normalize_messages
from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

from langchain_qwen import ChatQwen
from langchain_qwen._chat import media as multimodal

KEY = "sk-test"
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
    "AAAABJRU5ErkJggg=="
)
WAV = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA="
FRAMES = [f"https://example.com/frame{i}.jpg" for i in range(4)]


def _user_parts(model: str, *parts: dict, **kwargs: Any) -> list[Any]:
    """The user content parts DashScope receives, as `invoke` would build them."""
    chat = ChatQwen(model=model, api_key=KEY, **kwargs)
    message = HumanMessage([{"type": "text", "text": "Describe this."}, *parts])
    payload = chat._get_request_payload(_normalize_messages([message]))
    return payload["messages"][0]["content"][1:]


def _payload(model: str, messages: list[BaseMessage], **kwargs: Any) -> dict:
    chat = ChatQwen(model=model, api_key=KEY, **kwargs)
    return chat._get_request_payload(_normalize_messages(messages))


# --- images ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "url"),
    [
        (
            {"type": "image", "url": "https://example.com/a.png"},
            "https://example.com/a.png",
        ),
        (
            {"type": "image", "base64": PNG, "mime_type": "image/png"},
            f"data:image/png;base64,{PNG}",
        ),
        (
            {"type": "image", "source_type": "url", "url": "https://example.com/a.png"},
            "https://example.com/a.png",
        ),
        (
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            "https://example.com/a.png",
        ),
        (
            {"type": "image_url", "image_url": "https://example.com/a.png"},
            "https://example.com/a.png",
        ),
    ],
)
def test_images_become_image_url_parts(block: dict, url: str) -> None:
    assert _user_parts("qwen3-vl-plus", block) == [
        {"type": "image_url", "image_url": {"url": url}}
    ]


def test_image_part_options_are_kept() -> None:
    part = {
        "type": "image_url",
        "image_url": {"url": "https://example.com/a.png"},
        "max_pixels": 1280 * 28 * 28,
    }
    assert _user_parts("qwen3-vl-plus", part) == [part]


def test_image_for_a_text_only_model_names_models_that_accept_images() -> None:
    block = {"type": "image", "url": "https://example.com/a.png"}
    with pytest.raises(ValueError, match="'qwen-plus' does not accept image") as e:
        _user_parts("qwen-plus", block)
    message = str(e.value)
    assert "Models that do in singapore: qwen3.5-plus, qwen3.6-plus" in message


def test_image_check_uses_the_per_call_model() -> None:
    chat = ChatQwen(model="qwen3-vl-plus", api_key=KEY)
    message = HumanMessage([{"type": "image", "url": "https://example.com/a.png"}])
    with pytest.raises(ValueError, match="'qwen-max' does not accept image"):
        chat._get_request_payload(_normalize_messages([message]), model="qwen-max")


def test_data_url_over_10_mb_is_an_error() -> None:
    big = "A" * (multimodal.MAX_DATA_URL_BYTES + 1)
    block = {"type": "image", "base64": big, "mime_type": "image/png"}
    with pytest.raises(ValueError, match="at most 10 MB per data URL"):
        _user_parts("qwen3-vl-plus", block)


def test_data_url_just_under_the_limit_passes() -> None:
    prefix = "data:image/png;base64,"
    data = "A" * (multimodal.MAX_DATA_URL_BYTES - len(prefix))
    block = {"type": "image", "base64": data, "mime_type": "image/png"}
    assert len(_user_parts("qwen3-vl-plus", block)[0]["image_url"]["url"]) == (
        multimodal.MAX_DATA_URL_BYTES
    )


def test_local_file_url_is_an_error() -> None:
    block = {"type": "image_url", "image_url": {"url": "file:///tmp/cat.png"}}
    with pytest.raises(ValueError, match="cannot read local files"):
        _user_parts("qwen3-vl-plus", block)


def test_image_in_a_tool_message_is_an_error() -> None:
    messages = [
        HumanMessage("Look"),
        ToolMessage(
            [{"type": "image", "url": "https://example.com/a.png"}], tool_call_id="c1"
        ),
    ]
    with pytest.raises(ValueError, match="only text in tool messages"):
        _payload("qwen3-vl-plus", messages)


# --- video -----------------------------------------------------------------------


def test_video_frame_list_passes_through() -> None:
    part = {"type": "video", "video": FRAMES, "fps": 2}
    assert _user_parts("qwen3-vl-plus", part) == [part]


def test_video_url_passes_through() -> None:
    part = {"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}}
    assert _user_parts("qwen3.6-plus", part) == [part]


def test_video_url_shorthand_string_becomes_an_object() -> None:
    part = {"type": "video_url", "video_url": "https://example.com/v.mp4"}
    assert _user_parts("qwen3.6-plus", part) == [
        {"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}}
    ]


@pytest.mark.parametrize(
    ("model", "count", "ok"),
    [
        ("qwen3-vl-plus", 3, False),
        ("qwen3-vl-plus", 4, True),
        ("qwen3-vl-plus", 512, True),
        ("qwen3-vl-plus", 513, False),
        # An older vision model (qwen-vl-max was retired on 2026-10-10).
        ("qvq-plus", 80, True),
        ("qvq-plus", 81, False),
    ],
)
def test_video_frame_counts(model: str, count: int, ok: bool) -> None:
    frames = [f"https://example.com/f{i}.jpg" for i in range(count)]
    part = {"type": "video", "video": frames}
    # QVQ-Plus is offered in Beijing only.
    region = "beijing" if model == "qvq-plus" else None
    if ok:
        assert _user_parts(model, part, region=region) == [part]
    else:
        with pytest.raises(ValueError, match=f"got {count}"):
            _user_parts(model, part, region=region)


def test_video_frame_data_urls_are_size_checked() -> None:
    big = "data:image/jpeg;base64," + "A" * multimodal.MAX_DATA_URL_BYTES
    part = {"type": "video", "video": [*FRAMES, big]}
    with pytest.raises(ValueError, match="video frame data URL"):
        _user_parts("qwen3-vl-plus", part)


def test_video_for_a_model_without_video_is_an_error() -> None:
    part = {"type": "video", "video": FRAMES}
    with pytest.raises(ValueError, match="'qwen-vl-ocr' does not accept video"):
        _user_parts("qwen-vl-ocr", part)


# --- audio -----------------------------------------------------------------------


def test_openai_audio_base64_becomes_a_data_url() -> None:
    part = {"type": "input_audio", "input_audio": {"data": WAV, "format": "wav"}}
    assert _user_parts("qwen3-omni-flash", part) == [
        {
            "type": "input_audio",
            "input_audio": {"data": f"data:audio/wav;base64,{WAV}", "format": "wav"},
        }
    ]


def test_standard_audio_block_gets_dashscope_format_name() -> None:
    block = {"type": "audio", "base64": WAV, "mime_type": "audio/mpeg"}
    assert _user_parts("qwen3-omni-flash", block) == [
        {
            "type": "input_audio",
            "input_audio": {"data": f"data:audio/mp3;base64,{WAV}", "format": "mp3"},
        }
    ]


@pytest.mark.parametrize(
    "data", ["https://example.com/a.mp3", f"data:;base64,{WAV}", "oss://bucket/a.mp3"]
)
def test_audio_url_passes_through(data: str) -> None:
    part = {"type": "input_audio", "input_audio": {"data": data, "format": "mp3"}}
    assert _user_parts("qwen3-omni-flash", part) == [part]


def test_audio_without_format_is_an_error() -> None:
    part = {"type": "input_audio", "input_audio": {"data": "https://example.com/a"}}
    with pytest.raises(ValueError, match="add 'format'"):
        _user_parts("qwen3-omni-flash", part)


def test_audio_for_a_model_without_audio_names_omni_models() -> None:
    part = {"type": "input_audio", "input_audio": {"data": WAV, "format": "wav"}}
    with pytest.raises(ValueError, match="does not accept audio") as e:
        _user_parts("qwen3-vl-plus", part)
    assert "omni" in str(e.value)


# --- files and unknown models -----------------------------------------------------


def test_file_parts_are_an_error() -> None:
    block = {
        "type": "file",
        "base64": WAV,
        "mime_type": "application/pdf",
        "filename": "a.pdf",
    }
    with pytest.raises(ValueError, match="does not accept file parts"):
        _user_parts("qwen3-vl-plus", block)


def test_unknown_model_off_dashscope_passes_through() -> None:
    chat = ChatQwen(base_url="http://127.0.0.1:9/v1", model="my-vl", api_key=KEY)
    parts = [
        {"type": "image_url", "image_url": {"url": "file:///tmp/a.png"}},
        {"type": "input_audio", "input_audio": {"data": WAV, "format": "wav"}},
    ]
    payload = chat._get_request_payload([HumanMessage(parts)])
    assert payload["messages"][0]["content"] == parts


def test_unknown_model_on_dashscope_keeps_service_rules() -> None:
    part = {"type": "image_url", "image_url": {"url": "file:///tmp/a.png"}}
    with pytest.raises(ValueError, match="local files"):
        _user_parts("qwen9-vl", part, validate_model=False)


# --- the pure function -----------------------------------------------------------


def test_prepare_messages_does_not_modify_its_input() -> None:
    part = {"type": "input_audio", "input_audio": {"data": WAV, "format": "wav"}}
    messages = [{"role": "user", "content": [part]}]
    out = multimodal.prepare_messages(
        messages, model="qwen3-omni-flash", info=None, dashscope=True
    )
    assert out[0]["content"][0]["input_audio"]["data"].startswith("data:")
    assert messages[0]["content"][0]["input_audio"]["data"] == WAV


def test_prepare_messages_returns_untouched_messages_as_they_are() -> None:
    messages = [{"role": "user", "content": "hi"}, {"role": "user", "content": []}]
    out = multimodal.prepare_messages(
        messages, model="qwen-plus", info=None, dashscope=True
    )
    assert all(a is b for a, b in zip(out, messages, strict=True))


def test_max_video_frames() -> None:
    assert multimodal.max_video_frames("qwen2.5-vl-72b-instruct") == 512
    assert multimodal.max_video_frames("qwen3.7-plus") == 512
    assert multimodal.max_video_frames("qvq-max") == 80


# --- LangChain standard video and URL-audio blocks --------------------------------


def _sent(model: str, block: dict) -> list:
    chat = ChatQwen(model=model, api_key="sk-unit")
    content = [{"type": "text", "text": "Describe it."}, block]
    message = HumanMessage(content)
    payload = chat._get_request_payload([message])
    assert message.content == content  # the caller's message is not modified
    return payload["messages"][0]["content"]


def test_standard_video_url_block_becomes_video_url() -> None:
    sent = _sent("qwen3-vl-plus", {"type": "video", "url": "https://x/clip.mp4"})
    assert sent[1] == {"type": "video_url", "video_url": {"url": "https://x/clip.mp4"}}


def test_standard_base64_video_block_becomes_a_data_url() -> None:
    block = {"type": "video", "base64": "AAAA", "mime_type": "video/webm"}
    sent = _sent("qwen3-vl-plus", block)
    assert sent[1] == {
        "type": "video_url",
        "video_url": {"url": "data:video/webm;base64,AAAA"},
    }


def test_dashscope_frame_list_is_left_alone() -> None:
    frames = [f"https://x/{i}.jpg" for i in range(4)]
    sent = _sent("qwen3-vl-plus", {"type": "video", "video": frames})
    assert sent[1] == {"type": "video", "video": frames}


@pytest.mark.parametrize(
    ("block", "fmt"),
    [
        ({"type": "audio", "url": "https://x/a.mp3"}, "mp3"),
        ({"type": "audio", "url": "https://x/a?id=1", "mime_type": "audio/wav"}, "wav"),
        ({"type": "audio", "url": "https://x/a.bin", "mime_type": "audio/mpeg"}, "mp3"),
    ],
)
def test_standard_audio_url_block_becomes_input_audio(block: dict, fmt: str) -> None:
    sent = _sent("qwen3-omni-flash", block)
    assert sent[1] == {
        "type": "input_audio",
        "input_audio": {"data": block["url"], "format": fmt},
    }


def test_audio_url_without_a_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="mime_type such as 'audio/mp3'"):
        _sent("qwen3-omni-flash", {"type": "audio", "url": "https://x/speech"})


def test_video_block_for_a_text_only_model_is_refused() -> None:
    with pytest.raises(ValueError, match="does not accept video input"):
        _sent("qwen-plus", {"type": "video", "url": "https://x/clip.mp4"})
