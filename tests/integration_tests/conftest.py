"""Integration tests reach loopback servers only (and DashScope when a key is set)."""

from __future__ import annotations

import os

import pytest
from pytest_socket import enable_socket, socket_allow_hosts

LOOPBACK = ["127.0.0.1", "localhost", "::1"]


@pytest.fixture(autouse=True)
def _loopback_only(request: pytest.FixtureRequest) -> object:
    if request.node.get_closest_marker("live") and os.environ.get("DASHSCOPE_API_KEY"):
        enable_socket()
    else:
        socket_allow_hosts(LOOPBACK, allow_unix_socket=True)
    yield
    enable_socket()
