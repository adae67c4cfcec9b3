"""The generated catalogue page matches the data."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_models_page_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_model_docs", ROOT / "scripts" / "gen_model_docs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (ROOT / "docs" / "models.md").read_text(encoding="utf-8")
    assert page == module.render(), (
        "docs/models.md is stale: run `python scripts/gen_model_docs.py`"
    )
    assert "| `qwen-plus` |" in page
