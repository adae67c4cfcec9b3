"""The benchmark harness, run with tiny counts so that it cannot rot.

Timings are not asserted (this machine's load decides them); that every row is
measured for every contender, and printed, is.
"""

from __future__ import annotations

import pytest

from bench import run as bench


@pytest.fixture(scope="module")
def results() -> bench.Results:
    return bench.run(bench.Config.tiny())


def test_every_row_is_measured_for_every_contender(results: bench.Results) -> None:
    assert results.names[:3] == [bench.RAW, bench.CHAT_OPENAI, bench.CHAT_QWEN]
    assert len(results.rows) == len(bench.ROW_LABELS) - 1
    for row, label in zip(results.rows, bench.ROW_LABELS, strict=False):
        assert row.label.startswith(label)
        if row.note:  # only memory, and only without /proc
            assert row.label.startswith("resident memory")
            continue
        for name in results.names:
            value = row.median(name)
            assert value is not None
            if row.unit != "x":  # a flatness ratio may be anything on 1 sample
                assert value > 0


def test_every_target_is_judged(results: bench.Results) -> None:
    table = bench.format_table(results)
    assert "targets met: " in table
    judged = [bench.verdict(row) for row in results.rows]
    assert all(target for target, _ in judged)
    for row, (_, ok) in zip(results.rows, judged, strict=True):
        if not row.note:
            assert ok is not None, row.label


def test_table_has_every_row_and_column(results: bench.Results) -> None:
    table = bench.format_table(results)
    lines = table.splitlines()
    for name in [*results.names, "ChatQwen/ChatOpenAI"]:
        assert name in lines[0]
    for label in bench.ROW_LABELS:
        assert sum(line.startswith(label) for line in lines) == 1, label


def test_streaming_only_row_is_measured_or_pending(results: bench.Results) -> None:
    row = results.stream_only
    if row.samples:
        assert row.median(bench.STREAM_ONLY_INVOKE) is not None
        assert row.median(bench.STREAM_ONLY_MANUAL) is not None
    else:
        assert row.note.startswith("n/a (pending")


def test_streaming_only_row_measures_an_invoke_that_streams() -> None:
    # `streaming=True` makes invoke stream, as it will by itself for
    # streaming-only models once that feature lands.
    with bench.bench_server() as base_url:
        row = bench.measure_stream_only(base_url, bench.Config.tiny(), streaming=True)
    assert row.note == ""
    assert row.ratio(bench.STREAM_ONLY_INVOKE, bench.STREAM_ONLY_MANUAL) is not None
    table = bench.format_table(bench.Results([], [], row, 0.0))
    assert "invoke/stream" in table


def test_chatqwens_own_import_is_reported(results: bench.Results) -> None:
    own = results.own_import
    assert own is not None
    parent = own.median(bench.PARENT_IMPORT)
    mine = own.median(bench.OWN_IMPORT)
    assert parent is not None
    assert mine is not None
    assert 0 < mine < parent  # ours runs after ChatOpenAI's, which it includes
    assert f"{bench.OWN_IMPORT}: " in bench.format_table(results)
