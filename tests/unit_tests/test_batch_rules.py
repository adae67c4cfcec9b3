"""The pure rules of the Batch API: model lists, line building, result lines."""

from __future__ import annotations

import json

import pytest

from langchain_qwen.batch.rules import (
    BatchProgress,
    batch_data,
    batch_models,
    chat_body,
    check_batch_model,
    check_texts,
    endpoint_for,
    index_of,
    line_outcome,
    request_line,
)
from langchain_qwen.regions import REGIONS
from langchain_qwen.testing.files import parse_multipart


def test_data_has_source_date_and_known_regions() -> None:
    data = batch_data()
    assert "batch" in data["source"].lower()
    assert data["retrieved"] == "2026-12-01"
    assert set(data["regions"]) <= set(REGIONS)
    assert batch_models("us") == ()
    assert batch_models("singapore") == (
        "qwen3.7-plus",
        "qwen-max",
        "qwen-plus",
        "qwen-flash",
    )
    assert "text-embedding-v4" in batch_models("beijing", "embeddings")
    assert endpoint_for("chat") == "/v1/chat/completions"
    assert endpoint_for("embeddings") == "/v1/embeddings"


def test_listed_model_passes() -> None:
    check_batch_model("qwen-plus", "singapore")
    check_batch_model("qwen3.8-max", "beijing")
    check_batch_model("text-embedding-v4", "beijing", kind="embeddings")


def test_virginia_is_refused_even_without_validation() -> None:
    with pytest.raises(ValueError, match="no Batch API in us") as info:
        check_batch_model("qwen-plus-us", "us", validate_model=False)
    # The error names where batch is available, and what.
    assert "singapore: qwen3.7-plus, qwen-max, qwen-plus, qwen-flash" in str(info.value)


def test_unlisted_model_and_snapshot_refused_unless_validation_off() -> None:
    with pytest.raises(ValueError, match="validate_model=False"):
        check_batch_model("qwen-plus-2025-07-28", "singapore")
    check_batch_model("qwen-plus-2025-07-28", "singapore", validate_model=False)
    with pytest.raises(ValueError, match="embeddings"):
        check_batch_model("text-embedding-v4", "singapore", kind="embeddings")


def test_undocumented_region_refused_unless_validation_off() -> None:
    with pytest.raises(ValueError, match="documents no Batch API in frankfurt"):
        check_batch_model("qwen-plus", "frankfurt")
    check_batch_model("qwen-plus", "frankfurt", validate_model=False)


def test_no_region_checks_only_catalogued_models() -> None:
    check_batch_model("Qwen/Qwen3-8B", None, catalogued=False)
    check_batch_model("qwen-max", None, catalogued=True)
    with pytest.raises(ValueError, match="not batchable in any region"):
        check_batch_model("qwen3-vl-plus", None, catalogued=True)


def test_chat_body_merges_extra_body_and_drops_streaming() -> None:
    payload = {
        "model": "qwen-plus",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "extra_body": {"enable_search": True},
    }
    assert chat_body(payload) == {
        "model": "qwen-plus",
        "messages": [{"role": "user", "content": "hi"}],
        "enable_search": True,
    }
    with pytest.raises(ValueError, match="n > 1"):
        chat_body({"model": "m", "messages": [], "n": 3})


def test_request_line_is_one_compact_json_line() -> None:
    line = request_line(4, "chat", {"model": "qwen-plus", "messages": []})
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert json.loads(line) == {
        "custom_id": "4",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "qwen-plus", "messages": []},
    }
    with pytest.raises(TypeError, match="Batch input 1 cannot be written as JSON"):
        request_line(1, "chat", {"x": object()})


def test_index_of_and_line_outcome() -> None:
    assert index_of("2", 3) == 2
    assert index_of("3", 3) is None
    assert index_of("abc", None) is None
    ok = {"custom_id": "0", "response": {"status_code": 200, "body": {"a": 1}}}
    assert line_outcome(ok) == (200, {"a": 1}, None)
    failed = {
        "custom_id": "1",
        "response": {"status_code": 400, "body": {"error": {"code": "x"}}},
        "error": None,
    }
    assert line_outcome(failed) == (400, {"error": {"code": "x"}}, {"code": "x"})
    bare = {"custom_id": "1", "response": None, "error": {"code": "y", "message": "m"}}
    assert line_outcome(bare) == (None, None, {"code": "y", "message": "m"})


def test_progress_fraction_and_done() -> None:
    assert BatchProgress("in_progress", 4, 1, 1).fraction == 0.5
    assert not BatchProgress("in_progress", 4, 1, 1).done
    assert BatchProgress("validating").fraction == 0.0
    assert BatchProgress("expired", 4, 1, 0).done


def test_check_texts() -> None:
    assert check_texts(("a", "b")) == ["a", "b"]
    with pytest.raises(TypeError, match="not one string"):
        check_texts("abc")
    with pytest.raises(ValueError, match="non-empty list"):
        check_texts([])
    with pytest.raises(TypeError, match="Text 0 is int"):
        check_texts([3])  # type: ignore[list-item]


def test_parse_multipart_with_the_standard_library() -> None:
    boundary = "xYz"
    raw = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="purpose"\r\n\r\n'
        "batch\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="in.jsonl"\r\n'
        "Content-Type: application/jsonl\r\n\r\n"
        '{"a": 1}\n{"b": "\xe9"}\n\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    fields = parse_multipart(f"multipart/form-data; boundary={boundary}", raw)
    assert fields["purpose"] == (None, b"batch")
    assert fields["file"] == ("in.jsonl", '{"a": 1}\n{"b": "\xe9"}\n'.encode())
    with pytest.raises(ValueError, match="multipart/form-data"):
        parse_multipart("application/json", b"{}")
