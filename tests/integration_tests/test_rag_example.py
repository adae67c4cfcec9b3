"""examples/rag.py runs offline (no key) from a plain install, and says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_rag_example_runs_offline() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DASHSCOPE_", "OPENAI_"))
    }
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "rag.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Mode: OFFLINE replay on http://127.0.0.1:")
    assert "[chunks] 5 chunks from 1 document" in done.stdout
    # The reranker puts the chunk that answers the question first.
    reranked = [line for line in lines if line.startswith("[reranked]")]
    assert len(reranked) == 2
    assert "Bicycles are allowed on the ferry" in reranked[0]
    assert "[answer] Yes: bicycles are allowed" in done.stdout


def test_rag_example_needs_only_runtime_dependencies() -> None:
    source = (ROOT / "examples" / "rag.py").read_text(encoding="utf-8")
    for module in (
        "langchain_text_splitters",
        "langchain_classic",
        "langchain_community",
    ):
        assert module not in source
