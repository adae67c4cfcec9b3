"""_dashscope/retry.py: which failed requests are retried."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_qwen._dashscope.retry import parse_body, retry_decision


def envelope(code: str | None, message: str = "m") -> dict[str, Any]:
    inner: dict[str, Any] = {"message": message, "type": code, "param": None}
    if code:
        inner["code"] = code
    return {"error": inner, "request_id": "r"}


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        # Throttling and server faults: retried with backoff.
        (429, "limit_requests", True),
        (429, "limit_burst_rate", True),
        (429, "Throttling", True),
        (429, "Throttling.RateQuota", True),
        (429, "Throttling.BurstRate", True),
        (500, "InternalError", True),
        (500, "internal_error", True),
        (500, "RequestTimeOut", True),
        (503, "ModelServingError", True),
        (503, "ModelUnavailable", True),
        # Quota and billing: never, whatever the status.
        (429, "insufficient_quota", False),
        (429, "Throttling.AllocationQuota", False),
        (429, "AllocationQuota.FreeTierOnly", False),
        (403, "AllocationQuota.FreeTierOnly", False),
        (429, "Arrearage", False),
        (400, "Arrearage", False),
        (429, "CommodityNotPurchased", False),
        (429, "PrepaidBillOverdue", False),
        (429, "PostpaidBillOverdue", False),
        # Moderation never passes on a second try.
        (400, "data_inspection_failed", False),
        # Everything else: the SDK's status rule decides.
        (400, "invalid_parameter_error", None),
        (401, "invalid_api_key", None),
        (404, "model_not_found", None),
        (409, None, None),
    ],
)
def test_retry_decision(status: int, code: str | None, expected: bool | None) -> None:
    assert retry_decision(status, envelope(code)) is expected


def test_unknown_429_is_throttling_unless_it_speaks_of_quota() -> None:
    assert retry_decision(429, envelope(None, "Too many requests")) is True
    assert (
        retry_decision(429, envelope(None, "Free allocated quota exceeded.")) is False
    )


def test_unreadable_bodies_leave_the_decision_to_the_status() -> None:
    assert parse_body(b"<html>busy</html>") is None
    assert retry_decision(502, parse_body(b"<html>bad gateway</html>")) is True
    assert retry_decision(400, None) is None
