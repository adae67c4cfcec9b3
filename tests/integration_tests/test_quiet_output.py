"""No benchmark table in the test output unless asked (test_init_time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*extra: str) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/unit_tests/test_standard.py",
            "-k",
            "test_init_time",
            "-p",
            "no:cacheprovider",
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    return done.stdout


def test_init_time_runs_quietly_by_default() -> None:
    assert "benchmark:" not in _run("-q")


def test_benchmark_table_on_request() -> None:
    assert "benchmark: 1 tests" in _run("-q", "--benchmark-enable")
