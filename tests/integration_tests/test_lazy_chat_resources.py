"""A ChatQwen on the lean path never loads the SDK's chat resources (about 1.3 MB).

Each check runs in a fresh interpreter (this one has loaded everything), against
a loopback `DashScopeServer` started in that interpreter.
"""

from __future__ import annotations

import json

from tests.conftest import run_fresh

_SCRIPT = """
import asyncio, json, sys
from langchain_qwen import ChatQwen
from langchain_qwen.testing import DashScopeServer, scripted_handler

CHAT = "openai.resources.chat.completions.completions"
seen = {}
with DashScopeServer(handler=scripted_handler) as server:
    model = ChatQwen(model="qwen-plus", base_url=server.base_url, api_key="sk-lazy")
    seen["built"] = CHAT in sys.modules
    answer = model.invoke("hi").content
    text = "".join(c.text for c in model.stream("hi"))

    async def calls():
        await model.ainvoke("hi")
        return [c async for c in model.astream("hi")]

    asyncio.run(calls())
    seen["lean calls"] = CHAT in sys.modules
    seen["repr"] = repr(model.client)
    # A response_format goes through the SDK's parsing helpers: loaded now.
    structured = model.with_structured_output(
        {"title": "Joke", "type": "object",
         "properties": {"setup": {"type": "string"}}, "required": ["setup"]},
        method="json_mode",
    ).invoke("tell a joke in json")
    seen["typed call"] = CHAT in sys.modules
    seen["answers"] = [bool(answer), bool(text), isinstance(structured, dict)]
    seen["client"] = type(model.client.create.__self__).__module__
print(json.dumps(seen))
"""


def test_the_chat_resources_load_only_when_the_sdk_path_runs() -> None:
    seen = json.loads(run_fresh(_SCRIPT).strip().splitlines()[-1])
    assert seen["built"] is False
    assert seen["lean calls"] is False
    assert "not yet loaded" in seen["repr"]
    assert seen["typed call"] is True
    assert seen["answers"] == [True, True, True]
    assert seen["client"] == "openai.resources.chat.completions.completions"
