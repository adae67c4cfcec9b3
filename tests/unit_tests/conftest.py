"""Unit tests run with sockets disabled: nothing here may touch a network."""

from __future__ import annotations

import pytest
from pytest_socket import disable_socket, enable_socket


@pytest.fixture(autouse=True)
def _no_sockets() -> object:
    # Unix sockets stay allowed: asyncio's event loop needs a socketpair.
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()
