"""The embedding and rerank catalogue: data shape, lookup and checks."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from langchain_qwen.catalogue import kinds as model_kinds


def _data(file: str) -> dict[str, Any]:
    text = resources.files("langchain_qwen.data").joinpath(file).read_text("utf-8")
    return json.loads(text)


def test_packaged_data_parses() -> None:
    assert model_kinds.parse_kind(_data("embedding_models.json"), "embedding")
    assert model_kinds.parse_kind(_data("rerank_models.json"), "rerank")


def test_every_entry_has_source_and_date() -> None:
    for file in ("embedding_models.json", "rerank_models.json"):
        for entry in _data(file)["models"]:
            assert entry["source"]
            assert entry["date"] == "2026-12-01"


def test_embedding_facts() -> None:
    v4 = model_kinds.embedding_model("text-embedding-v4")
    assert v4 is not None
    assert v4.max_batch == 10
    assert v4.max_input_tokens == 8192
    assert v4.dimensions == (2048, 1536, 1024, 768, 512, 256, 128, 64)
    assert v4.default_dimensions == 1024
    v3 = model_kinds.embedding_model("text-embedding-v3")
    assert v3 is not None
    assert v3.dimensions == (1024, 768, 512)
    for name in ("qwen3.7-text-embedding", "qwen3.7-text-embedding-flash"):
        info = model_kinds.embedding_model(name)
        assert info is not None
        assert info.regions == ("beijing",)


def test_rerank_facts() -> None:
    q = model_kinds.rerank_model("qwen3-rerank")
    assert q is not None
    assert (q.max_documents, q.max_document_tokens, q.max_request_tokens) == (
        500,
        4000,
        120000,
    )
    assert q.regions == ("singapore",)
    assert model_kinds.list_rerank_models("beijing") == [
        "qwen3-vl-rerank",
        "gte-rerank-v2",
    ]


def test_lists_by_region_and_alias() -> None:
    assert model_kinds.list_embedding_models("intl") == [
        "text-embedding-v4",
        "text-embedding-v3",
    ]
    assert "qwen3.7-text-embedding" in model_kinds.list_embedding_models("cn")
    assert model_kinds.list_embedding_models("us") == []
    assert "gte-rerank" not in model_kinds.list_rerank_models()


def test_retired_rerank_names_its_successor() -> None:
    with pytest.raises(
        ValueError, match=r"retired on 2026-05-30 .* use 'qwen3-rerank'"
    ):
        model_kinds.check_rerank_model("gte-rerank", "beijing")


def test_unknown_names_get_suggestions() -> None:
    with pytest.raises(ValueError, match="Did you mean 'qwen3-rerank'"):
        model_kinds.check_rerank_model("qwen3-reranker", "singapore")
    with pytest.raises(ValueError, match="Did you mean 'text-embedding-v4'"):
        model_kinds.check_embedding_model("Text-Embedding-V4", None)


def test_region_check() -> None:
    with pytest.raises(
        ValueError, match=r"not offered in region 'us'.*no embedding model"
    ):
        model_kinds.check_embedding_model("text-embedding-v4", "us")
    assert model_kinds.check_embedding_model("text-embedding-v4", None).name


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(kind="rerank"), "kind must be 'embedding'"),
        (lambda d: d["models"][0].update(regions=["mars"]), "regions must be"),
        (
            lambda d: d["models"][0].update(lifecycle={"status": "gone"}),
            "status must be",
        ),
        (lambda d: d["models"][0].update(max_batch=0), "max_batch must be"),
        (lambda d: d["models"][0].update(dimensions=[]), "dimensions must be"),
        (lambda d: d["models"][0].update(default_dimensions=3), "default_dimensions"),
        (
            lambda d: d["models"][0].update(lifecycle={"status": "retired"}),
            "needs retired_on",
        ),
        (lambda d: d["models"].append(dict(d["models"][0])), "duplicate name"),
        (lambda d: d["models"][0].pop("source"), "source must be"),
    ],
)
def test_malformed_data_fails_clearly(change: Any, problem: str) -> None:
    data = copy.deepcopy(_data("embedding_models.json"))
    change(data)
    with pytest.raises(ValueError, match=problem):
        model_kinds.parse_kind(data, "embedding")
