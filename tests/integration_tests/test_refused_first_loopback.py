"""Requests DashScope would refuse are refused first; errors stay useful (issue 10).

Each test drives `ChatQwen` against the loopback server the way a new user
would, and asserts what the user sees: a `ValueError` naming the fix with
`server.requests == []` where the check runs before sending, or the exact body
that went out, or an error whose every field tells the truth and holds no key.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel

from langchain_qwen import (
    ChatQwen,
    QwenAuthenticationError,
    QwenError,
    QwenServerError,
    ThrottlingError,
)
from langchain_qwen.catalogue import catalog
from langchain_qwen.testing import (
    DashScopeServer,
    error_reply,
    text_completion,
)

KEY = "sk-refused-first-7777"


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        yield srv


def _chat(server: DashScopeServer, **kw: Any) -> ChatQwen:
    kw.setdefault("max_retries", 0)
    return ChatQwen(base_url=server.base_url, api_key=KEY, **kw)


def _body(server: DashScopeServer) -> dict[str, Any]:
    body = server.requests[-1].body
    assert isinstance(body, dict)
    return body


# --- the message list -------------------------------------------------------------


async def test_empty_message_list_is_refused_before_sending(
    server: DashScopeServer,
) -> None:
    chat = _chat(server)
    with pytest.raises(ValueError, match="No messages to send") as err:
        chat.invoke([])
    assert "model.invoke('Hello')" in str(err.value)
    with pytest.raises(ValueError, match="No messages to send"):
        await chat.ainvoke([])
    with pytest.raises(ValueError, match="No messages to send"):
        list(chat.stream([]))
    assert server.requests == []


def test_no_user_message_is_refused_before_sending(server: DashScopeServer) -> None:
    chat = _chat(server)
    with pytest.raises(ValueError, match="needs a user message") as err:
        chat.invoke([SystemMessage("x")])
    assert "['system']" in str(err.value)
    assert "Add a HumanMessage" in str(err.value)
    with pytest.raises(ValueError, match="needs a user message"):
        list(chat.stream([SystemMessage("x"), AIMessage("hello")]))
    assert server.requests == []


def test_lists_with_a_user_turn_still_go_out(server: DashScopeServer) -> None:
    """Partial mode, Qwen-Long file ids and tool loops are not refused."""
    server.enqueue(*[text_completion("ok") for _ in range(3)])
    chat = _chat(server)
    chat.invoke(
        [
            HumanMessage("Complete it."),
            AIMessage("def fib(n):", additional_kwargs={"partial": True}),
        ]
    )
    assert _body(server)["messages"][-1]["partial"] is True
    _chat(server, model="qwen-long").invoke(
        [
            SystemMessage("You are helpful."),
            SystemMessage("fileid://file-fe-123"),
            HumanMessage("Summarise the file."),
        ]
    )
    assert [m["role"] for m in _body(server)["messages"]] == [
        "system",
        "system",
        "user",
    ]
    call = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}
    chat.invoke(
        [
            HumanMessage("Weather in Paris?"),
            AIMessage("", tool_calls=[call]),
            ToolMessage("sunny", tool_call_id="call_1"),
        ]
    )
    assert _body(server)["messages"][-1]["role"] == "tool"
    assert len(server.requests) == 3


def test_a_tool_result_out_of_place_is_refused(server: DashScopeServer) -> None:
    with pytest.raises(
        ValueError, match="does not follow an AIMessage with tool_calls"
    ):
        _chat(server).invoke(
            [HumanMessage("hi"), ToolMessage("sunny", tool_call_id="call_1")]
        )
    assert server.requests == []


# --- ranges and types -------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -5])
def test_max_tokens_below_one_is_refused_at_construction(
    server: DashScopeServer, value: int
) -> None:
    with pytest.raises(
        ValueError, match=rf"max_tokens must be an integer >= 1, got {value}"
    ):
        _chat(server, max_tokens=value)
    assert server.requests == []


def test_per_call_token_limits_are_checked_before_sending(
    server: DashScopeServer,
) -> None:
    chat = _chat(server, model="qwen-plus")
    with pytest.raises(ValueError, match="max_tokens must be an integer >= 1, got 0"):
        chat.invoke("hi", max_tokens=0)
    limit = catalog.lookup("qwen-plus").max_output_tokens  # type: ignore[union-attr]
    assert limit
    with pytest.raises(ValueError, match=f"output limit of {limit} tokens") as err:
        chat.invoke("hi", max_tokens=limit + 1)
    assert f"Pass at most {limit}" in str(err.value)
    with pytest.raises(ValueError, match=r"max_completion_tokens=\d+ is above"):
        chat.bind(max_completion_tokens=limit + 1).invoke("hi")
    assert server.requests == []
    # With thinking on, the limit also counts reasoning, whose cap is unknown.
    server.enqueue(text_completion("ok"))
    chat.invoke("hi", max_tokens=limit + 1, enable_thinking=True)
    assert _body(server)["max_completion_tokens"] == limit + 1


def test_top_logprobs_is_checked_before_sending(server: DashScopeServer) -> None:
    chat = _chat(server)
    with pytest.raises(
        ValueError, match=r"top_logprobs must be an integer in \[0, 5\]"
    ):
        chat.invoke("hi", logprobs=True, top_logprobs=6)
    with pytest.raises(ValueError, match="only with logprobs=True"):
        chat.invoke("hi", top_logprobs=3)
    with pytest.raises(ValueError, match="only with logprobs=True"):
        _chat(server, top_logprobs=2)
    assert server.requests == []
    server.enqueue(text_completion("ok"))
    chat.invoke("hi", logprobs=True, top_logprobs=5)
    assert _body(server)["top_logprobs"] == 5


@pytest.mark.parametrize("model", [123, None, "", ["qwen-plus"]])
def test_model_of_the_wrong_type_gets_a_clear_error(
    server: DashScopeServer, model: Any
) -> None:
    if model is None:  # None means "the region's default": not an error
        assert _chat(server, model=model).model_name
        return
    with pytest.raises(ValueError, match="model must be a model name string"):
        _chat(server, model=model)
    chat = _chat(server)
    with pytest.raises(ValueError, match="model must be a model name string"):
        chat.invoke("hi", model=model)
    assert server.requests == []


# --- thinking switches per call -----------------------------------------------------


def test_a_per_call_switch_off_wins_over_the_instance_budget(
    server: DashScopeServer,
) -> None:
    server.enqueue(text_completion("ok"), text_completion("ok"))
    chat = _chat(server, model="qwen-plus", enable_thinking=True, thinking_budget=300)
    chat.invoke("hi", enable_thinking=False)
    body = _body(server)
    assert body["enable_thinking"] is False
    assert "thinking_budget" not in body
    # The instance's budget still applies to the calls that think.
    chat.invoke("hi")
    assert _body(server)["thinking_budget"] == 300
    assert _body(server)["enable_thinking"] is True


def test_a_budget_with_thinking_off_in_the_same_call_is_refused(
    server: DashScopeServer,
) -> None:
    chat = _chat(server, model="qwen-plus", enable_thinking=True, thinking_budget=300)
    with pytest.raises(ValueError, match="thinking_budget only limits thinking"):
        chat.invoke("hi", enable_thinking=False, thinking_budget=100)
    assert server.requests == []


def test_structured_output_keeps_working_on_an_instance_with_a_budget(
    server: DashScopeServer,
) -> None:
    class Pet(BaseModel):
        name: str

    server.enqueue(text_completion('{"name": "Rex"}'))
    chat = _chat(server, model="qwen3.7-plus", thinking_budget=300)
    assert chat.with_structured_output(Pet).invoke("a dog") == Pet(name="Rex")
    body = _body(server)
    assert body["enable_thinking"] is False
    assert "thinking_budget" not in body


# --- the moved fields on the wire ---------------------------------------------------


def test_max_tokens_goes_out_as_max_completion_tokens(server: DashScopeServer) -> None:
    server.enqueue(*[text_completion("ok") for _ in range(4)])
    chat = _chat(server, max_tokens=100)
    chat.invoke("hi")
    assert _body(server)["max_completion_tokens"] == 100
    assert "max_tokens" not in _body(server)
    chat.invoke("hi", max_tokens=50)  # the call's value wins
    assert _body(server)["max_completion_tokens"] == 50
    chat.bind(max_tokens=60).invoke("hi")
    assert _body(server)["max_completion_tokens"] == 60
    list(chat.stream("hi", max_completion_tokens=70))
    assert _body(server)["max_completion_tokens"] == 70
    assert all("max_tokens" not in r.body for r in server.requests)  # type: ignore[operator]


def test_both_token_limits_at_one_level_are_refused(server: DashScopeServer) -> None:
    with pytest.raises(ValueError, match="Give one of them"):
        _chat(server).invoke("hi", max_tokens=5, max_completion_tokens=7)
    assert server.requests == []


@pytest.fixture
def effort_model(monkeypatch: pytest.MonkeyPatch) -> str:
    """qwen3.7-plus as if the catalogue listed reasoning_effort levels for it."""
    info = catalog.lookup("qwen3.7-plus")
    assert info is not None
    levelled = dataclasses.replace(
        info,
        reasoning_effort_levels=("low", "medium", "xhigh"),
        reasoning_effort_default="xhigh",
    )
    real = catalog.lookup

    def lookup(model: str) -> catalog.ModelInfo | None:
        return levelled if model == "qwen3.7-plus" else real(model)

    monkeypatch.setattr(catalog, "lookup", lookup)
    return "qwen3.7-plus"


def test_reasoning_effort_is_a_top_level_field(
    server: DashScopeServer, effort_model: str
) -> None:
    server.enqueue(text_completion("ok"), text_completion("ok"))
    chat = _chat(server, model=effort_model, reasoning_effort="medium")
    chat.invoke("hi")
    body = _body(server)
    assert body["reasoning_effort"] == "medium"
    assert "reasoning" not in body
    # A call that turns thinking off leaves the instance's level out.
    chat.invoke("hi", enable_thinking=False)
    assert "reasoning_effort" not in _body(server)


def test_reasoning_effort_checks_run_before_sending(
    server: DashScopeServer, effort_model: str
) -> None:
    chat = _chat(server, model=effort_model)
    with pytest.raises(ValueError, match="takes reasoning_effort 'low', 'medium'"):
        chat.invoke("hi", reasoning_effort="high")
    with pytest.raises(ValueError, match="cannot be combined"):
        chat.invoke("hi", reasoning_effort="low", thinking_budget=100)
    with pytest.raises(ValueError, match="reasoning_effort only tunes thinking"):
        chat.invoke("hi", reasoning_effort="low", enable_thinking=False)
    with pytest.raises(ValueError, match="'qwen-max' has no thinking mode"):
        chat.invoke("hi", model="qwen-max", reasoning_effort="low")
    with pytest.raises(ValueError, match="cannot be combined"):
        _chat(server, model=effort_model, reasoning_effort="low", thinking_budget=9)
    assert server.requests == []


def test_reasoning_effort_is_sent_where_the_catalogue_lists_no_levels(
    server: DashScopeServer,
) -> None:
    # No page says qwen-plus refuses reasoning_effort: unknown is not no.
    server.enqueue(text_completion("ok"))
    _chat(server, model="qwen-plus").invoke("hi", reasoning_effort="low")
    assert _body(server)["reasoning_effort"] == "low"
    # The documented pair is still refused there, before sending.
    with pytest.raises(ValueError, match="cannot be combined"):
        _chat(server, model="qwen-plus").invoke(
            "hi", reasoning_effort="low", enable_thinking=True, thinking_budget=50
        )
    assert len(server.requests) == 1


# --- structured output surfaces broken tool arguments -----------------------------


class Pet(BaseModel):
    """A pet."""

    name: str
    age: int


BROKEN = '{"name": "Rex", "age": '


def _broken_call() -> Any:
    return text_completion(
        "", tool_calls=[{"name": "Pet", "arguments": BROKEN, "id": "call_1"}]
    )


@pytest.mark.parametrize("schema", [Pet, Pet.model_json_schema()])
def test_broken_tool_arguments_land_in_parsing_error(
    server: DashScopeServer, schema: Any
) -> None:
    server.enqueue(_broken_call())
    chat = _chat(server, model="qwen-max")
    out = chat.with_structured_output(
        schema, method="function_calling", include_raw=True
    ).invoke("Rex, 3")
    assert out["parsed"] is None
    error = out["parsing_error"]
    assert isinstance(error, OutputParserException)
    assert "'Pet'" in str(error)
    assert BROKEN in str(error)
    assert out["raw"].invalid_tool_calls[0]["args"] == BROKEN


def test_broken_tool_arguments_raise_without_include_raw(
    server: DashScopeServer,
) -> None:
    server.enqueue(_broken_call())
    structured = _chat(server, model="qwen-max").with_structured_output(
        Pet, method="function_calling"
    )
    with pytest.raises(OutputParserException, match="tool 'Pet'"):
        structured.invoke("Rex, 3")


def test_good_tool_arguments_still_parse(server: DashScopeServer) -> None:
    server.enqueue(
        text_completion(
            "", tool_calls=[{"name": "Pet", "args": {"name": "Rex", "age": 3}}]
        )
    )
    out = (
        _chat(server, model="qwen-max")
        .with_structured_output(Pet, method="function_calling", include_raw=True)
        .invoke("Rex, 3")
    )
    assert out["parsed"] == Pet(name="Rex", age=3)
    assert out["parsing_error"] is None


@pytest.mark.parametrize("method", ["json_mode", "json_schema"])
def test_broken_json_text_lands_in_parsing_error(
    server: DashScopeServer, method: str
) -> None:
    server.enqueue(text_completion(BROKEN))
    out = (
        _chat(server, model="qwen-plus")
        .with_structured_output(Pet, method=method, include_raw=True)  # type: ignore[arg-type]
        .invoke("Rex, 3 (JSON)")
    )
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)


# --- error text tells the truth -------------------------------------------------------


def test_a_long_retry_after_says_why_nothing_was_retried(
    server: DashScopeServer,
) -> None:
    server.enqueue(
        error_reply(
            429, "limit_requests", "slow down", headers={"Retry-After": "3600"}
        ),
        text_completion("never reached"),
    )
    with pytest.raises(ThrottlingError) as err:
        _chat(server, max_retries=2).invoke("hi")
    assert len(server.requests) == 1
    hint = err.value.hint or ""
    assert "retried up to" not in hint
    assert "not retried" in hint
    assert "3600 seconds (Retry-After)" in hint
    assert "Raise max_retries" not in hint


@pytest.mark.usefixtures("fast_retries")
def test_the_retries_that_happened_are_counted(server: DashScopeServer) -> None:
    server.enqueue(*[error_reply(500, "InternalError", "oops") for _ in range(3)])
    with pytest.raises(QwenServerError) as err:
        _chat(server, max_retries=2).invoke("hi")
    assert len(server.requests) == 3
    assert "retried 2 times with backoff" in (err.value.hint or "")


def test_max_retries_zero_is_named(server: DashScopeServer) -> None:
    server.enqueue(error_reply(429, "limit_requests", "slow down"))
    with pytest.raises(ThrottlingError) as err:
        _chat(server, max_retries=0).invoke("hi")
    assert "not retried: max_retries=0" in (err.value.hint or "")


def test_an_echoed_key_is_in_no_field_of_the_error(server: DashScopeServer) -> None:
    server.enqueue(
        error_reply(401, "invalid_api_key", f"Incorrect API key provided: {KEY}.")
    )
    with pytest.raises(QwenAuthenticationError) as info:
        _chat(server).invoke("hi")
    err: Any = info.value
    assert err.status_code == 401
    assert err.code == "invalid_api_key"
    fields = [
        str(err),
        repr(err),
        err.message,
        json.dumps(err.body),
        err.response.text,
        repr(err.args),
        repr(getattr(err, "__notes__", [])),
        err.error_message,
        repr(err.__dict__),
    ]
    for text in fields:
        assert KEY not in text
    # Nor in what a traceback logger walks: the chained exceptions.
    assert err.__cause__ is None
    assert err.__context__ is None
    assert "Incorrect API key provided: ***." in err.response.text
    assert err.response.json()["error"]["code"] == "invalid_api_key"


@pytest.mark.parametrize("status", [401, 429, 500])
def test_the_error_keeps_no_copy_of_the_authorization_header(
    server: DashScopeServer, status: int
) -> None:
    server.enqueue(error_reply(status, "some_code", "no"))
    with pytest.raises(QwenError) as info:
        _chat(server).invoke("hi")
    err: Any = info.value
    # Wherever the installed SDK copies the request (some versions keep the
    # authorization header on the error, newer ones drop it), the key is in no field.
    for request in (err.request, err.response.request):
        assert all(KEY not in value for value in request.headers.values())
        assert KEY not in request.content.decode()
        assert KEY not in str(request.url)
    assert all(KEY not in value for value in err.response.headers.values())
    assert KEY not in err.response.text
    assert KEY not in repr(err.__dict__)
    assert KEY not in str(err)
    assert KEY not in repr(err.args)
    # The rest of the request is intact, for debugging.
    assert json.loads(err.request.content)["model"] == "qwen-plus"
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("schema", [Pet, Pet.model_json_schema()])
async def test_broken_tool_arguments_raise_at_the_end_of_a_stream(
    server: DashScopeServer, schema: Any
) -> None:
    server.enqueue(_broken_call(), _broken_call())
    structured = _chat(server, model="qwen-max").with_structured_output(
        schema, method="function_calling"
    )
    with pytest.raises(OutputParserException, match="tool 'Pet'"):
        list(structured.stream("Rex, 3"))
    with pytest.raises(OutputParserException, match="tool 'Pet'"):
        [x async for x in structured.astream("Rex, 3")]


def test_good_tool_arguments_still_stream(server: DashScopeServer) -> None:
    server.enqueue(
        text_completion(
            "",
            tool_calls=[{"name": "Pet", "args": {"name": "Rex", "age": 3}}],
            chunk_size=4,
        )
    )
    structured = _chat(server, model="qwen-max").with_structured_output(
        Pet, method="function_calling"
    )
    assert list(structured.stream("Rex, 3"))[-1] == Pet(name="Rex", age=3)
