"""Capabilities are true, false (a documented no) or unknown; only no is refused."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from pydantic import BaseModel

from langchain_qwen import ChatQwen
from langchain_qwen.catalogue import catalog

KEY = "sk-test"
HI = [HumanMessage("Hi")]
IMAGE = HumanMessage(
    [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
)


class Weather(BaseModel):
    """Get the weather."""

    city: str


class Other(BaseModel):
    """Another tool."""

    x: int


@pytest.mark.parametrize("model", ["kimi-k3", "deepseek-v4"])
def test_unknown_tool_support_passes_bind_tools(model: str) -> None:
    info = catalog.lookup(model)
    assert info is not None
    assert info.tools is None  # not documented either way
    chat = ChatQwen(api_key=KEY, model=model)
    bound = chat.bind_tools([Weather])
    payload = chat._get_request_payload(HI, **bound.kwargs)  # type: ignore[attr-defined]
    assert payload["tools"][0]["function"]["name"] == "Weather"
    # Unknown is not claimed either: the profile leaves the key out.
    assert "tool_calling" not in chat.profile


def test_unknown_required_is_sent_as_given() -> None:
    # tool_choice 'required' is unknown for qwen4-max: "any" with several tools
    # goes as DashScope's "required" instead of being refused.
    chat = ChatQwen(api_key=KEY, model="qwen4-max", enable_thinking=False)
    bound = chat.bind_tools([Weather, Other], tool_choice="any")
    assert bound.kwargs["tool_choice"] == "required"  # type: ignore[attr-defined]
    # One tool: forced by name, which works whether or not it takes "required".
    single = chat.bind_tools([Weather], tool_choice="any")
    forced = single.kwargs["tool_choice"]  # type: ignore[attr-defined]
    assert forced["function"]["name"] == "Weather"


def _refusals() -> list[Any]:
    def tools() -> None:
        ChatQwen(api_key=KEY, model="qwen-mt-plus").bind_tools([Weather])

    def image() -> None:
        ChatQwen(api_key=KEY, model="qwen-plus")._get_request_payload([IMAGE])

    def partial() -> None:
        ChatQwen(api_key=KEY, model="qwen3.8-max")._get_request_payload(
            [
                HumanMessage("Go"),
                AIMessage("def f", additional_kwargs={"partial": True}),
            ],
            enable_thinking=False,
        )

    def n() -> None:
        ChatQwen(api_key=KEY, model="qwen3.8-max", n=2)

    def budget() -> None:
        ChatQwen(api_key=KEY, model="qwen-mt-plus", thinking_budget=100)

    def preserve() -> None:
        ChatQwen(api_key=KEY, model="qwen3.8-max", preserve_thinking=True)

    def json_schema() -> None:
        ChatQwen(api_key=KEY, model="qwen-mt-plus").with_structured_output(
            Weather, method="json_schema"
        )

    def thinking() -> None:
        ChatQwen(api_key=KEY, model="qwen-mt-plus", enable_thinking=True)

    def effort() -> None:
        ChatQwen(api_key=KEY, model="qwen4-max", reasoning_effort="extreme")

    return [
        pytest.param(f, id=f.__name__)
        for f in (
            tools,
            image,
            partial,
            n,
            budget,
            preserve,
            json_schema,
            thinking,
            effort,
        )
    ]


@pytest.mark.parametrize("refuse", _refusals())
def test_every_capability_refusal_names_validate_model_false(refuse: Any) -> None:
    with pytest.raises(ValueError, match="validate_model=False"):
        refuse()


def _document() -> dict[str, Any]:
    text = (
        resources.files("langchain_qwen.data")
        .joinpath("models.json")
        .read_text("utf-8")
    )
    return json.loads(text)


def test_the_data_takes_null_for_a_capability_but_not_for_behaviour() -> None:
    data = _document()
    entry = next(m for m in data["models"] if m["name"] == "qwen-plus")
    unknown = copy.deepcopy(data)
    next(m for m in unknown["models"] if m["name"] == "qwen-plus")["partial"] = None
    assert catalog.parse_catalog(unknown)["qwen-plus"].partial is None
    for field in ("stream_only", "thinking_requires_stream"):
        broken = copy.deepcopy(data)
        next(m for m in broken["models"] if m["name"] == "qwen-plus")[field] = None
        with pytest.raises(ValueError, match=f"'{field}' must be true or false"):
            catalog.parse_catalog(broken)
    assert entry["partial"] is True


def test_every_unverified_capability_is_null() -> None:
    # A 'false' must be a documented no: an entry whose source calls one of
    # its capabilities UNVERIFIED or conservative must not say false there.
    for entry in _document()["models"]:
        source = entry["source"]
        for field in ("tools", "json_schema"):
            flagged = f"{field} and limits UNVERIFIED" in source or (
                f"{field} false" in source and "conservative" in source
            )
            if flagged and "older docs say no" not in source:
                assert entry[field] is None, (entry["name"], field)
