"""A LangGraph agent with tools, driven by ChatQwen through two tool rounds.

Needs the `agents` extra (langchain and langgraph): `pip install -e '.[agents]'`.
"""

from __future__ import annotations

import sys

from _mode import chat_kwargs

try:
    from langchain.agents import create_agent
except ImportError:  # pragma: no cover - depends on the install
    sys.exit(
        "examples/agent.py needs langchain and langgraph: "
        "pip install -e '.[agents]' (or 'langchain-qwen[agents]')"
    )
from langchain_core.tools import tool

from langchain_qwen import ChatQwen
from langchain_qwen.testing import text_completion

_WEATHER = {"hangzhou": "22°C, light rain", "beijing": "15°C, clear"}


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return _WEATHER.get(city.lower(), "unknown")


@tool
def convert_celsius(celsius: float) -> str:
    """Convert a temperature from Celsius to Fahrenheit."""
    return f"{celsius * 9 / 5 + 32:.1f}°F"


def main() -> None:
    # Offline, the replies a model would give: call a tool, call another, answer.
    offline = [
        text_completion(
            "", tool_calls=[{"name": "get_weather", "arguments": {"city": "Hangzhou"}}]
        ),
        text_completion(
            "", tool_calls=[{"name": "convert_celsius", "arguments": {"celsius": 22}}]
        ),
        text_completion("It is 22°C (71.6°F) with light rain in Hangzhou."),
    ]
    with chat_kwargs(*offline) as kwargs:
        model = ChatQwen(model="qwen-plus", **kwargs)
        agent = create_agent(model, tools=[get_weather, convert_celsius])
        result = agent.invoke(
            {"messages": [("user", "What's the weather in Hangzhou, in Fahrenheit?")]}
        )
        for message in result["messages"]:
            calls = getattr(message, "tool_calls", None)
            shown = calls if calls else message.content
            print(f"[{message.type}]", shown)


if __name__ == "__main__":
    main()
