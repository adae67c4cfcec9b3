"""The facts gathered since 2026-12-01, as a user meets them."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_qwen import ChatQwen, UnknownModelWarning
from langchain_qwen.catalogue.catalog import lookup
from langchain_qwen.regions import batch_chat, host_info

KEY = "sk-test"
HI = [HumanMessage("Hi")]
BATCH = "https://batch.dashscope.aliyuncs.com/compatible-mode/v1"
SIX = ["none", "minimal", "low", "medium", "high", "xhigh"]


# --- qwen4-max limits ---------------------------------------------------------


def test_qwen4_max_limits() -> None:
    model = ChatQwen(api_key=KEY, model="qwen4-max")
    assert model.profile is not None
    assert model.profile["max_input_tokens"] == 991_808
    assert model.profile["max_output_tokens"] == 131_072
    info = lookup("qwen4-max")
    assert info is not None
    assert info.max_output_tokens_thinking == 262_144
    assert "991,808" in info.source


def test_qwen4_max_output_cap_depends_on_thinking() -> None:
    model = ChatQwen(api_key=KEY, model="qwen4-max")
    # Thinking (its default): up to 262,144 for reasoning and answer.
    payload = model._get_request_payload(HI, max_completion_tokens=200_000)
    assert payload["max_completion_tokens"] == 200_000
    with pytest.raises(ValueError, match="output limit of 262144"):
        model._get_request_payload(HI, max_completion_tokens=300_000)
    # Without thinking: up to 131,072.
    with pytest.raises(ValueError, match="output limit of 131072") as err:
        model._get_request_payload(
            HI, max_completion_tokens=200_000, enable_thinking=False
        )
    assert "validate_model=False" in str(err.value)


# --- reasoning_effort ---------------------------------------------------------


@pytest.mark.parametrize("name", ["qwen4-max", "qwen3.8-max", "qwen3.8-flash"])
def test_the_six_effort_levels(name: str) -> None:
    model = ChatQwen(api_key=KEY, model=name)
    assert model.profile["reasoning_effort_levels"] == SIX  # type: ignore[index]
    assert model.profile["reasoning_effort_default"] == "xhigh"  # type: ignore[index]
    for level in SIX:
        payload = model._get_request_payload(HI, reasoning_effort=level)
        assert payload["reasoning_effort"] == level
    with pytest.raises(ValueError, match="takes reasoning_effort 'none', 'minimal'"):
        model._get_request_payload(HI, reasoning_effort="max")


def test_effort_none_turns_thinking_off() -> None:
    model = ChatQwen(api_key=KEY, model="qwen4-max")
    # Partial mode works only with thinking off: 'none' is enough.
    prefix = AIMessage("def fib(n):", additional_kwargs={"partial": True})
    payload = model._get_request_payload(
        [HumanMessage("Fibonacci?"), prefix], reasoning_effort="none"
    )
    assert payload["messages"][-1]["partial"] is True
    with pytest.raises(ValueError, match="Partial mode works only with thinking off"):
        model._get_request_payload([HumanMessage("Fibonacci?"), prefix])
    with pytest.raises(ValueError, match="also sets enable_thinking=True"):
        model._get_request_payload(HI, reasoning_effort="none", enable_thinking=True)
    with pytest.raises(ValueError, match="thinking_budget only limits thinking"):
        model._get_request_payload(HI, reasoning_effort="none", thinking_budget=100)
    # And the limit of a call without thinking applies.
    with pytest.raises(ValueError, match="output limit of 131072"):
        model._get_request_payload(
            HI, reasoning_effort="none", max_completion_tokens=200_000
        )


# --- DeepSeek delisted 2026-07-09 ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "region", "successor"),
    [
        ("deepseek-v3.2", "singapore", "qwen3.7-plus"),
        ("deepseek-v3", "beijing", "qwen3.7-plus"),
        ("deepseek-r1", "beijing", "qwen3.7-max"),
    ],
)
def test_delisted_deepseek_names_its_successor(
    name: str, region: str, successor: str
) -> None:
    with pytest.raises(ValueError, match="retired by DashScope on 2026-07-09") as err:
        ChatQwen(api_key=KEY, model=name, region=region)
    assert f"Use {successor!r} instead" in str(err.value)
    assert "deepseek-api" in str(err.value)
    assert (
        ChatQwen(
            api_key=KEY, model=name, region=region, validate_model=False
        ).model_name
        == name
    )


@pytest.mark.parametrize(
    "name",
    [
        "deepseek-v3.1",
        "deepseek-v3.2-exp",
        "deepseek-r1-0528",
        "deepseek-r1-distill-qwen-7b",
        "deepseek-r1-distill-qwen-32b",
    ],
)
def test_delisted_ids_outside_the_catalogue_name_the_successor(name: str) -> None:
    with pytest.raises(ValueError, match="retired on 2026-07-09") as err:
        ChatQwen(api_key=KEY, model=name, region="beijing")
    assert "Use 'qwen3.7-plus' instead" in str(err.value)


def test_newer_deepseek_models_are_untouched() -> None:
    assert ChatQwen(api_key=KEY, model="deepseek-v4").model_name == "deepseek-v4"
    with pytest.warns(UnknownModelWarning):
        ChatQwen(api_key=KEY, model="deepseek-v4-pro")


# --- Batch Chat ---------------------------------------------------------------


def test_batch_chat_host_implies_beijing() -> None:
    info = host_info(BATCH)
    assert info is not None
    assert (info.region, info.kind) == ("beijing", "batch_chat")
    facts = batch_chat()
    assert facts.price_factor == 0.5
    assert "qwen3.8-max" in facts.models
    assert facts.context_cap == 262_144
    assert "openai-compatible-batch-chat" in facts.source


def test_chatqwen_on_batch_chat_waits_an_hour() -> None:
    model = ChatQwen(api_key=KEY, base_url=BATCH, model="qwen3.8-max")
    assert model.region == "beijing"
    assert model.request_timeout == 3600
    mine = ChatQwen(api_key=KEY, base_url=BATCH, model="qwen-plus", timeout=120)
    assert mine.request_timeout == 120


def test_batch_chat_with_another_region_is_a_contradiction() -> None:
    with pytest.raises(ValueError, match="beijing"):
        ChatQwen(api_key=KEY, base_url=BATCH, region="singapore")


def test_the_key_from_the_environment_goes_to_batch_chat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-env")
    model = ChatQwen(base_url=BATCH, model="qwen-plus")
    assert model.openai_api_key is not None
    assert model.openai_api_key.get_secret_value() == "sk-env"
