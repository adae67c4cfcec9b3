"""Reading a request's body fields, wherever the payload carries them.

Below every module that checks a request (`payload`, `audio`, `effort`,
`encrypted`), so that each reads a field the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def body_value(payload: Mapping[str, Any], name: str) -> Any:
    """Read a request field wherever the payload carries it.

    DashScope reads the JSON body's top level, which the `openai` SDK builds
    from the payload's own keys merged with `extra_body`.

    Args:
        payload: The request payload.
        name: The body field.

    Returns:
        The value, or `None` when the request does not set it.
    """
    value = payload.get(name)
    if value is not None:
        return value
    extra = payload.get("extra_body")
    if extra is None:  # the usual case: skip the ABC check (runs ~25x a call)
        return None
    return extra.get(name) if isinstance(extra, Mapping) else None
