"""Replay the real2 rerank answers and batch output files over real HTTP.

The three recorded `/reranks` answers go through `QwenRerank` (rerank,
arerank, compress_documents, acompress_documents); the two batch output files
of the Batch doc go through the batch result reader (`results`, `aresults`).
Errors of the non-chat APIs (embeddings, rerank, files, batches) in the
workspace envelope name the request id kept inside `error.id`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.messages import AIMessage

from langchain_qwen import (
    ChatQwen,
    QwenAuthenticationError,
    QwenBatchError,
    QwenBatchJob,
    QwenEmbeddings,
    QwenError,
    QwenRerank,
    submit_batch,
)
from langchain_qwen.testing import (
    DashScopeServer,
    envelope_reply,
    load_recording,
    scripted_handler,
)
from tests.conftest import RECORDED

REAL2 = RECORDED / "real2"
RERANK_PATH = "/compatible-api/v1/reranks"
RERANKS = sorted(p.name for p in REAL2.glob("rerank-*.json"))
BATCH_OUTPUTS = sorted(p.name for p in REAL2.glob("batch-output-*.jsonl"))
DOCS = ["Qwen is a family of models.", "Unrelated text.", "Qwen models by Alibaba."]


def _rerank(server: DashScopeServer) -> QwenRerank:
    return QwenRerank(base_url=server.base_url, api_key="sk-test", model="qwen3-rerank")


def _recorded_ranking(name: str) -> list[dict[str, Any]]:
    body = json.loads((REAL2 / name).read_text())
    ranked = [
        {"index": r["index"], "relevance_score": r["relevance_score"]}
        for r in body["results"]
    ]
    return sorted(ranked, key=lambda r: -r["relevance_score"])


@pytest.mark.parametrize("mode", ["rerank", "arerank", "compress", "acompress"])
@pytest.mark.parametrize("name", RERANKS)
async def test_recorded_rerank_answer_replays(name: str, mode: str) -> None:
    expected = _recorded_ranking(name)
    reply = load_recording(REAL2 / name)
    with DashScopeServer(routes={RERANK_PATH: lambda _: reply}) as server:
        reranker = _rerank(server)
        top_n = len(expected)
        if mode == "rerank":
            got = reranker.rerank(DOCS, "qwen", top_n=top_n)
        elif mode == "arerank":
            got = await reranker.arerank(DOCS, "qwen", top_n=top_n)
        else:
            reranker = reranker.model_copy(update={"top_n": top_n})
            docs = [Document(t, metadata={"n": i}) for i, t in enumerate(DOCS)]
            if mode == "compress":
                kept = reranker.compress_documents(docs, "qwen")
            else:
                kept = await reranker.acompress_documents(docs, "qwen")
            got = [
                {
                    "index": d.metadata["n"],
                    "relevance_score": d.metadata["relevance_score"],
                }
                for d in kept
            ]
            assert [d.page_content for d in kept] == [
                DOCS[e["index"]] for e in expected
            ]
        sent = server.requests[-1]
    assert got == expected  # full precision, best first
    assert sent.path == RERANK_PATH
    assert sent.body["documents"] == DOCS
    assert sent.body["top_n"] == top_n


def test_rerank_answer_without_id_is_read() -> None:
    # NOTES 24: one real answer has no `id`; nothing needs it.
    name = "rerank-qwen3-rerank-weknora.json"
    assert "id" not in json.loads((REAL2 / name).read_text())
    reply = load_recording(REAL2 / name)
    with DashScopeServer(routes={RERANK_PATH: lambda _: reply}) as server:
        got = _rerank(server).rerank(DOCS, "qwen", top_n=None)
    assert [r["index"] for r in got] == [2, 0, 1]


# --------------------------------------------------------------------------
# Batch output files, through the result reader
# --------------------------------------------------------------------------


def _expected_lines(name: str) -> dict[int, dict[str, Any]]:
    out = {}
    for line in (REAL2 / name).read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        body = record["response"]["body"]
        message = body["choices"][0]["message"]
        out[int(record["custom_id"])] = {
            "content": message["content"],
            "reasoning": message.get("reasoning_content"),
            "model": body["model"],
            "id": body["id"],
            "usage": body["usage"],
        }
    return out


@pytest.fixture
def batch_server() -> Iterator[DashScopeServer]:
    with DashScopeServer(handler=scripted_handler) as srv:
        yield srv


@pytest.mark.parametrize("mode", ["results", "aresults"])
@pytest.mark.parametrize("name", BATCH_OUTPUTS)
async def test_recorded_batch_output_is_read(
    batch_server: DashScopeServer, name: str, mode: str
) -> None:
    expected = _expected_lines(name)
    model = ChatQwen(
        base_url=batch_server.base_url, api_key="sk-test", model="qwen-plus"
    )
    # The doc sample numbers its custom ids from 1: three inputs, and input 0
    # has no line in the file.
    job = submit_batch(model, ["zero", "one", "two"])
    batch_server.batches.finish_with(job.id, output=(REAL2 / name).read_bytes())
    results = job.results() if mode == "results" else await job.aresults()
    assert isinstance(results[0], QwenBatchError)
    assert "input 0 has no result" in str(results[0])
    for index, want in expected.items():
        message = results[index]
        assert isinstance(message, AIMessage)
        assert message.content == want["content"]
        assert message.additional_kwargs.get("reasoning_content") == want["reasoning"]
        meta = message.response_metadata
        assert meta["model_name"] == want["model"]
        assert meta["id"] == want["id"]
        assert meta["finish_reason"] == "stop"
        usage = want["usage"]
        um = message.usage_metadata
        assert um is not None
        assert um["input_tokens"] == usage["prompt_tokens"]
        assert um["output_tokens"] == usage["completion_tokens"]
        assert um["total_tokens"] == usage["total_tokens"]
        reasoning = (usage.get("completion_tokens_details") or {}).get(
            "reasoning_tokens"
        )
        assert (um.get("output_token_details") or {}).get("reasoning") == reasoning


def test_loopback_output_lines_have_the_recorded_shape(
    batch_server: DashScopeServer,
) -> None:
    # NOTES 25: a line's `id` is its request id, a bare UUID (no `batch_req_`),
    # and the body's id is "chatcmpl-" + that id, as in the doc's sample.
    model = ChatQwen(
        base_url=batch_server.base_url, api_key="sk-test", model="qwen-plus"
    )
    job = submit_batch(model, ["one"])
    batch_server.batches.run_all()
    info = batch_server.batches[job.id]
    stored = batch_server.files.get(info.output_file_id or "")
    assert stored is not None
    [line] = [json.loads(x) for x in stored.data.decode().splitlines()]
    recorded = json.loads(
        (REAL2 / BATCH_OUTPUTS[0]).read_text(encoding="utf-8").splitlines()[0]
    )
    assert list(line) == list(recorded)  # id, custom_id, response, error
    assert list(line["response"]) == list(recorded["response"])
    assert line["id"] == line["response"]["request_id"]
    assert line["response"]["body"]["id"] == f"chatcmpl-{line['id']}"
    assert not line["id"].startswith("batch_req_")


def test_batch_line_error_names_the_line_request_id(
    batch_server: DashScopeServer,
) -> None:
    # A failed line keeps its id in `response.request_id` (NOTES 25).
    model = ChatQwen(
        base_url=batch_server.base_url, api_key="sk-test", model="qwen-plus"
    )
    job = submit_batch(model, ["only"])
    line = {
        "id": "5b1c0d7e-0000-4000-8000-000000000001",
        "custom_id": "0",
        "response": {
            "status_code": 400,
            "request_id": "5b1c0d7e-0000-4000-8000-000000000001",
            "body": None,
        },
        "error": {
            "code": "data_inspection_failed",
            "message": "Input data may contain inappropriate content.",
        },
    }
    batch_server.batches.finish_with(job.id, errors=(json.dumps(line) + "\n").encode())
    [err] = job.results()
    assert isinstance(err, QwenError)
    assert err.request_id == "5b1c0d7e-0000-4000-8000-000000000001"
    assert err.code == "data_inspection_failed"


# --------------------------------------------------------------------------
# Errors of the non-chat APIs in the workspace envelope
# --------------------------------------------------------------------------


def _workspace_401() -> Any:
    return envelope_reply(
        401,
        "invalid_api_key",
        "Invalid API-key provided.",
        host="workspace",
        request_id="ws-body-id",
        header_request_id="header-id",
    )


async def test_embeddings_error_names_error_id() -> None:
    routes = {"/compatible-mode/v1/embeddings": lambda _: _workspace_401()}
    with DashScopeServer(routes=routes) as server:
        embeddings = QwenEmbeddings(
            base_url=server.base_url, api_key="sk-test", model="text-embedding-v4"
        )
        with pytest.raises(QwenAuthenticationError) as info:
            embeddings.embed_query("hi")
        with pytest.raises(QwenAuthenticationError) as ainfo:
            await embeddings.aembed_query("hi")
    assert info.value.request_id == ainfo.value.request_id == "ws-body-id"


async def test_rerank_error_names_error_id() -> None:
    with DashScopeServer(routes={RERANK_PATH: lambda _: _workspace_401()}) as server:
        with pytest.raises(QwenAuthenticationError) as info:
            _rerank(server).rerank(DOCS, "qwen")
        with pytest.raises(QwenAuthenticationError) as ainfo:
            await _rerank(server).arerank(DOCS, "qwen")
    assert info.value.request_id == ainfo.value.request_id == "ws-body-id"


def test_files_and_batches_errors_name_error_id() -> None:
    routes = {
        "/compatible-mode/v1/files": lambda _: _workspace_401(),
        "/compatible-mode/v1/batches": lambda _: _workspace_401(),
    }
    with DashScopeServer(routes=routes) as server:
        model = ChatQwen(base_url=server.base_url, api_key="sk-test", model="qwen-plus")
        with pytest.raises(QwenAuthenticationError) as upload:
            submit_batch(model, ["hi"])
        with pytest.raises(QwenAuthenticationError) as poll:
            QwenBatchJob.resume("batch-1", model=model, count=1).refresh()
        paths = [r.path.split("?")[0] for r in server.requests]
    assert upload.value.request_id == poll.value.request_id == "ws-body-id"
    assert paths == ["/compatible-mode/v1/files", "/compatible-mode/v1/batches/batch-1"]


def test_every_real2_service_recording_is_replayed_here() -> None:
    assert len(RERANKS) == 3
    assert len(BATCH_OUTPUTS) == 2
