"""The lean transport and the SDK's typed path give the same messages, field by field.

Every scenario runs twice against one loopback server: once on the lean path
(ChatQwen's default) and once with `_typed_path = True` (the parent's SDK
path: typed objects, `model_dump`, `wait_for`). Each output is dumped whole
(the class, `model_dump` and the fields set of every message and chunk:
content, additional_kwargs, response_metadata, usage_metadata, tool_calls,
tool_call_chunks, id, chunk_position, ...) with the values that differ
between any two requests (fresh uuids, run ids, the `date` header) replaced
by placeholders numbered in order of appearance; the two dumps must be equal.
So must the request bodies the server received, and the errors raised (class,
message, code, request id).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import BaseModel, Field

from langchain_qwen import ChatQwen
from langchain_qwen.testing import (
    DashScopeServer,
    Reply,
    completion_body,
    error_reply,
    json_reply,
    load_recording,
    scripted_handler,
    sse_reply,
)
from tests.conftest import RECORDED

JSON_FILES = sorted(p.stem for p in RECORDED.glob("*.json"))
CHUNK_FILES = sorted(
    p.name.removesuffix(".chunks.txt") for p in RECORDED.glob("*.chunks.txt")
)
MODES = ("invoke", "ainvoke", "stream", "astream", "generate", "agenerate")

_VOLATILE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|call_[0-9a-f]{24}"
)


class GetWeather(BaseModel):
    """Get the current weather in a given location."""

    location: str = Field(description="City, e.g. Hangzhou")


class Joke(BaseModel):
    """A joke."""

    setup: str
    punchline: str


def _canon(value: Any) -> Any:
    """Replace per-request values by placeholders numbered by first appearance."""
    seen: dict[str, str] = {}

    def sub(match: re.Match[str]) -> str:
        return seen.setdefault(match.group(0), f"<v{len(seen)}>")

    def walk(obj: Any) -> Any:
        if isinstance(obj, BaseModel):
            # The fields set too: they decide what `exclude_unset` dumps keep.
            return {
                "class": type(obj).__name__,
                "fields": walk(obj.model_dump()),
                "set": sorted(obj.model_fields_set),
            }
        if isinstance(obj, dict):
            if "date" in obj and "content-type" in obj:  # response headers
                return sorted(obj)
            return {k: walk(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [walk(v) for v in obj]
        if isinstance(obj, str):
            return _VOLATILE.sub(sub, obj)
        if isinstance(obj, UUID):
            return sub(re.match(".*", str(obj)))  # type: ignore[arg-type]
        if isinstance(obj, BaseException):
            return {
                "mro": [c.__name__ for c in type(obj).__mro__],
                "str": walk(str(obj)),
                "attrs": {
                    k: walk(getattr(obj, k, None))
                    for k in ("code", "request_id", "status_code", "hint")
                },
            }
        return obj

    return walk(value)


async def _run(runnable: Any, mode: str, prompt: Any) -> Any:
    """Call in one mode; return everything the user gets (or the error)."""
    messages = [[HumanMessage(prompt)] if isinstance(prompt, str) else prompt]
    try:
        if mode == "invoke":
            return runnable.invoke(prompt)
        if mode == "ainvoke":
            return await runnable.ainvoke(prompt)
        if mode == "stream":
            return list(runnable.stream(prompt))
        if mode == "astream":
            return [c async for c in runnable.astream(prompt)]
        if mode == "generate":
            return runnable.generate(messages)
        return await runnable.agenerate(messages)
    except Exception as exc:  # compared like any other output
        return exc


def _by_key(chunks: list[dict[str, Any]]) -> dict[str, list[Any]]:
    keyed: dict[str, list[Any]] = {}
    for chunk in chunks:
        for key, value in chunk.items():
            keyed.setdefault(key, []).append(value)
    return keyed


def _pair(server: DashScopeServer, **kwargs: Any) -> tuple[ChatQwen, ChatQwen]:
    def make() -> ChatQwen:
        return ChatQwen(
            base_url=server.base_url, api_key="sk-eq", max_retries=0, **kwargs
        )

    lean, typed = make(), make()
    typed._typed_path = True
    return lean, typed


# Every call here is recorded (the `lean_calls` fixture of conftest.py).
pytestmark = pytest.mark.usefixtures("lean_calls")


async def _compare(
    server: DashScopeServer,
    lean_calls: list[str],
    build: Callable[[ChatQwen], Any],
    mode: str,
    prompt: Any,
    replies: Callable[[], list[Reply]] | None = None,
    **kwargs: Any,
) -> None:
    lean, typed = _pair(server, **kwargs)
    outputs, bodies, served = [], [], []
    for model in (lean, typed):
        lean_calls.clear()
        if replies is not None:
            server.enqueue(*replies())
        before = len(server.requests)
        output = _canon(await _run(build(model), mode, prompt))
        if isinstance(output, list) and output and isinstance(output[0], dict):
            # include_raw streams its keys from parallel branches, in any
            # order and grouping: compare each key's own sequence.
            output = _by_key(output)
        outputs.append(output)
        bodies.append([r.body for r in server.requests[before:]])
        served.append(bool(lean_calls))
    assert outputs[0] == outputs[1]
    # The lean path served the default model, unless the parent had to.
    parent_only = any("response_format" in (b or {}) for b in bodies[0])
    assert served == [not parent_only, False]
    assert bodies[0] == bodies[1]
    assert bodies[0], "no request was sent"


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    # One per test: each test has its own event loop, and a pooled connection
    # must not outlive the loop it was opened on.
    with DashScopeServer(handler=scripted_handler) as srv:
        yield srv


def _same(model: ChatQwen) -> ChatQwen:
    return model


# --------------------------------------------------------------------------
# Recordings of real DashScope answers
# --------------------------------------------------------------------------


_RECORDED_CASES = [
    *((name, ".json", mode) for name in JSON_FILES for mode in MODES[:2] + MODES[4:]),
    *((name, ".chunks.txt", mode) for name in CHUNK_FILES for mode in MODES[2:4]),
]


@pytest.mark.parametrize(("name", "suffix", "mode"), _RECORDED_CASES)
async def test_recordings(
    server: DashScopeServer, lean_calls: list[str], name: str, suffix: str, mode: str
) -> None:
    path = RECORDED / f"{name}{suffix}"
    await _compare(
        server,
        lean_calls,
        _same,
        mode,
        "hello",
        replies=lambda: [load_recording(path)],
        model="qwen-plus",
        validate_model=False,
    )


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "generate"])
@pytest.mark.parametrize("name", CHUNK_FILES)
async def test_recorded_streams_as_invoke(
    server: DashScopeServer, lean_calls: list[str], name: str, mode: str
) -> None:
    # `streaming=True`: invoke streams under the hood, as for streaming-only models.
    await _compare(
        server,
        lean_calls,
        _same,
        mode,
        "hello",
        replies=lambda: [load_recording(RECORDED / f"{name}.chunks.txt")],
        model="qwen-plus",
        validate_model=False,
        streaming=True,
    )


# --------------------------------------------------------------------------
# The scripted model: text, reasoning, tools, structured output, limits
# --------------------------------------------------------------------------

_TOOL_LOOP = [
    HumanMessage("Weather in Hangzhou?"),
    AIMessage(
        "",
        tool_calls=[
            {"name": "GetWeather", "args": {"location": "Hangzhou"}, "id": "c1"}
        ],
    ),
    ToolMessage("Sunny, 25 C", tool_call_id="c1"),
]

SCENARIOS: dict[str, tuple[Callable[[ChatQwen], Any], Any, dict[str, Any]]] = {
    "text": (_same, "hello there", {}),
    "thinking": (_same, "think about it", {"enable_thinking": True}),
    "forced tool": (
        lambda m: m.bind_tools([GetWeather], tool_choice="GetWeather"),
        "Weather in Hangzhou?",
        {},
    ),
    "tool results": (lambda m: m.bind_tools([GetWeather]), _TOOL_LOOP, {}),
    "stop": (lambda m: m.bind(stop=["there"]), "hello there", {}),
    "length": (_same, "a long answer " * 20, {"max_tokens": 5}),
    "no stream usage": (_same, "hello", {"stream_usage": False}),
    "headers": (_same, "hello", {"include_response_headers": True}),
    "streaming-only model": (_same, "hello", {"model": "qwq-plus"}),
    "structured, function calling, raw": (
        lambda m: m.with_structured_output(
            GetWeather, method="function_calling", include_raw=True
        ),
        "Weather in Hangzhou?",
        {},
    ),
    # response_format: the parent's SDK helpers on both paths.
    "structured, json schema, raw": (
        lambda m: m.with_structured_output(
            Joke, method="json_schema", include_raw=True
        ),
        "a joke",
        {},
    ),
    "json mode": (
        lambda m: m.with_structured_output(method="json_mode"),
        "answer in JSON",
        {},
    ),
}


@pytest.mark.parametrize(
    ("scenario", "mode"),
    [
        (scenario, mode)
        for scenario, (build, _, _) in SCENARIOS.items()
        for mode in MODES
        # generate/agenerate are the chat model's own methods, not a runnable's.
        if build is _same or mode not in ("generate", "agenerate")
    ],
)
async def test_scripted(
    server: DashScopeServer, lean_calls: list[str], scenario: str, mode: str
) -> None:
    build, prompt, kwargs = SCENARIOS[scenario]
    await _compare(server, lean_calls, build, mode, prompt, **kwargs)


# --------------------------------------------------------------------------
# Fields DashScope sends only sometimes: n > 1, logprobs, service tier, ...
# --------------------------------------------------------------------------

_LOGPROBS = {
    "content": [
        {
            "token": "Hi",
            "logprob": -0.1,
            "top_logprobs": [{"token": "Hi", "logprob": -0.1}],
        }
    ]
}


def _rich_body() -> dict[str, Any]:
    body = completion_body("Hi", request_id="rich-1", prompt_tokens=7)
    second = {
        **body["choices"][0],
        "index": 1,
        "message": {"content": "Hey", "role": "assistant"},
    }
    body["choices"][0]["logprobs"] = _LOGPROBS
    body["choices"].append(second)
    body["service_tier"] = "default"
    body["system_fingerprint"] = "fp-1"
    body["usage"]["prompt_tokens_details"] = {
        "cached_tokens": 3,
        "cache_creation_input_tokens": 2,
    }
    body["usage"]["completion_tokens_details"] = {"reasoning_tokens": 0}
    return body


def _rich_chunks() -> list[dict[str, Any]]:
    base = {"object": "chat.completion.chunk", "created": 1, "model": "qwen-plus"}
    base |= {"id": "chatcmpl-rich-2", "system_fingerprint": "fp-2"}
    delta = {"index": 0, "finish_reason": None}
    return [
        {**base, "choices": [{**delta, "delta": {"role": "assistant", "content": ""}}]},
        {
            **base,
            "choices": [{**delta, "delta": {"content": "Hi"}, "logprobs": _LOGPROBS}],
        },
        {**base, "choices": [{"index": 0, "finish_reason": "stop", "delta": {}}]},
        {
            **base,
            "choices": [],
            "usage": {
                "prompt_tokens": 7,
                "completion_tokens": 1,
                "total_tokens": 8,
                "prompt_tokens_details": {"cached_tokens": 3},
            },
        },
    ]


@pytest.mark.parametrize("mode", MODES)
async def test_rich_fields(
    server: DashScopeServer, lean_calls: list[str], mode: str
) -> None:
    streamed = mode in ("stream", "astream")

    def replies() -> list[Reply]:
        return [sse_reply(_rich_chunks()) if streamed else json_reply(_rich_body())]

    await _compare(
        server,
        lean_calls,
        _same,
        mode,
        "hello",
        replies=replies,
        validate_model=False,
        n=1 if streamed else 2,
        logprobs=True,
    )


# --------------------------------------------------------------------------
# Errors: status errors, error events, streams cut short
# --------------------------------------------------------------------------

_QUOTA = error_reply(429, "insufficient_quota", "You exceeded your quota.")
_BAD = error_reply(400, "invalid_parameter_error", "Bad request.")
_CHUNKS = [c for c in _rich_chunks() if c["choices"]]

ERRORS: dict[str, tuple[Callable[[], Reply], tuple[str, ...]]] = {
    "quota": (lambda: _QUOTA, MODES),
    "bad request": (lambda: _BAD, MODES),
    "error event": (
        lambda: sse_reply(
            [_CHUNKS[0], {"error": {"code": "DataInspectionFailed", "message": "x"}}]
        ),
        ("stream", "astream"),
    ),
    "no [DONE]": (lambda: sse_reply(_CHUNKS, done=False), ("stream", "astream")),
    "no finish_reason": (lambda: sse_reply(_CHUNKS[:2]), ("stream", "astream")),
    "cut": (lambda: sse_reply(_CHUNKS, drop_after=1), ("stream", "astream")),
    "not JSON": (lambda: sse_reply(["{not json"]), ("stream", "astream")),
    "not JSON body": (
        lambda: Reply(status=200, headers={"content-type": "text/html"}, body=b"<p>"),
        ("invoke", "ainvoke"),
    ),
}


@pytest.mark.parametrize(
    ("case", "mode"),
    [(case, mode) for case, (_, modes) in ERRORS.items() for mode in modes],
)
async def test_errors(
    server: DashScopeServer, lean_calls: list[str], case: str, mode: str
) -> None:
    make, _ = ERRORS[case]
    await _compare(
        server,
        lean_calls,
        _same,
        mode,
        "hello",
        replies=lambda: [make()],
        validate_model=False,
    )
