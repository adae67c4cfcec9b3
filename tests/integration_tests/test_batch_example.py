"""examples/batch.py runs offline (no key) from the README's set-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_batch_example_runs_offline() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DASHSCOPE_", "OPENAI_"))
    }
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "batch.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Mode: OFFLINE replay on http://127.0.0.1:")
    for expected in (
        "[final] completed",
        "[answer] Name a river. -> 'The Nile.'",
        "[answer] Name a desert. -> 'The Sahara.'",
        "[structured] [City(name='Tokyo, 37 million people', population_millions=37)",
        "[embeddings] 3 vectors of 8 dimensions",
    ):
        assert expected in done.stdout
    # Not a terminal: no progress bar on stderr.
    assert "[####" not in done.stderr
