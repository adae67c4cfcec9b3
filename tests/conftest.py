"""Shared fixtures: a hermetic environment for every test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

try:  # The openai SDK's HTTP library: httpx2 for openai>=3, httpx before.
    import httpx2
except ImportError:  # pragma: no cover
    import httpx as httpx2  # type: ignore[no-redef]

__all__ = ["RECORDED", "httpx2", "run_fresh"]

RECORDED = Path(__file__).parent / "recorded"
_PREFIXES = ("DASHSCOPE_", "OPENAI_", "LANGSMITH_", "LANGCHAIN_")


def run_fresh(script: str) -> str:
    """Run `script` in a fresh interpreter (nothing imported yet); its stdout.

    Args:
        script: Python source.

    Returns:
        What the script printed.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(_PREFIXES)}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=120,
    )
    return out.stdout


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


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the openai SDK's retry backoff (0.5 s doubling) to milliseconds.

    The retry policy and counts stay the SDK's and ChatQwen's; only the sleeps
    between attempts get shorter, so that retry tests stay fast.
    """
    monkeypatch.setattr("openai._base_client.INITIAL_RETRY_DELAY", 0.002)
    monkeypatch.setattr("openai._base_client.MAX_RETRY_DELAY", 0.01)
