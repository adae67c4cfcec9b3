"""Request shaping: DashScope fields, the thinking decision, ranges and `stop`.

The functions are pure; the `ChatQwen` tests build the payload the `openai` SDK
receives (no socket), so they assert what DashScope would get. The wire itself
is covered by tests/integration_tests/test_request_body_loopback.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_qwen import ChatQwen
from langchain_qwen._chat.payload import (
    DASHSCOPE_BODY_FIELDS,
    body_value,
    check_ranges,
    check_stop,
    move_dashscope_fields,
    must_stream,
    shape_request,
    thinking_on,
)
from langchain_qwen.catalogue import catalog

KEY = "sk-unit"
HI = [HumanMessage("hi")]


def _info(name: str) -> catalog.ModelInfo:
    info = catalog.lookup(name)
    assert info is not None, name
    return info


def _payload(model: str, **fields: Any) -> dict[str, Any]:
    """A payload as `_get_request_payload` hands it to `shape_request`."""
    return move_dashscope_fields(
        {
            "model": model,
            "stream": False,
            "messages": [{"role": "user", "content": "hi"}],
        }
        | fields
    )


def _shape(model: str, **fields: Any) -> dict[str, Any]:
    return shape_request(_payload(model, **fields), HI, catalog.lookup(model))


# --- DashScope-only fields ---------------------------------------------------------

DASHSCOPE_VALUES: dict[str, Any] = {
    "enable_search": True,
    "search_options": {"forced_search": True, "search_strategy": "max"},
    "top_k": 5,
    "repetition_penalty": 1.05,
    "vl_high_resolution_images": True,
    "translation_options": {"source_lang": "auto", "target_lang": "English"},
    "enable_code_interpreter": True,
}


def test_dashscope_fields_move_to_extra_body_merged_with_users() -> None:
    payload = move_dashscope_fields(
        {"model": "m", "top_k": 5, "extra_body": {"custom": 1, "top_k": 9}}
    )
    assert payload == {"model": "m", "extra_body": {"custom": 1, "top_k": 5}}


@pytest.mark.parametrize("how", ["field", "model_kwargs", "call"])
def test_each_dashscope_field_reaches_extra_body(how: str) -> None:
    """Every field, however given, lands in `extra_body` and nowhere else."""
    for name, value in DASHSCOPE_VALUES.items():
        # Each field is checked alone, with the model it belongs to.
        model_name = {
            "vl_high_resolution_images": "qwen3-vl-plus",
            "translation_options": "qwen-mt-plus",
        }.get(name, "qwen-plus")
        if how == "field":
            model = ChatQwen(api_key=KEY, model=model_name, **{name: value})
            payload = model._get_request_payload(HI)
        elif how == "model_kwargs":
            with pytest.warns(UserWarning, match="should be specified explicitly"):
                model = ChatQwen(
                    api_key=KEY, model=model_name, model_kwargs={name: value}
                )
            payload = model._get_request_payload(HI)
        else:
            model = ChatQwen(api_key=KEY, model=model_name)
            payload = model._get_request_payload(HI, **{name: value})
        assert payload["extra_body"] == {name: value}, name
        assert name not in payload, name


def test_unknown_model_kwargs_stay_where_the_user_put_them() -> None:
    model = ChatQwen(api_key=KEY, model_kwargs={"user": "u-1"})
    payload = model._get_request_payload(HI)
    assert payload["user"] == "u-1"
    assert "extra_body" not in payload


def test_per_call_value_wins_over_field() -> None:
    model = ChatQwen(api_key=KEY, top_k=5, enable_search=True)
    payload = model._get_request_payload(HI, top_k=50)
    assert payload["extra_body"] == {"top_k": 50, "enable_search": True}


def test_body_fields_list_is_complete() -> None:
    assert set(DASHSCOPE_VALUES) | {
        "enable_thinking",
        "thinking_budget",
        "preserve_thinking",
        "tool_stream",
    } == set(DASHSCOPE_BODY_FIELDS)


def test_body_value_reads_top_level_then_extra_body() -> None:
    assert body_value({"n": 2}, "n") == 2
    assert body_value({"extra_body": {"top_k": 3}}, "top_k") == 3
    assert body_value({"extra_body": None}, "top_k") is None
    assert body_value({}, "top_k") is None


# --- nothing is sent unless asked ----------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        "qwen-plus",
        "qwen3.7-plus",
        "qwen3-next-80b-a3b-thinking",
        "qwen3-32b",
        "qwen-max",
    ],
)
def test_default_body_has_no_dashscope_fields(model: str) -> None:
    payload = ChatQwen(api_key=KEY, model=model)._get_request_payload(HI)
    assert payload == {
        "model": model,
        "stream": False,
        "messages": [{"content": "hi", "role": "user"}],
    }


# --- the thinking decision --------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "flag", "expected"),
    [
        ("qwen-plus", None, False),
        ("qwen-plus", True, True),
        ("qwen3.7-plus", None, True),
        ("qwen3.7-plus", False, False),
        ("qwen3-32b", None, True),
        ("qwen3-32b", False, False),
        ("qwq-plus", None, True),
        ("qwen-max", None, False),
        ("Qwen/Qwen3-8B", None, None),
        ("Qwen/Qwen3-8B", True, True),
        ("Qwen/Qwen3-8B", False, False),
    ],
)
def test_thinking_on(model: str, flag: bool | None, expected: bool | None) -> None:
    fields = {} if flag is None else {"enable_thinking": flag}
    assert thinking_on(_payload(model, **fields), catalog.lookup(model)) is expected


@pytest.mark.parametrize(
    ("model", "flag", "expected"),
    [
        # Open-source Qwen3 hybrids: only while thinking.
        ("qwen3-32b", None, True),
        ("qwen3-8b", True, True),
        ("qwen3-32b", False, False),
        # QwQ, QVQ and Omni: always.
        ("qwq-plus", None, True),
        ("qwq-plus-latest", None, True),
        ("qvq-max", None, True),
        ("qwen3-omni-flash", None, True),
        ("qwen3-omni-flash", False, True),
        ("qwen-omni-turbo", None, True),
        # Everything else answers non-streamed calls.
        ("qwen-plus", True, False),
        ("qwen3.7-plus", None, False),
        ("qwen3-235b-a22b-thinking-2507", None, False),
        # Not in the catalogue (self-hosted): never forced.
        ("Qwen/Qwen3-8B", True, False),
    ],
)
def test_must_stream(model: str, flag: bool | None, expected: bool) -> None:
    fields = {} if flag is None else {"enable_thinking": flag}
    assert must_stream(_payload(model, **fields), catalog.lookup(model)) is expected


def test_thinking_on_model_without_thinking_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"'qwen-max' has no thinking mode") as err:
        _shape("qwen-max", enable_thinking=True)
    assert "qwen3.7-plus" in str(err.value)


def test_thinking_off_on_always_thinking_model_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"'qwq-plus' always thinks"):
        _shape("qwq-plus", enable_thinking=False)
    with pytest.raises(ValueError, match="always thinks"):
        _shape("qwen3-235b-a22b-thinking-2507", enable_thinking=False)


def test_thinking_on_for_always_thinking_model_is_sent_as_asked() -> None:
    assert _shape("qwq-plus", enable_thinking=True)["extra_body"] == {
        "enable_thinking": True
    }


def test_thinking_off_for_model_that_never_thinks_is_not_sent() -> None:
    payload = _shape("qwen-max", enable_thinking=False)
    assert "extra_body" not in payload
    other = _shape("qwen-max", enable_thinking=False, extra_body={"x": 1})
    assert other["extra_body"] == {"x": 1}


@pytest.mark.parametrize("flag", [True, False])
def test_hybrid_gets_exactly_what_was_asked(flag: bool) -> None:
    assert _shape("qwen3.7-plus", enable_thinking=flag)["extra_body"] == {
        "enable_thinking": flag
    }


@pytest.mark.parametrize("name", ["enable_thinking", "preserve_thinking"])
def test_thinking_flags_must_be_booleans(name: str) -> None:
    with pytest.raises(ValueError, match=rf"{name} must be True or False, got 'yes'"):
        _shape("qwen3.7-plus", **{name: "yes"})


def test_thinking_budget_needs_a_model_that_takes_it() -> None:
    with pytest.raises(ValueError, match=r"'qwq-plus' does not accept thinking_budget"):
        _shape("qwq-plus", thinking_budget=100)


def test_thinking_budget_needs_thinking_on() -> None:
    with pytest.raises(ValueError, match="also pass enable_thinking=True"):
        _shape("qwen-plus", thinking_budget=100)
    with pytest.raises(ValueError, match="also pass enable_thinking=True"):
        _shape("qwen3.7-plus", enable_thinking=False, thinking_budget=100)
    payload = _shape("qwen-plus", enable_thinking=True, thinking_budget=100)
    assert payload["extra_body"] == {"enable_thinking": True, "thinking_budget": 100}
    # On by default: the budget alone is enough.
    assert _shape("qwen3.7-plus", thinking_budget=100)["extra_body"] == {
        "thinking_budget": 100
    }


def test_preserve_thinking_needs_a_model_that_reads_it() -> None:
    with pytest.raises(ValueError, match=r"'qwen-plus' does not read earlier"):
        _shape("qwen-plus", preserve_thinking=True)
    assert _shape("qwen3.7-plus", preserve_thinking=True)["extra_body"] == {
        "preserve_thinking": True
    }


def test_unknown_model_gets_only_model_independent_checks() -> None:
    payload = _shape(
        "Qwen/Qwen3-8B", enable_thinking=True, thinking_budget=10, n=3, top_k=4
    )
    assert payload["extra_body"] == {
        "enable_thinking": True,
        "thinking_budget": 10,
        "top_k": 4,
    }
    assert payload["n"] == 3
    with pytest.raises(ValueError, match="thinking_budget must be"):
        _shape("Qwen/Qwen3-8B", thinking_budget=0)


# `bind` hands its kwargs to the call; the loopback tests send through bind().
@pytest.mark.parametrize("how", ["field", "model_kwargs", "extra_body"])
def test_thinking_checked_at_construction_however_given(how: str) -> None:
    """The instance's own switch is refused up front, with the call's message."""
    with pytest.raises(ValueError, match="has no thinking mode") as err:  # noqa: PT012
        if how == "field":
            ChatQwen(api_key=KEY, model="qwen-max", enable_thinking=True)
        elif how == "model_kwargs":
            with pytest.warns(UserWarning, match="should be specified explicitly"):
                ChatQwen(
                    api_key=KEY,
                    model="qwen-max",
                    model_kwargs={"enable_thinking": True},
                )
        else:
            ChatQwen(
                api_key=KEY, model="qwen-max", extra_body={"enable_thinking": True}
            )
    model = ChatQwen(api_key=KEY, model="qwen-max")
    with pytest.raises(ValueError, match="has no thinking mode") as per_call:
        model._get_request_payload(HI, enable_thinking=True)
    assert str(per_call.value) in str(err.value)


def test_thinking_checked_per_call() -> None:
    model = ChatQwen(api_key=KEY, model="qwen-max")
    with pytest.raises(ValueError, match="has no thinking mode"):
        model._get_request_payload(HI, enable_thinking=True)


def test_construction_checks_the_instance_model() -> None:
    # The instance's switch is checked against the instance's model; a call
    # naming another model is checked again, with its own values.
    model = ChatQwen(api_key=KEY, model="qwen3.7-plus", enable_thinking=True)
    with pytest.raises(ValueError, match="'qwen-max' has no thinking mode"):
        model._get_request_payload(HI, model="qwen-max")
    off = model._get_request_payload(HI, model="qwen-max", enable_thinking=False)
    assert "enable_thinking" not in off.get("extra_body", {})


def test_per_call_model_decides() -> None:
    model = ChatQwen(api_key=KEY, model="qwen3.7-plus", enable_thinking=False)
    assert model._get_request_payload(HI)["extra_body"] == {"enable_thinking": False}
    thinker = "qwen3-next-80b-a3b-thinking"
    with pytest.raises(ValueError, match=f"'{thinker}' always thinks"):
        model._get_request_payload(HI, model=thinker)


def test_host_plays_no_part() -> None:
    """A proxy or a loopback server gets the same rules as DashScope."""
    for base_url in (
        None,
        "http://127.0.0.1:9/compatible-mode/v1",
        "https://proxy.example.com/v1",
    ):
        model = ChatQwen(
            api_key=KEY, model="qwen3-next-80b-a3b-thinking", base_url=base_url
        )
        with pytest.raises(ValueError, match="always thinks"):
            model._get_request_payload(HI, enable_thinking=False)


def test_model_not_mutated() -> None:
    model = ChatQwen(api_key=KEY, model="qwen3.7-plus", top_k=3)
    before = model.model_dump()
    model._get_request_payload(
        HI, enable_thinking=False, extra_body={"x": 1}, model="qwen-max"
    )
    with pytest.raises(ValueError, match="has no thinking mode"):
        model._get_request_payload(HI, enable_thinking=True, model="qwen-max")
    assert model.model_dump() == before


# --- ranges ---------------------------------------------------------------------

RANGE_CASES = [
    # (field, good values, bad values, range text)
    ("temperature", [0, 0.7, 1.99], [-0.1, 2, 2.5, "1"], "a number in [0, 2)"),
    ("top_p", [0.01, 1], [0, 1.01, -1], "a number in (0, 1]"),
    ("top_k", [0, 1, 100, 1000], [-1, 1.5, True], "an integer >= 0"),
    ("presence_penalty", [-2, 0, 2], [-2.01, 2.01], "a number in [-2, 2]"),
    ("repetition_penalty", [0.5, 1.0, 2], [0, -1], "a number > 0"),
    ("seed", [0, 2**31 - 1], [-1, 2**31, 1.0], "an integer in [0, 2147483647]"),
    ("n", [1, 4], [0, 5, 2.0], "an integer in [1, 4]"),
    ("thinking_budget", [1, 38912], [0, -5, 1.5, False], "an integer >= 1"),
]


@pytest.mark.parametrize(("name", "good", "bad", "text"), RANGE_CASES)
def test_ranges(name: str, good: list[Any], bad: list[Any], text: str) -> None:
    for value in good:
        check_ranges(move_dashscope_fields({name: value}))
    for value in bad:
        with pytest.raises(ValueError) as err:
            check_ranges(move_dashscope_fields({name: value}))
        assert str(err.value) == f"{name} must be {text}, got {value!r}."


def test_ranges_checked_on_fields_and_calls_before_sending() -> None:
    with pytest.raises(ValueError, match=r"temperature must be a number in \[0, 2\)"):
        ChatQwen(api_key=KEY, temperature=2.0)
    ok = ChatQwen(api_key=KEY)
    with pytest.raises(ValueError, match="top_k must be an integer >= 0, got -1"):
        ok._get_request_payload(HI, top_k=-1)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, "):
        ok._get_request_payload(HI, seed=-1)


def test_n_above_one_only_where_supported() -> None:
    assert _shape("qwen-plus", n=4)["n"] == 4
    with pytest.raises(ValueError, match=r"'qwen3-max' returns one choice") as err:
        _shape("qwen3-max", n=2)
    assert "n=2" in str(err.value)
    with pytest.raises(ValueError, match="works only with thinking off"):
        _shape("qwen-plus", n=2, enable_thinking=True)
    with pytest.raises(ValueError, match="n must be 1 when tools are passed"):
        _shape("qwen-plus", n=2, tools=[{"type": "function"}])
    assert _shape("qwen3-max", n=1)["n"] == 1


# --- stop -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "stop", [None, "END", [], ["a", "b"], [104307, 12], [[1, 2], [3]], ("x",)]
)
def test_stop_forms_accepted(stop: Any) -> None:
    check_stop(stop)


@pytest.mark.parametrize(
    "stop", [["Hello", 104307], [[1], 2], [["a"]], [True], 5, {"a": 1}, [1.5]]
)
def test_stop_mixed_or_other_forms_rejected(stop: Any) -> None:
    with pytest.raises(ValueError, match="strings and token ids cannot be mixed"):
        check_stop(stop)


def test_stop_token_ids_as_field_and_per_call() -> None:
    model = ChatQwen(api_key=KEY, stop=[104307])
    assert model._get_request_payload(HI)["stop"] == [104307]
    assert model._get_request_payload(HI, stop=[[1, 2]])["stop"] == [[1, 2]]
    with pytest.raises(ValueError, match="cannot be mixed"):
        ChatQwen(api_key=KEY, stop=["Hello", 104307])
    with pytest.raises(ValueError, match="cannot be mixed"):
        model._get_request_payload(HI, stop=["Hello", 104307])


def test_validate_model_false_turns_catalogue_checks_off() -> None:
    # An escape hatch for a catalogue that is out of date: the same request that
    # the catalogue refuses goes through as asked.
    strict = ChatQwen(api_key=KEY, model="qwen-max")
    with pytest.raises(ValueError, match="has no thinking mode"):
        strict._get_request_payload(HI, enable_thinking=True)
    lenient = ChatQwen(api_key=KEY, model="qwen-max", validate_model=False)
    body = lenient._get_request_payload(HI, enable_thinking=True)
    assert body["extra_body"] == {"enable_thinking": True}
    # Model-independent checks still hold.
    with pytest.raises(ValueError, match="temperature"):
        lenient._get_request_payload(HI, temperature=2.5)


def test_validate_model_false_still_streams_stream_only_models() -> None:
    model = ChatQwen(api_key=KEY, model="qwq-plus", validate_model=False)
    assert model._must_stream(HI, None) is True
