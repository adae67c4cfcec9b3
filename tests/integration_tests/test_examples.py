"""Every example runs offline (no key) against the replay server, and says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "quickstart.py": ["[invoke] Qwen is a family", "reasoning: 17 * 20", "reasoning"],
    "lcel_chain.py": ["[invoke] Bonjour", "[batch]  ['Hallo Welt!', 'Hola, mundo!']"],
    "structured_output.py": ["Person(name='Ada Lovelace', born=1815"],
    "agent.py": ["[tool] 22°C, light rain", "[tool] 71.6°F", "(71.6°F)"],
    "provider_swap.py": ["[ChatOpenAI] Because", "[ChatQwen]   Because"],
    "responses_agent.py": [
        "[web_search] Qwen4-Max release date",
        "[tool] 18",
        "[code_interpreter] print(18 ** 2) -> 324",
        "[answer] Qwen4-Max was released on 2026-11-16",
        "[billed tools] {'code_interpreter': {'count': 1}}",
    ],
    "batch.py": [
        "[final] completed",
        "[answer] Name a river. -> 'The Nile.'",
        "[answer] Name a desert. -> 'The Sahara.'",
        "[structured] [City(name='Tokyo, 37 million people', population_millions=37)",
        "[embeddings] 3 vectors of 64 dimensions",
    ],
}


def test_every_example_is_covered() -> None:
    # rag.py has its own test (test_rag_example.py).
    found = {p.name for p in (ROOT / "examples").glob("*.py")} - {"_mode.py", "rag.py"}
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_offline(name: str) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DASHSCOPE_", "OPENAI_"))
    }
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Mode: OFFLINE replay on http://127.0.0.1:")
    for expected in EXPECTED[name]:
        assert expected in done.stdout
