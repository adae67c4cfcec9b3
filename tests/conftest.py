"""Shared fixtures: a hermetic environment for every test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

RECORDED = Path(__file__).parent / "recorded"
_PREFIXES = ("DASHSCOPE_", "OPENAI_", "LANGSMITH_", "LANGCHAIN_")


@pytest.fixture(autouse=True)
def _hermetic_env(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clear provider settings so no test depends on the developer's shell.

    Live tests (marked `live`) keep `DASHSCOPE_*`: they need the real key.
    """
    keep_dashscope = request.node.get_closest_marker("live") is not None
    for name in list(os.environ):
        if name.startswith(_PREFIXES) and not (
            keep_dashscope and name.startswith("DASHSCOPE_")
        ):
            monkeypatch.delenv(name)
