"""The loopback server's /files and /batches routes, driven by the openai SDK."""

from __future__ import annotations

import json

import openai
import pytest

from langchain_qwen.testing import DashScopeServer, batches_of, files_of


def _line(custom_id: str, text: str, url: str = "/v1/chat/completions") -> str:
    body = {"model": "qwen-plus", "messages": [{"role": "user", "content": text}]}
    return json.dumps(
        {"custom_id": custom_id, "method": "POST", "url": url, "body": body}
    )


@pytest.fixture
def client_and_server() -> object:
    with DashScopeServer() as server:
        yield (
            openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0),
            server,
        )


def test_files_upload_get_content_list_delete(client_and_server: tuple) -> None:
    client, server = client_and_server
    data = (_line("a", "hello") + "\n").encode()
    uploaded = client.files.create(
        file=("in.jsonl", data, "application/jsonl"), purpose="batch"
    )
    assert uploaded.object == "file"
    assert uploaded.purpose == "batch"
    assert uploaded.bytes == len(data)
    assert uploaded.filename == "in.jsonl"
    assert client.files.retrieve(uploaded.id).id == uploaded.id
    assert client.files.content(uploaded.id).content == data
    assert [f.id for f in client.files.list()] == [uploaded.id]
    assert files_of(server).get(uploaded.id).data == data
    assert client.files.delete(uploaded.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(uploaded.id)
    with pytest.raises(openai.BadRequestError, match="purpose"):
        client.files.create(
            file=("x.jsonl", b"{}", "application/jsonl"), purpose="assistants"
        )


def test_batch_runs_each_line_through_the_chat_route(client_and_server: tuple) -> None:
    client, server = client_and_server
    data = "\n".join([_line("x", "one"), _line("y", "two")]).encode()
    file_id = client.files.create(file=("in.jsonl", data), purpose="batch").id
    batch = client.batches.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert (batch.object, batch.status, batch.endpoint) == (
        "batch",
        "validating",
        "/v1/chat/completions",
    )
    assert batch.output_file_id is None
    queue = batches_of(server)
    queue.advance()
    got = client.batches.retrieve(batch.id)
    assert got.status == "in_progress"
    assert got.request_counts.total == 2
    assert got.in_progress_at == got.created_at + 1  # the test's clock, not wall time
    queue.advance(2)
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert done.error_file_id is None
    records = [
        json.loads(x)
        for x in client.files.content(done.output_file_id).text.splitlines()
    ]
    assert [r["custom_id"] for r in records] == ["x", "y"]
    assert [
        r["response"]["body"]["choices"][0]["message"]["content"] for r in records
    ] == [
        "one",
        "two",
    ]
    assert all(r["response"]["status_code"] == 200 for r in records)
    # Batch lines are not HTTP requests to the server: they are kept on the job.
    assert [r.body["messages"][0]["content"] for r in queue[batch.id].requests] == [
        "one",
        "two",
    ]
    assert [b.id for b in client.batches.list()] == [batch.id]


def test_invalid_lines_fail_validation(client_and_server: tuple) -> None:
    client, server = client_and_server
    data = "\n".join(
        [_line("x", "one"), "not json", _line("z", "e", url="/v1/embeddings")]
    ).encode()
    file_id = client.files.create(file=("in.jsonl", data), purpose="batch").id
    batch = client.batches.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    batches_of(server).advance()
    failed = client.batches.retrieve(batch.id)
    assert failed.status == "failed"
    assert [e.line for e in failed.errors.data] == [2, 3]
    assert failed.request_counts.total == 0


def test_create_checks_endpoint_window_and_file(client_and_server: tuple) -> None:
    client, _ = client_and_server
    file_id = client.files.create(file=("in.jsonl", b"{}"), purpose="batch").id
    with pytest.raises(openai.BadRequestError, match="Unsupported endpoint"):
        client.batches.create(
            input_file_id=file_id, endpoint="/v1/completions", completion_window="24h"
        )
    with pytest.raises(openai.NotFoundError):
        client.batches.create(
            input_file_id="file-nope",
            endpoint="/v1/chat/completions",
            completion_window="24h",
        )
    with pytest.raises(openai.NotFoundError):
        client.batches.retrieve("batch_nope")
