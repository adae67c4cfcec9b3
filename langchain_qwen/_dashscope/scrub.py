"""Secret scrubbing: the API key never shows in a message, a field or a request."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _scrub_value(value: Any, secrets: tuple[str, ...]) -> Any:
    """`value` with every string in it scrubbed (dicts and lists walked)."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, Mapping):
        return {k: _scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub_value(v, secrets) for v in value)
    return value


# Headers that describe the body as it came over the wire, not the copy.
_BODY_FRAMING = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _scrub_request(request: Any, secrets: tuple[str, ...]) -> Any:
    """A copy of an httpx request whose headers (`Authorization`) hold no secret."""
    try:
        headers = list(request.headers.items())
        if all(scrub(v, secrets) == v for _, v in headers):
            return request
        return type(request)(
            request.method,
            request.url,
            headers=[(k, scrub(v, secrets)) for k, v in headers],
            content=scrub(request.content.decode("utf-8", "replace"), secrets),
        )
    except Exception:  # not an httpx request, or a body that cannot be read
        return None


def _scrub_response(response: Any, secrets: tuple[str, ...]) -> Any:
    """A copy of an httpx response whose body and headers hold no secret."""
    request = None
    with contextlib.suppress(RuntimeError, AttributeError):
        request = response.request
    try:
        text = response.content.decode("utf-8", "replace")
        headers = list(response.headers.items())
    except Exception:  # not an httpx response, or its body was never read
        return response
    scrubbed = scrub(text, secrets)
    clean_request = _scrub_request(request, secrets) if request is not None else None
    if (
        scrubbed == text
        and clean_request is request
        and all(scrub(v, secrets) == v for _, v in headers)
    ):
        return response
    request = clean_request
    try:
        return type(response)(
            response.status_code,
            headers=[
                (k, scrub(v, secrets))
                for k, v in headers
                if k.lower() not in _BODY_FRAMING
            ],
            content=scrubbed.encode(),
            request=request,
        )
    except Exception:  # an unusual response class: drop it rather than leak
        return None


def scrub_fields(exc: BaseException, secrets: tuple[str, ...]) -> None:
    """Remove the key from every field a caller might print or log."""
    for name in ("message", "body", "param", "code", "type", "__notes__"):
        if name in exc.__dict__:
            exc.__dict__[name] = _scrub_value(exc.__dict__[name], secrets)
    response = exc.__dict__.get("response")
    if response is not None:
        exc.__dict__["response"] = response = _scrub_response(response, secrets)
    if exc.__dict__.get("request") is not None:
        # The SDK's errors keep the request, whose Authorization holds the key.
        exc.__dict__["request"] = _scrub_request(exc.__dict__["request"], secrets)
