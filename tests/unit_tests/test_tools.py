"""DashScope's tool-calling rules: the bound kwargs and the request body."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableBinding
from pydantic import BaseModel, Field

from langchain_qwen import ChatQwen
from langchain_qwen._chat import tools as rules
from langchain_qwen.catalogue import catalog

KEY = "sk-test"
# An active model that always thinks (qwq-plus was retired on 2026-10-10).
THINKER = "qwen3-next-80b-a3b-thinking"
WEATHER_CHOICE = {"type": "function", "function": {"name": "weather"}}


def weather(city: str) -> str:
    """Get the weather in a city."""
    return f"sunny in {city}"


def clock(tz: str) -> str:
    """Get the time in a time zone."""
    return f"noon in {tz}"


class GetPrice(BaseModel):
    """Look up a price."""

    item: str = Field(description="The item")


def _model(model: str = "qwen-plus", **kwargs: Any) -> ChatQwen:
    return ChatQwen(model=model, api_key=KEY, **kwargs)


def _bound(runnable: Any) -> dict[str, Any]:
    assert isinstance(runnable, RunnableBinding)
    return dict(runnable.kwargs)


def _body(runnable: Any, text: str = "hi") -> dict[str, Any]:
    """The request body the bound runnable would send (no network)."""
    assert isinstance(runnable, RunnableBinding)
    kwargs = {k: v for k, v in runnable.kwargs.items() if not k.startswith("ls_")}
    return runnable.bound._get_request_payload([HumanMessage(text)], **kwargs)


# --- pass-through: what the user asked for is what DashScope gets --------------


@pytest.mark.parametrize("choice", ["auto", "none"])
def test_free_choices_sent_as_given(choice: str) -> None:
    body = _body(_model().bind_tools([weather, clock], tool_choice=choice))
    assert body["tool_choice"] == choice
    assert "enable_thinking" not in body.get("extra_body", {})


def test_nothing_sent_for_unset_options() -> None:
    body = _body(_model().bind_tools([weather]))
    assert "tool_choice" not in body
    assert "parallel_tool_calls" not in body
    assert "strict" not in body["tools"][0]["function"]
    assert "extra_body" not in body


@pytest.mark.parametrize("value", [True, False])
def test_parallel_tool_calls_sent_as_given(value: bool) -> None:
    body = _body(_model().bind_tools([weather, clock], parallel_tool_calls=value))
    assert body["parallel_tool_calls"] is value


@pytest.mark.parametrize("value", [True, False])
def test_strict_sent_as_given(value: bool) -> None:
    body = _body(_model().bind_tools([weather, GetPrice], strict=value))
    assert [t["function"]["strict"] for t in body["tools"]] == [value, value]


def test_tool_name_forces_that_tool() -> None:
    body = _body(_model().bind_tools([weather, clock], tool_choice="weather"))
    assert body["tool_choice"] == WEATHER_CHOICE


def test_tool_choice_dict_sent_as_given() -> None:
    body = _body(_model().bind_tools([weather, clock], tool_choice=WEATHER_CHOICE))
    assert body["tool_choice"] == WEATHER_CHOICE


@pytest.mark.parametrize("choice", ["any", "required", True])
def test_any_is_required_where_the_model_accepts_it(choice: Any) -> None:
    body = _body(
        _model("qwen3.7-plus").bind_tools([weather, clock], tool_choice=choice)
    )
    assert body["tool_choice"] == "required"


# --- "any"/"required" on a model without "required" ----------------------------


@pytest.mark.parametrize("choice", ["any", "required", True])
def test_any_with_one_tool_forces_it_by_name(choice: Any) -> None:
    assert catalog.lookup("qwen-plus").tool_choice_required is False  # type: ignore[union-attr]
    body = _body(_model().bind_tools([weather], tool_choice=choice))
    assert body["tool_choice"] == WEATHER_CHOICE


@pytest.mark.parametrize("choice", ["any", "required", True])
def test_any_with_several_tools_explains_the_options(choice: Any) -> None:
    with pytest.raises(
        ValueError, match="does not accept DashScope's tool_choice"
    ) as e:
        _model().bind_tools([weather, clock], tool_choice=choice)
    message = str(e.value)
    assert "Bind a single tool" in message
    assert "tool_choice='<name>', one of weather, clock" in message
    assert "tool_choice='auto'" in message


def test_unknown_tool_name_is_an_error() -> None:
    with pytest.raises(ValueError, match="name of a bound tool \\(weather, clock\\)"):
        _model().bind_tools([weather, clock], tool_choice="forecast")
    with pytest.raises(ValueError, match="'forecast'"):
        _model().bind_tools(
            [weather],
            tool_choice={"type": "function", "function": {"name": "forecast"}},
        )


# --- forced choice and thinking ------------------------------------------------


@pytest.mark.parametrize("choice", ["any", "weather", WEATHER_CHOICE])
def test_forced_choice_turns_thinking_off_for_the_runnable_only(choice: Any) -> None:
    model = _model("qwen3.7-plus")  # thinks by default
    before = model.model_dump()
    runnable = model.bind_tools([weather], tool_choice=choice)
    assert _bound(runnable)["enable_thinking"] is False
    assert _body(runnable)["extra_body"] == {"enable_thinking": False}
    assert model.model_dump() == before
    assert "extra_body" not in model._get_request_payload([HumanMessage("hi")])


def test_forced_choice_overrides_thinking_turned_on_on_the_instance() -> None:
    model = _model("qwen-plus", enable_thinking=True)
    runnable = model.bind_tools([weather], tool_choice="weather")
    assert _body(runnable)["extra_body"] == {"enable_thinking": False}
    assert model.enable_thinking is True


@pytest.mark.parametrize(
    "source",
    [
        {"model_kwargs": {"enable_thinking": True}},
        {"extra_body": {"enable_thinking": True}},
    ],
)
@pytest.mark.filterwarnings(
    # langchain-core moves a field given in model_kwargs to the field, and says so.
    "ignore:Parameters .* should be specified explicitly:UserWarning"
)
def test_thinking_on_via_model_kwargs_or_extra_body_counts(source: dict) -> None:
    runnable = _model("qwen-plus", **source).bind_tools([weather], tool_choice="any")
    assert _body(runnable)["extra_body"]["enable_thinking"] is False


def test_nothing_added_when_thinking_is_off_by_default() -> None:
    runnable = _model("qwen-plus").bind_tools([weather], tool_choice="weather")
    assert "enable_thinking" not in _bound(runnable)
    assert "extra_body" not in _body(runnable)


def test_nothing_added_for_a_free_choice_on_a_thinking_model() -> None:
    runnable = _model("qwen3.7-plus").bind_tools([weather], tool_choice="auto")
    assert "enable_thinking" not in _bound(runnable)


def test_explicit_thinking_off_is_kept() -> None:
    runnable = _model("qwen3.7-plus").bind_tools(
        [weather], tool_choice="any", enable_thinking=False
    )
    assert _bound(runnable)["enable_thinking"] is False


def test_forced_choice_with_thinking_asked_in_the_same_call_is_an_error() -> None:
    with pytest.raises(ValueError, match="enable_thinking=True cannot be combined"):
        _model("qwen3.7-plus").bind_tools(
            [weather], tool_choice="weather", enable_thinking=True
        )


@pytest.mark.parametrize("choice", ["weather", WEATHER_CHOICE, "any"])
def test_forced_choice_on_an_always_thinking_model_is_an_error(choice: Any) -> None:
    with pytest.raises(ValueError, match=f"'{THINKER}' always thinks"):
        _model(THINKER).bind_tools([weather], tool_choice=choice)


def test_auto_on_an_always_thinking_model_is_fine() -> None:
    body = _body(_model(THINKER).bind_tools([weather], tool_choice="auto"))
    assert body["tool_choice"] == "auto"


def test_response_format_turns_thinking_off_too() -> None:
    runnable = _model("qwen3.7-plus").bind_tools([weather], response_format=GetPrice)
    assert _bound(runnable)["enable_thinking"] is False


# --- what DashScope rejects, raised at bind time -------------------------------


def test_tool_named_search_is_an_error() -> None:
    def search(query: str) -> str:
        """Search the web."""
        return query

    with pytest.raises(ValueError, match=r"tool named 'search'.*enable_search=True"):
        _model().bind_tools([weather, search])


def test_tool_name_with_rejected_characters_is_an_error() -> None:
    tool = {
        "type": "function",
        "function": {"name": "get weather", "description": "d", "parameters": {}},
    }
    with pytest.raises(ValueError, match="letters, digits"):
        _model().bind_tools([tool])


@pytest.mark.parametrize("where", ["instance", "bind"])
def test_n_above_one_with_tools_is_an_error(where: str) -> None:
    if where == "instance":
        with pytest.raises(ValueError, match="n=1 when tools"):
            _model(n=2).bind_tools([weather])
    else:
        with pytest.raises(ValueError, match="n=1 when tools"):
            _model().bind_tools([weather], n=3)


def test_model_without_tool_support_is_an_error() -> None:
    with pytest.raises(ValueError, match="'qwen-mt-plus' does not support tool") as e:
        _model("qwen-mt-plus").bind_tools([weather])
    assert "qwen-plus" in str(e.value)


def test_unknown_model_passes_everything_through() -> None:
    model = ChatQwen(base_url="http://127.0.0.1:9/v1", model="my-qwen", api_key=KEY)
    body = _body(model.bind_tools([weather, clock], tool_choice="any"))
    assert body["tool_choice"] == "required"
    assert "extra_body" not in body


def test_validate_model_false_passes_model_rules_through() -> None:
    model = _model("qwq-plus", validate_model=False)
    body = _body(model.bind_tools([weather, clock], tool_choice="any"))
    assert body["tool_choice"] == "required"
    # DashScope's own rules still hold on its host.
    with pytest.raises(ValueError, match="'search'"):
        model.bind_tools([{"type": "function", "function": {"name": "search"}}])


def test_tool_rules_do_not_mutate_the_model() -> None:
    model = _model("qwen3.7-plus", enable_thinking=True)
    before = model.model_dump()
    model.bind_tools([weather, clock], tool_choice="any", parallel_tool_calls=True)
    with pytest.raises(ValueError):
        model.bind_tools([weather], tool_choice="weather", enable_thinking=True)
    assert model.model_dump() == before


# --- per-call checks in the request payload ------------------------------------


def test_per_call_thinking_on_with_a_bound_forced_choice_is_an_error() -> None:
    runnable = _model("qwen3.7-plus").bind_tools([weather], tool_choice="weather")
    kwargs = {**_bound(runnable), "enable_thinking": True}
    with pytest.raises(ValueError, match=r"forces a tool call.*thinking"):
        runnable.bound._get_request_payload([HumanMessage("hi")], **kwargs)


def test_per_call_forced_choice_on_a_thinking_model_is_an_error() -> None:
    tools = _bound(_model().bind_tools([weather]))["tools"]
    with pytest.raises(ValueError, match="Pass enable_thinking=False"):
        _model("qwen3.7-plus")._get_request_payload(
            [HumanMessage("hi")], tools=tools, tool_choice=WEATHER_CHOICE
        )


def test_per_call_required_on_a_model_without_it_is_an_error() -> None:
    tools = _bound(_model().bind_tools([weather]))["tools"]
    with pytest.raises(ValueError, match="does not accept tool_choice='required'"):
        _model()._get_request_payload(
            [HumanMessage("hi")], tools=tools, tool_choice="required"
        )


def test_per_call_search_tool_and_n_are_errors() -> None:
    search = {"type": "function", "function": {"name": "search", "parameters": {}}}
    with pytest.raises(ValueError, match="'search'"):
        _model()._get_request_payload([HumanMessage("hi")], tools=[search])
    runnable = _model().bind_tools([weather])
    with pytest.raises(ValueError, match="n=1"):
        runnable.bound._get_request_payload(
            [HumanMessage("hi")], **_bound(runnable), n=2
        )


# --- the pure functions --------------------------------------------------------


def test_tool_names_reads_function_tools_only() -> None:
    tools = [
        {"type": "function", "function": {"name": "a"}},
        {"type": "web_search"},
        {"type": "function", "function": {"name": "b"}},
    ]
    assert rules.tool_names(tools) == ["a", "b"]


@pytest.mark.parametrize(
    ("choice", "forced"),
    [
        (None, False),
        (False, False),
        ("auto", False),
        ("none", False),
        ("any", True),
        ("required", True),
        (True, True),
        ("weather", True),
        (WEATHER_CHOICE, True),
    ],
)
def test_is_forced(choice: Any, forced: bool) -> None:
    assert rules.is_forced(choice) is forced


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, None),
        ({"enable_thinking": False}, False),
        ({"extra_body": {"enable_thinking": True}}, True),
        ({"enable_thinking": False, "extra_body": {"enable_thinking": True}}, False),
    ],
)
def test_requested_thinking(params: dict, expected: bool | None) -> None:
    assert rules.requested_thinking(params) is expected


def test_resolve_tool_choice_unknown_model_keeps_any() -> None:
    assert rules.resolve_tool_choice("any", ["a", "b"], model="x", info=None) == "any"
    assert rules.resolve_tool_choice(None, ["a"], model="x", info=None) is None
    assert rules.resolve_tool_choice(False, ["a"], model="x", info=None) is None
