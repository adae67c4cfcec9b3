"""An agent that answers with DashScope's built-in web search and code interpreter.

DashScope's Responses API runs `web_search` and `code_interpreter` itself, in the
same request: the agent binds them beside one local tool, and the answer comes
back with each server-side step kept in the message's content blocks.

Runs against DashScope when DASHSCOPE_API_KEY is set; otherwise against the
loopback server (`langchain_qwen.testing`), which answers in the Responses API's
wire format, and says so first. Needs the `agents` extra (langchain and
langgraph): `pip install -e '.[agents]'`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

try:
    from langchain.agents import create_agent
except ImportError:  # pragma: no cover - depends on the install
    sys.exit(
        "examples/responses_agent.py needs langchain and langgraph: "
        "pip install -e '.[agents]' (or 'langchain-qwen[agents]')"
    )
from langchain_core.tools import tool

from langchain_qwen import ChatQwen
from langchain_qwen.testing import (
    DashScopeServer,
    ResponseTurn,
    code_interpreter_call_item,
    function_call_item,
    message_item,
    reasoning_item,
    responses_of,
    web_search_call_item,
)

QUESTION = (
    "When was Qwen4-Max released, how many days before 2026-12-04 was that, "
    "and what is that number squared?"
)


@tool
def days_between(start: str, end: str) -> int:
    """Count the days from one ISO date (YYYY-MM-DD) to another."""
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


def _offline_turns() -> list[ResponseTurn]:
    """The replies a model would give: search, call our tool, compute, answer."""
    return [
        ResponseTurn(
            [
                reasoning_item("Find the release date, then count the days."),
                web_search_call_item(
                    "Qwen4-Max release date",
                    ["https://help.aliyun.com/en/model-studio/qwen4-max"],
                ),
                function_call_item(
                    "days_between", {"start": "2026-11-16", "end": "2026-12-04"}
                ),
            ]
        ),
        ResponseTurn(
            [
                code_interpreter_call_item("print(18 ** 2)", "324\n"),
                message_item(
                    "Qwen4-Max was released on 2026-11-16, 18 days before "
                    "2026-12-04; 18 squared is 324."
                ),
            ]
        ),
    ]


@contextmanager
def model_kwargs() -> Iterator[dict[str, Any]]:
    """`ChatQwen` arguments for live DashScope or the offline loopback server."""
    if os.environ.get("DASHSCOPE_API_KEY"):
        print("Mode: live DashScope (DASHSCOPE_API_KEY is set).")
        yield {}
        return
    with DashScopeServer() as server:
        responses_of(server).queue(*_offline_turns())
        print(
            f"Mode: OFFLINE replay on {server.base_url} "
            "(set DASHSCOPE_API_KEY to use DashScope)."
        )
        yield {"base_url": server.base_url, "api_key": "sk-offline"}


def _show(message: Any) -> None:
    """Print what each message of the run holds, server-side steps included."""
    if message.type != "ai":
        print(f"[{message.type}]", message.content)
        return
    for block in message.content if isinstance(message.content, list) else []:
        kind = block.get("type")
        if kind == "reasoning":
            print("[reasoning]", " ".join(s["text"] for s in block["summary"]))
        elif kind == "web_search_call":
            print("[web_search]", block["action"]["query"])
        elif kind == "code_interpreter_call":
            logs = "".join(o.get("logs", "") for o in block.get("outputs", []))
            print("[code_interpreter]", block["code"], "->", logs.strip())
    for call in message.tool_calls:
        print("[tool call]", call["name"], call["args"])
    if message.text:
        print("[answer]", message.text)
    if message.response_metadata.get("x_tools"):
        print("[billed tools]", message.response_metadata["x_tools"])


def main() -> None:
    with model_kwargs() as kwargs:
        model = ChatQwen(model="qwen3.7-plus", use_responses_api=True, **kwargs)
        agent = create_agent(
            model,
            tools=[{"type": "web_search"}, {"type": "code_interpreter"}, days_between],
        )
        result = agent.invoke({"messages": [("user", QUESTION)]})
        for message in result["messages"]:
            _show(message)


if __name__ == "__main__":
    main()
