"""Shared fixtures: a hermetic environment for every test."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from openai import _base_client

# The openai SDK's own HTTP library: httpx2 for openai>=3, httpx before (both may
# be installed, so ask the SDK).
if hasattr(_base_client, "httpx2"):
    import httpx2
else:  # pragma: no cover
    import httpx as httpx2  # type: ignore[no-redef]

__all__ = ["RECORDED", "httpx2", "run_fresh"]

RECORDED = Path(__file__).parent / "recorded"
_PREFIXES = ("DASHSCOPE_", "OPENAI_", "LANGSMITH_", "LANGCHAIN_")
# Named in every run's header, so that a red run says which release broke it.
_DEPENDENCIES = (
    "langchain-core",
    "langchain-openai",
    "openai",
    "httpx",
    "httpx2",
    "pydantic",
)


def pytest_report_header() -> str:
    """The versions this run tests against, for the header of every run."""
    found = []
    for dist in _DEPENDENCIES:
        try:
            found.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            continue
    return "dependencies: " + ", ".join(found)


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
