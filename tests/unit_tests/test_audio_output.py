"""Omni speech output: the fields, their checks against the catalogue, the joins."""

from __future__ import annotations

import base64

import pytest
from langchain_core.messages import HumanMessage

from langchain_qwen import ChatQwen, UnknownModelWarning
from langchain_qwen._chat.audio import join_base64
from langchain_qwen.catalogue import outputs

KEY = "sk-test"
HI = [HumanMessage("Hi")]
SPEAK = {"modalities": ["text", "audio"], "audio": {"voice": "Tina", "format": "wav"}}


def test_fields_travel_top_level() -> None:
    model = ChatQwen(api_key=KEY, model="qwen3.5-omni-plus", **SPEAK)
    payload = model._get_request_payload(HI)
    assert payload["modalities"] == ["text", "audio"]
    assert payload["audio"] == {"voice": "Tina", "format": "wav"}
    assert "extra_body" not in payload


def test_speech_needs_a_stream_even_for_a_model_the_catalogue_does_not_list() -> None:
    with pytest.warns(UnknownModelWarning):
        model = ChatQwen(api_key=KEY, model="qwen4-omni-flash")
    assert model._must_stream(HI, None, **SPEAK) is True
    assert model._must_stream(HI, None) is False
    assert model._must_stream(HI, None, modalities=["text"]) is False


def test_the_catalogue_says_who_speaks() -> None:
    spec = outputs.audio_output("qwen3.5-omni-plus")
    assert isinstance(spec, outputs.AudioOutput)
    assert spec.formats == ("wav",)
    assert spec.voices is None  # no page lists them: not checked
    assert outputs.audio_output("qwen-plus") is False
    assert outputs.audio_output("qwen3.8-omni-flash") is None
    assert "qwen-omni" in outputs.source("audio_output")


def test_a_model_that_does_not_speak_is_refused_naming_the_fix() -> None:
    with pytest.raises(ValueError, match="does not speak") as info:
        ChatQwen(api_key=KEY, model="qwen-plus", **SPEAK)
    assert "'qwen3.5-omni-plus'" in str(info.value)
    assert "validate_model=False" in str(info.value)
    model = ChatQwen(api_key=KEY, model="qwen3.7-plus")
    with pytest.raises(ValueError, match="does not speak"):
        model._get_request_payload(HI, modalities=["text", "audio"])


def test_unknown_is_let_through() -> None:
    # qwen3.8-omni-flash: speech output neither documented nor denied.
    model = ChatQwen(api_key=KEY, model="qwen3.8-omni-flash", **SPEAK)
    assert model._get_request_payload(HI)["modalities"] == ["text", "audio"]
    unchecked = ChatQwen(api_key=KEY, model="qwen-plus", validate_model=False, **SPEAK)
    assert unchecked._get_request_payload(HI)["audio"]["voice"] == "Tina"


def test_text_only_modalities_pass_on_any_model() -> None:
    model = ChatQwen(api_key=KEY, model="qwen-plus", modalities=["text"])
    assert model._get_request_payload(HI)["modalities"] == ["text"]


def test_an_undocumented_format_is_refused() -> None:
    with pytest.raises(ValueError, match="takes audio format 'wav', got 'mp3'"):
        ChatQwen(
            api_key=KEY,
            model="qwen3.5-omni-flash",
            modalities=["text", "audio"],
            audio={"voice": "Tina", "format": "mp3"},
        )


def test_any_voice_passes_where_no_list_is_documented() -> None:
    model = ChatQwen(
        api_key=KEY,
        model="qwen3.5-omni-plus",
        modalities=["text", "audio"],
        audio={"voice": "Ethan", "format": "wav"},
    )
    assert model._get_request_payload(HI)["audio"]["voice"] == "Ethan"


def test_qwen3_omni_does_not_speak_while_thinking() -> None:
    model = ChatQwen(api_key=KEY, model="qwen3-omni-flash", **SPEAK)
    assert model._get_request_payload(HI)["modalities"] == ["text", "audio"]
    with pytest.raises(ValueError, match="does not speak while thinking"):
        model._get_request_payload(HI, enable_thinking=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"modalities": "audio"}, "modalities must be a list of strings"),
        ({"modalities": ["text", 1]}, "modalities must be a list of strings"),
        ({"audio": "Tina"}, "audio must be a dict"),
        ({"audio": {"voice": 3}}, "audio must be a dict"),
    ],
)
def test_types_are_checked_for_every_model(fields: dict, message: str) -> None:
    model = ChatQwen(api_key=KEY, model="qwen3.5-omni-plus", validate_model=False)
    with pytest.raises(ValueError, match=message):
        model._get_request_payload(HI, **fields)


def test_join_base64_keeps_every_byte_in_order() -> None:
    data = bytes(range(256)) * 3
    for size in (1, 2, 3, 4, 5, 7, 300):
        pieces = [
            base64.b64encode(data[i : i + size]).decode()
            for i in range(0, len(data), size)
        ]
        assert base64.b64decode(join_base64(pieces)) == data, size
    # A base64 stream cut anywhere (unpadded pieces) joins as a string.
    whole = base64.b64encode(data).decode()
    cut = [whole[i : i + 10] for i in range(0, len(whole), 10)]
    assert join_base64(cut) == whole
    assert join_base64([]) == ""
