"""Unknown is not no, over real HTTP: a model whose tool support the data does not know.

kimi-k3 and deepseek-v4 are on DashScope's live list, and no page says whether
they call tools: `bind_tools` lets the request through, and the answer's tool
call reaches the user.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer, text_completion


class GetWeather(BaseModel):
    """Get the weather in a city."""

    city: str


@pytest.mark.parametrize("model", ["kimi-k3", "deepseek-v4"])
def test_tools_on_a_model_with_unknown_tool_support(model: str) -> None:
    call = {"name": "GetWeather", "args": {"city": "Hangzhou"}, "id": "call_1"}
    with DashScopeServer() as server:
        server.enqueue(text_completion("", model=model, tool_calls=[call]))
        chat = ChatQwen(base_url=server.base_url, api_key="sk-loop", model=model)
        message = chat.bind_tools([GetWeather]).invoke("Weather in Hangzhou?")
        body = server.requests[-1].body
    assert [t["function"]["name"] for t in body["tools"]] == ["GetWeather"]
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("GetWeather", {"city": "Hangzhou"})
    ]
