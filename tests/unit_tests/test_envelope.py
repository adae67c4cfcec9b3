"""Reading DashScope's error envelopes, and the loopback server's copies of them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_qwen._dashscope.envelope import parse_error_body
from langchain_qwen._dashscope.retry import retry_decision
from langchain_qwen.errors import (
    ContentModerationError,
    classify,
    error_fields,
    request_id_of,
)
from langchain_qwen.testing import (
    envelope_body,
    envelope_reply,
    sse_events,
    sse_framed_error_reply,
)
from tests.conftest import RECORDED

REAL2 = RECORDED / "real2"


def _recorded(name: str) -> Any:
    return parse_error_body((REAL2 / name).read_bytes())


@pytest.mark.parametrize(
    ("name", "request_id"),
    [
        ("error-401-intl-invalid-api-key.json", "6ce1ad79-c7e2-9afb-acf8-e68191913351"),
        (
            "error-401-cn-beijing-invalid-api-key.json",
            "a38e3d77-cff0-9152-bfe0-52c7e5d6fd4e",
        ),
        (
            "error-401-maas-workspace-invalid-api-key.json",
            "12105deb-efba-9660-a304-2edaa46de207",
        ),
        ("error-401-tp1-invalid-api-key.json", "67a650b7-b4a5-449b-af3f-c7fb5c01527b"),
        ("error-404-tp1-model-not-exist.json", "f21dd93c-0925-4fe6-a7a4-9342868c3af1"),
        (
            "error-400-omni-voice-not-supported.json",
            "73a3b2bf-f305-9d9f-88b3-927851126cd0",
        ),
    ],
)
def test_request_id_of_every_recorded_envelope(name: str, request_id: str) -> None:
    body = _recorded(name)
    assert request_id_of(body, {"x-request-id": "header"}) == request_id
    # The inner object alone (what the openai SDK keeps as `e.body`) too.
    assert error_fields(body["error"], body).request_id == request_id
    assert error_fields(body).request_id == request_id


def test_request_id_order() -> None:
    headers = {"x-request-id": "h"}
    full = {"error": {"id": "e"}, "id": "chatcmpl-t", "request_id": "r"}
    assert request_id_of(full, headers) == "r"
    assert request_id_of({"error": {"id": "e"}, "id": "chatcmpl-t"}, headers) == "e"
    assert request_id_of({"error": {}, "id": "chatcmpl-t"}, headers) == "t"
    assert request_id_of({"error": {}, "id": "bare-uuid"}, headers) == "bare-uuid"
    assert request_id_of({"error": {}}, headers) == "h"
    assert request_id_of("not json", headers) == "h"
    assert request_id_of({"error": {}, "request_id": ""}, None) is None
    assert request_id_of({"request_id": 7, "error": {"id": None}}, {}) is None


def test_sse_framed_body_is_parsed() -> None:
    body = _recorded("error-400-stream-input-inspection.body.txt")
    assert body == {
        "error": {
            "code": "data_inspection_failed",
            "param": None,
            "message": "Input text data may contain inappropriate content.",
            "type": "data_inspection_failed",
        }
    }
    fields = error_fields(body)
    assert fields.code == "data_inspection_failed"
    assert fields.request_id is None  # no id in this body: the header's is used
    assert classify(400, fields.code, fields.message) is ContentModerationError
    # Never retried, whatever status carries it.
    raw = (REAL2 / "error-400-stream-input-inspection.body.txt").read_bytes()
    for status in (400, 429, 500):
        assert retry_decision(status, parse_error_body(raw)) is False


@pytest.mark.parametrize(
    "raw",
    [b"", b"   ", b"<html>busy</html>", b"data: not json\n\n", b"event: x\n\n", None],
)
def test_unreadable_bodies_are_none(raw: bytes | None) -> None:
    assert parse_error_body(raw) is None


def test_sse_body_skips_non_object_lines() -> None:
    raw = b': keep-alive\n\ndata: [DONE]\n\ndata: {"error":{"code":"c"}}\n\n'
    assert parse_error_body(raw) == {"error": {"code": "c"}}
    assert parse_error_body('{"a": 1}') == {"a": 1}


# --------------------------------------------------------------------------
# The loopback server's envelopes are the recorded shapes
# --------------------------------------------------------------------------


def _shape(value: Any) -> Any:
    """Keys (in order) and value types, not the values."""
    if isinstance(value, dict):
        return [(k, _shape(v)) for k, v in value.items()]
    return type(value).__name__


@pytest.mark.parametrize(
    ("name", "host", "completion_id"),
    [
        ("error-401-intl-invalid-api-key.json", "shared", False),
        ("error-401-maas-workspace-invalid-api-key.json", "workspace", False),
        ("error-401-tp1-invalid-api-key.json", "token_plan", False),
        ("error-404-tp1-model-not-exist.json", "token_plan", False),
        ("error-400-omni-voice-not-supported.json", "shared", True),
    ],
)
def test_envelopes_have_the_recorded_shape(
    name: str, host: Any, completion_id: bool
) -> None:
    recorded = _recorded(name)
    inner = recorded["error"]
    built = envelope_body(
        inner["code"],
        inner["message"],
        host=host,
        type=inner["type"],
        request_id="1b2c",
        completion_id=completion_id,
    )
    assert _shape(built) == _shape(recorded)
    assert request_id_of(built) == "1b2c"
    reply = envelope_reply(401, "c", "m", host=host, request_id="r1")
    assert reply.status == 401
    assert reply.request_id == "r1"  # the header agrees with the body by default
    assert request_id_of(json.loads(reply.body or b"")) == "r1"


def test_envelope_rejects_unknown_shapes() -> None:
    with pytest.raises(ValueError, match="host must be one of"):
        envelope_body("c", "m", host="regional")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shared-host shape"):
        envelope_body("c", "m", host="workspace", completion_id=True)


def test_sse_framed_reply_is_the_recorded_body() -> None:
    reply = sse_framed_error_reply()
    recorded = (REAL2 / "error-400-stream-input-inspection.body.txt").read_bytes()
    assert reply.body == recorded
    assert reply.status == 400
    assert reply.headers["content-type"].startswith("text/event-stream")


def test_sse_events_splits_a_whole_body() -> None:
    events, done = sse_events('data: {"a":1}\n\n: comment\n\ndata: {"b":2}\n\n')
    assert events == ['{"a":1}', '{"b":2}']
    assert done is False
    events, done = sse_events("data: x\r\n\r\ndata: [DONE]\r\n\r\ndata: after\n\n")
    assert (events, done) == (["x"], True)
