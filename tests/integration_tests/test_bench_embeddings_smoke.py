"""The embeddings bench, run with tiny counts so that it cannot rot.

Timings are not asserted (this machine's load decides them); that every row is
measured for every contender, and printed, is.
"""

from __future__ import annotations

import pytest

from bench import embeddings as bench
from langchain_qwen.testing import DashScopeServer


def test_every_row_is_measured_and_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench, "TEXTS", 12)
    monkeypatch.setattr(bench, "QUERIES", 2)
    with DashScopeServer(record=False) as server:
        results = bench.measure(bench.contenders(server.base_url), rounds=1)
    assert len(results) == 3
    for cells in results.values():
        assert set(cells) == {bench.OPENAI, bench.QWEN_SEQ, bench.QWEN}
        for samples in cells.values():
            ((rate, cpu),) = samples
            assert rate > 0
            assert cpu >= 0
    bench.report(results)
    rows = [line for line in capsys.readouterr().out.splitlines() if line.endswith("x")]
    assert len(rows) == 9
    for name in (bench.OPENAI, bench.QWEN_SEQ, bench.QWEN):
        assert sum(name in line for line in rows) == 3
