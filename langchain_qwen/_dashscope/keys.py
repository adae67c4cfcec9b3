"""Keys that must never leave for DashScope: another provider's, certainly.

A user who swaps `ChatOpenAI` for `ChatQwen` may keep passing their OpenAI
key. DashScope would answer 401 (and the key would have left for a third
party), so a key whose prefix only another provider issues
(`data/foreign_keys.json`) is refused before any request to a DashScope host.
A non-DashScope `base_url` (a self-hosted vLLM, a gateway) is the user's own
choice of server and gets whatever key they give it.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


@functools.cache
def _prefixes() -> tuple[tuple[str, str, str], ...]:
    """`(prefix, provider, what)` per foreign key prefix, from the data."""
    text = resources.files("langchain_qwen.data").joinpath("foreign_keys.json")
    data = json.loads(text.read_text(encoding="utf-8"))
    return tuple((p["prefix"], p["provider"], p["what"]) for p in data["prefixes"])


def _secret(key: Any) -> str:
    getter = getattr(key, "get_secret_value", None)
    value = getter() if callable(getter) else key
    return value if isinstance(value, str) else ""


def foreign_key(key: Any) -> tuple[str, str] | None:
    """Which other provider's key this certainly is.

    Args:
        key: A key (`str` or `SecretStr`).

    Returns:
        `(provider, kind of key)`, or `None` if it may be a Model Studio key.
    """
    value = _secret(key).strip()
    for prefix, provider, what in _prefixes():
        if value.startswith(prefix):
            return provider, what
    return None


def check_key(key: Any, *, source: str, host: str) -> None:
    """Refuse a key that certainly belongs to another provider.

    Call only for a DashScope host. The message names the fix and never the
    key's value.

    Args:
        key: The key that would be sent.
        source: Where it came from, e.g. `"api_key"` or `"DASHSCOPE_API_KEY"`.
        host: The DashScope base URL it would be sent to.

    Raises:
        ValueError: The key is another provider's.
    """
    found = foreign_key(key)
    if found is None:
        return
    provider, what = found
    msg = (
        f"The key in {source} is an {provider} key ({what}), not a Model Studio "
        f"key; it was not sent to {host}. Set DASHSCOPE_API_KEY (or pass "
        "api_key=...) to a DashScope API key from the Model Studio console. "
        "For a self-hosted or other OpenAI-compatible server, pass its base_url."
    )
    raise ValueError(msg)


def one_key(api_key: Any, dashscope_api_key: Any) -> Any:
    """The key from `api_key` or its community name, `dashscope_api_key`.

    Args:
        api_key: The `api_key` argument.
        dashscope_api_key: The `dashscope_api_key` argument (ChatTongyi's,
            DashScopeEmbeddings' and DashScopeRerank's name).

    Returns:
        The one that was given, or `None`.

    Raises:
        ValueError: Both were given.
    """
    if api_key is not None and dashscope_api_key is not None:
        msg = "Pass the key once: api_key=... or dashscope_api_key=..., not both."
        raise ValueError(msg)
    return api_key if api_key is not None else dashscope_api_key
