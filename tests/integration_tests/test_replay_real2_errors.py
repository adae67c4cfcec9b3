"""Replay the real2 error recordings through ChatQwen over real HTTP.

Every recorded error body (shared, workspace and Token Plan envelopes, the 400
with a top-level `id`, the SSE-framed 400 of input moderation) is sent with its
status, and a user's call in invoke, ainvoke, stream and astream must raise
the right class with DashScope's code, message and request id. The server's
`x-request-id` header is set to another value, so that a body id read from
the wrong place shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from langchain_qwen import (
    ChatQwen,
    ContentModerationError,
    QwenAuthenticationError,
    QwenError,
    QwenInvalidRequestError,
    QwenModelNotFoundError,
)
from langchain_qwen.testing import (
    DashScopeServer,
    completion_chunks,
    envelope_body,
    envelope_reply,
    load_recording,
    sse_framed_error_reply,
    sse_reply,
    text_completion,
)
from tests.conftest import RECORDED, httpx2

REAL2 = RECORDED / "real2"
KEY = "sk-real2-errors-4242"
MODES = ["invoke", "ainvoke", "stream", "astream"]
HEADER_ID = "header-id-not-the-body-id"

# recording -> (class, request id the user must see)
ERRORS: dict[str, tuple[type[QwenError], str]] = {
    "error-401-intl-invalid-api-key.json": (
        QwenAuthenticationError,
        "6ce1ad79-c7e2-9afb-acf8-e68191913351",  # request_id
    ),
    "error-401-cn-beijing-invalid-api-key.json": (
        QwenAuthenticationError,
        "a38e3d77-cff0-9152-bfe0-52c7e5d6fd4e",  # request_id
    ),
    "error-401-maas-workspace-invalid-api-key.json": (
        QwenAuthenticationError,
        "12105deb-efba-9660-a304-2edaa46de207",  # error.id
    ),
    "error-401-tp1-invalid-api-key.json": (
        QwenAuthenticationError,
        "67a650b7-b4a5-449b-af3f-c7fb5c01527b",  # error.id
    ),
    "error-404-tp1-model-not-exist.json": (
        QwenModelNotFoundError,
        "f21dd93c-0925-4fe6-a7a4-9342868c3af1",  # error.id
    ),
    "error-400-omni-voice-not-supported.json": (
        QwenInvalidRequestError,
        "73a3b2bf-f305-9d9f-88b3-927851126cd0",  # request_id, beside id
    ),
    "error-400-stream-input-inspection.body.txt": (
        ContentModerationError,
        HEADER_ID,  # the body has none: the header's
    ),
}


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as srv:
        yield srv


def _status(name: str) -> int:
    match = re.match(r"error-(\d{3})-", name)
    assert match, name
    return int(match.group(1))


def _inner(name: str) -> dict[str, Any]:
    raw = (REAL2 / name).read_text(encoding="utf-8").strip()
    return json.loads(raw.removeprefix("data: "))["error"]


async def _call(model: ChatQwen, mode: str) -> None:
    if mode == "invoke":
        model.invoke("hi")
    elif mode == "ainvoke":
        await model.ainvoke("hi")
    elif mode == "stream":
        list(model.stream("hi"))
    else:
        [c async for c in model.astream("hi")]


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(ERRORS))
async def test_recorded_error_reaches_the_user(
    server: DashScopeServer, name: str, mode: str
) -> None:
    kind, request_id = ERRORS[name]
    status = _status(name)
    inner = _inner(name)
    for _ in range(3):  # enough for every retry the SDK might make
        reply = load_recording(REAL2 / name, status=status)
        reply.request_id = HEADER_ID
        server.enqueue(reply)
    model = ChatQwen(
        base_url=server.base_url, api_key=KEY, model="qwen-plus", max_retries=2
    )
    with pytest.raises(kind) as info:
        await _call(model, mode)
    err = info.value
    assert len(server.requests) == 1  # none of these is retried
    assert isinstance(err, openai.APIStatusError)  # the SDK's class is kept
    assert err.status_code == status
    assert err.code == inner["code"]
    assert err.error_message == inner["message"]
    assert err.request_id == request_id
    assert err.body == inner  # the inner error object, as the SDK keeps JSON
    text = str(err)
    assert inner["message"] in text
    assert f"request_id: {request_id}" in text
    assert err.hint
    assert text.endswith(err.hint)
    assert KEY not in text


@pytest.mark.parametrize("mode", MODES)
async def test_moderation_refusal_of_a_stream_request(
    server: DashScopeServer, mode: str
) -> None:
    # The case: a streamed request refused by input moderation gets a
    # 400 whose body is one SSE line. The user sees DashScope's sentence.
    server.enqueue(
        load_recording(REAL2 / "error-400-stream-input-inspection.body.txt", status=400)
    )
    model = ChatQwen(base_url=server.base_url, api_key=KEY, model="qwen-plus")
    with pytest.raises(ContentModerationError) as info:
        await _call(model, mode)
    err = info.value
    assert err.error_message == "Input text data may contain inappropriate content."
    assert err.code == "data_inspection_failed"
    assert str(err).startswith(
        "Error code: 400 - Input text data may contain inappropriate content."
    )
    assert "blocked the input" in err.hint
    assert "message above" not in str(err)
    assert err.is_retryable is False
    assert isinstance(err, openai.BadRequestError)


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("status", [429, 500, 503])
@pytest.mark.parametrize(
    "code",
    [
        "data_inspection_failed",
        "DataInspectionFailed",
        "CustomRoleBlocked",
        "FaqRuleBlocked",
        "IPInfringementSuspect",
    ],
)
def test_sse_framed_moderation_is_never_retried(
    server: DashScopeServer, code: str, status: int
) -> None:
    # The SDK retries 429 and 5xx; a moderation code read through the SSE
    # framing stops it (the same content is refused again).
    for _ in range(3):
        server.enqueue(
            sse_framed_error_reply(code, "Input data may contain it.", status=status)
        )
    model = ChatQwen(
        base_url=server.base_url, api_key=KEY, model="qwen-plus", max_retries=2
    )
    with pytest.raises(ContentModerationError) as info:
        model.invoke("hi")
    assert len(server.requests) == 1
    assert info.value.code == code
    assert info.value.status_code == status


@pytest.mark.parametrize("host", ["shared", "workspace", "token_plan"])
@pytest.mark.parametrize("mode", MODES)
async def test_each_envelope_kind_names_its_request_id(
    server: DashScopeServer, host: str, mode: str
) -> None:
    server.enqueue(
        envelope_reply(
            403,
            "AccessDenied",
            "Access denied.",
            host=host,  # type: ignore[arg-type]
            request_id="body-id-1",
            header_request_id=HEADER_ID,
        )
    )
    model = ChatQwen(base_url=server.base_url, api_key=KEY, model="qwen-plus")
    with pytest.raises(QwenError) as info:
        await _call(model, mode)
    assert info.value.request_id == "body-id-1"
    assert info.value.code == "AccessDenied"


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_workspace_error_inside_a_stream_names_error_id(
    server: DashScopeServer, mode: str
) -> None:
    # An error event inside a 200 stream, in the workspace envelope: its
    # `error.id` wins over the response header.
    event = envelope_body(
        "data_inspection_failed",
        "Output data may contain inappropriate content.",
        host="workspace",
        type="data_inspection_failed",
        request_id="ws-stream-id",
    )
    chunks = completion_chunks("Part of", request_id="header-stream-id")[:2]
    server.enqueue(sse_reply([*chunks, event], done=False))
    model = ChatQwen(base_url=server.base_url, api_key=KEY, model="qwen-plus")
    with pytest.raises(ContentModerationError) as info:
        await _call(model, mode)
    assert info.value.request_id == "ws-stream-id"
    assert info.value.status_code == 200


async def test_top_level_id_alone_names_the_request(server: DashScopeServer) -> None:
    # A 400 with only the top-level `id` (no request_id): its uuid, unprefixed.
    body = envelope_body("invalid_parameter_error", "bad", completion_id=True)
    body.pop("request_id")
    server.enqueue(_reply_with_body(body, status=400, header=HEADER_ID))
    model = ChatQwen(base_url=server.base_url, api_key=KEY, model="qwen-plus")
    with pytest.raises(QwenInvalidRequestError) as info:
        await model.ainvoke("hi")
    assert info.value.request_id == body["id"].removeprefix("chatcmpl-")


def _reply_with_body(body: dict[str, Any], *, status: int, header: str) -> Any:
    reply = envelope_reply(status, "unused", "unused")
    reply.body = json.dumps(body).encode()
    reply.request_id = header
    return reply


async def test_no_id_in_the_body_falls_back_to_the_header(
    server: DashScopeServer,
) -> None:
    server.enqueue(sse_framed_error_reply(header_request_id="from-the-header"))
    model = ChatQwen(base_url=server.base_url, api_key=KEY, model="qwen-plus")
    with pytest.raises(ContentModerationError) as info:
        await model.ainvoke("hi")
    assert info.value.request_id == "from-the-header"


def test_error_without_any_message_has_no_hint_that_names_one(
    server: DashScopeServer,
) -> None:
    reply = envelope_reply(400, "x", "x")
    reply.body = b""
    server.enqueue(reply)
    model = ChatQwen(base_url=server.base_url, api_key=KEY, model="qwen-plus")
    with pytest.raises(QwenInvalidRequestError) as info:
        model.invoke("hi")
    err = info.value
    assert err.error_message is None
    assert "message" not in err.hint  # no reference to a message that is absent
    assert "without saying why" in err.hint


# --------------------------------------------------------------------------
# The wrong-region key hint, on both wordings
# --------------------------------------------------------------------------


@pytest.fixture
def to_loopback(server: DashScopeServer) -> Iterator[httpx2.Client]:
    """An httpx client that sends a real DashScope URL to the loopback server."""
    loop = httpx2.URL(server.url)

    class ToLoopback(httpx2.HTTPTransport):
        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            request.url = request.url.copy_with(
                scheme="http", host=loop.host, port=loop.port
            )
            return super().handle_request(request)

    with httpx2.Client(transport=ToLoopback()) as client:
        yield client


@pytest.mark.parametrize(
    ("name", "settings", "url"),
    [
        (
            "error-401-intl-invalid-api-key.json",
            {"region": "singapore"},
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
        ),
        (
            "error-401-cn-beijing-invalid-api-key.json",
            {"region": "beijing"},
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
        ),
        (
            "error-401-maas-workspace-invalid-api-key.json",
            {"region": "singapore", "workspace_id": "ws-real2"},
            "https://ws-real2.ap-southeast-1.maas.aliyuncs.com/compatible-mode/v1",
        ),
    ],
)
def test_wrong_region_hint_on_both_wordings(
    server: DashScopeServer,
    to_loopback: httpx2.Client,
    name: str,
    settings: dict[str, str],
    url: str,
) -> None:
    server.enqueue(load_recording(REAL2 / name, status=401))
    model = ChatQwen(
        api_key=KEY,
        model="qwen-plus",
        max_retries=0,
        http_client=to_loopback,
        **settings,  # type: ignore[arg-type]
    )
    assert model.openai_api_base == url
    with pytest.raises(QwenAuthenticationError) as info:
        model.invoke("hi")
    err = info.value
    region = settings["region"]
    assert err.error_message == _inner(name)["message"]
    assert err.hint is not None
    assert "belong to one region" in err.hint
    assert f"(region {region!r})" in err.hint
    assert "DASHSCOPE_REGION" in err.hint
    assert url in err.hint
    assert err.request_id == ERRORS[name][1]


def test_token_plan_key_hint_names_the_plan(
    server: DashScopeServer, to_loopback: httpx2.Client
) -> None:
    # "Invalid API-key provided." from the Token Plan host: that host takes only
    # the plan's keys, so the hint says so instead of naming other regions.
    url = "https://token-plan.ap-southeast-1.maas.aliyuncs.com/compatible-mode/v1"
    server.enqueue(
        load_recording(REAL2 / "error-401-tp1-invalid-api-key.json", status=401)
    )
    model = ChatQwen(
        base_url=url,
        api_key=KEY,
        model="qwen-plus",
        max_retries=0,
        validate_model=False,
        http_client=to_loopback,
    )
    with pytest.raises(QwenAuthenticationError) as info:
        model.invoke("hi")
    err = info.value
    assert err.hint is not None
    assert "Token Plan" in err.hint
    assert "takes only that plan's keys" in err.hint
    assert err.request_id == "67a650b7-b4a5-449b-af3f-c7fb5c01527b"


def test_answers_after_an_error_are_still_read(server: DashScopeServer) -> None:
    server.enqueue(
        load_recording(REAL2 / "error-404-tp1-model-not-exist.json", status=404),
        text_completion("fine"),
    )
    model = ChatQwen(base_url=server.base_url, api_key=KEY, model="qwen-plus")
    with pytest.raises(QwenModelNotFoundError):
        model.invoke("hi")
    assert model.invoke("hi").content == "fine"


def test_every_real2_error_recording_is_replayed_here() -> None:
    names = {p.name for p in REAL2.glob("error-*")}
    assert names == set(ERRORS)
