"""An agent's answer turn: which tools are answer tools, when the fallback applies."""

from __future__ import annotations

from typing import Any

import pytest
from langchain.agents.structured_output import OutputToolBinding, _SchemaSpec
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.tools import StructuredTool, tool
from pydantic import BaseModel

from langchain_qwen import ChatQwen
from langchain_qwen._chat import tools as tool_rules
from langchain_qwen._chat.answer_turn import answer_or_force
from langchain_qwen._chat.structured import check_bound_response_format
from langchain_qwen.catalogue import catalog


class Weather(BaseModel):
    """The weather."""

    city: str


@tool
def get_weather(city: str) -> str:
    """Get the weather."""
    return city


def _agent_tool() -> StructuredTool:
    # What langchain.agents.create_agent builds for ToolStrategy(Weather).
    made = OutputToolBinding.from_schema_spec(_SchemaSpec(Weather)).tool
    assert isinstance(made, StructuredTool)
    return made


def _info(model: str) -> catalog.ModelInfo:
    info = catalog.lookup(model)
    assert info is not None
    return info


def test_answer_tools_are_the_agents_schema_tools() -> None:
    assert tool_rules.answer_tools([get_weather, _agent_tool(), Weather]) == ["Weather"]
    assert tool_rules.answer_tools([get_weather, Weather, {"type": "function"}]) == []


@pytest.mark.parametrize(
    ("model", "choice", "names", "answers", "expected"),
    [
        ("qwen-max", "any", ["get_weather", "Weather"], ["Weather"], "Weather"),
        ("qwen-max", True, ["get_weather", "Weather"], ["Weather"], "Weather"),
        ("qwen-plus", "required", ["a", "Weather"], ["Weather"], "Weather"),
        ("qwen-max", "auto", ["get_weather", "Weather"], ["Weather"], None),
        ("qwen-max", "any", ["Weather"], ["Weather"], None),  # forced by name
        ("qwen-max", "any", ["a", "b"], [], None),  # a user's own "any"
        ("qwen3.7-plus", "any", ["a", "Weather"], ["Weather"], None),  # "required"
    ],
)
def test_answer_fallback(
    model: str, choice: Any, names: list[str], answers: list[str], expected: Any
) -> None:
    got = tool_rules.answer_fallback(
        choice, names, answers, model=model, info=_info(model)
    )
    assert got == expected


def test_answer_fallback_passes_unknown_models() -> None:
    assert (
        tool_rules.answer_fallback("any", ["a", "W"], ["W"], model="x", info=None)
        is None
    )


def test_answer_fallback_refuses_what_cannot_be_forced() -> None:
    with pytest.raises(ValueError, match="several schemas"):
        tool_rules.answer_fallback(
            "any", ["a", "W", "F"], ["W", "F"], model="qwen-max", info=_info("qwen-max")
        )
    with pytest.raises(ValueError, match="always thinks"):
        tool_rules.answer_fallback(
            "any", ["W"], ["W"], model="qwq-plus", info=_info("qwq-plus")
        )


def test_bound_response_format_needs_json_schema() -> None:
    schema = {"type": "json_schema", "json_schema": {"name": "W", "schema": {}}}
    with pytest.raises(ValueError, match=r"ToolStrategy\(schema\)"):
        check_bound_response_format(schema, model="qwen-max", info=_info("qwen-max"))
    check_bound_response_format(schema, model="qwen-plus", info=_info("qwen-plus"))
    check_bound_response_format(schema, model="x", info=None)
    check_bound_response_format(None, model="qwen-max", info=_info("qwen-max"))


def _fake(*messages: AIMessage) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter(messages))


def test_answer_or_force_asks_again_only_after_text() -> None:
    call = AIMessage("", tool_calls=[{"name": "W", "args": {}, "id": "1"}])
    forced = AIMessage("", tool_calls=[{"name": "W", "args": {"x": 1}, "id": "2"}])
    assert answer_or_force(_fake(call), _fake()).invoke("q") == call
    assert (
        answer_or_force(_fake(AIMessage("text")), _fake(forced)).invoke("q") == forced
    )


async def test_answer_or_force_async() -> None:
    forced = AIMessage("", tool_calls=[{"name": "W", "args": {}, "id": "2"}])
    turn = answer_or_force(_fake(AIMessage("text")), _fake(forced))
    assert await turn.ainvoke("q") == forced


def test_bind_tools_returns_the_answer_turn_without_touching_the_model() -> None:
    model = ChatQwen(model="qwen-max", api_key="sk-test")
    before = model.model_dump()
    bound = model.bind_tools([get_weather, _agent_tool()], tool_choice="any")
    assert bound.get_name() == "ChatQwenAnswerTurn"
    assert model.model_dump() == before
