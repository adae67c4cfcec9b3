"""Integration tests reach loopback servers only (and DashScope when a key is set)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from langchain_openai.chat_models import _client_utils
from pytest_socket import enable_socket, socket_allow_hosts

from langchain_qwen._chat import transport as _transport

LOOPBACK = ["127.0.0.1", "localhost", "::1"]


@pytest.fixture(autouse=True)
def _loopback_only(request: pytest.FixtureRequest) -> object:
    if request.node.get_closest_marker("live") and os.environ.get("DASHSCOPE_API_KEY"):
        enable_socket()
    else:
        socket_allow_hosts(LOOPBACK, allow_unix_socket=True)
    yield
    enable_socket()


@pytest.fixture(autouse=True)
def _fresh_async_clients() -> object:
    """Forget langchain-openai's cached async httpx clients after each test.

    They are cached by base URL, and each test runs on its own event loop: when
    a later loopback server gets a port an earlier test used, the cached
    client's pooled connections belong to a closed loop ("Event loop is
    closed"). Sync clients have no loop and stay cached.
    """
    yield
    _client_utils._cached_async_httpx_client.cache_clear()


@pytest.fixture
def lean_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each call the lean transport serves."""
    calls: list[str] = []
    for name in ("generate", "agenerate", "stream", "astream"):
        original = getattr(_transport, name)

        def spy(*args: Any, _f: Any = original, _n: str = name, **kw: Any) -> Any:
            calls.append(_n)
            return _f(*args, **kw)

        monkeypatch.setattr(_transport, name, spy)
    return calls
