"""The Batch API over real HTTP against the loopback server's files and batches."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel

from langchain_qwen import (
    BatchProgress,
    ChatQwen,
    ContentModerationError,
    QuotaExceededError,
    QwenBatchError,
    QwenBatchJob,
    QwenEmbeddings,
    QwenEmbeddingsBatchJob,
    asubmit_batch,
    submit_batch,
    submit_embeddings_batch,
)
from langchain_qwen.testing import (
    DashScopeServer,
    error_reply,
    scripted_handler,
    text_completion,
)


class Person(BaseModel):
    name: str
    age: int


def _model(server: DashScopeServer, **kwargs: object) -> ChatQwen:
    return ChatQwen(base_url=server.base_url, api_key="sk-test", **kwargs)  # type: ignore[arg-type]


def _lines(server: DashScopeServer, job_id: str) -> list[dict]:
    stored = server.files.get(server.batches[job_id].input_file_id)
    return [json.loads(line) for line in stored.data.decode().splitlines()]


@pytest.fixture
def server() -> object:
    with DashScopeServer(handler=scripted_handler) as srv:
        yield srv


def test_submit_wait_results_in_input_order(server: DashScopeServer) -> None:
    model = _model(server, model="qwen-plus", temperature=0.2)
    prompt = ChatPromptTemplate.from_messages([("human", "{q}")])
    inputs = [
        "first",
        [SystemMessage("Be short."), HumanMessage("second")],
        prompt.invoke({"q": "third"}),
    ]
    job = submit_batch(model, inputs)
    # One upload and one batch creation, through ChatQwen's client and key.
    assert [(r.method, r.path.split("?")[0]) for r in server.requests] == [
        ("POST", "/compatible-mode/v1/files"),
        ("POST", "/compatible-mode/v1/batches"),
    ]
    assert all(r.headers["authorization"] == "Bearer sk-test" for r in server.requests)
    create = server.requests[1].body
    assert create["endpoint"] == "/v1/chat/completions"
    assert create["completion_window"] == "24h"

    lines = _lines(server, job.id)
    assert [line["custom_id"] for line in lines] == ["0", "1", "2"]
    assert {line["url"] for line in lines} == {"/v1/chat/completions"}
    assert lines[1]["body"]["messages"] == [
        {"role": "system", "content": "Be short."},
        {"role": "user", "content": "second"},
    ]
    assert lines[0]["body"]["temperature"] == 0.2
    assert "stream" not in lines[0]["body"]

    # Lines finish out of order: the results still come back in input order.
    server.batches.lines_per_tick = 1
    seen: list[BatchProgress] = []

    def tick(progress: BatchProgress) -> None:
        seen.append(progress)
        server.batches.advance()

    final = job.wait(poll_interval=0, on_progress=tick, progress=False)
    assert final == BatchProgress("completed", 3, 3, 0)
    assert [p.status for p in seen] == [
        "validating",
        "in_progress",
        "in_progress",
        "in_progress",
        "finalizing",
        "completed",
    ]
    assert [p.completed for p in seen] == [0, 0, 1, 2, 3, 3]

    results = job.results()
    assert [r.content for r in results] == ["first", "second", "third"]
    for message in results:
        assert isinstance(message, AIMessage)
        assert message.usage_metadata is not None
        assert message.usage_metadata["total_tokens"] > 0
        assert message.response_metadata["model_provider"] == "qwen"
        assert message.response_metadata["model_name"] == "qwen-plus"
        assert message.response_metadata["finish_reason"] == "stop"


def test_saved_job_resumes_in_a_fresh_object(
    server: DashScopeServer, tmp_path: Path
) -> None:
    model = _model(server, model="qwen-plus")
    job = submit_batch(model, ["a", "b"])
    path = tmp_path / "job.json"
    job.save(path)
    saved = json.loads(path.read_text())
    assert saved["id"] == job.id
    assert saved["count"] == 2
    assert "sk-test" not in path.read_text()
    server.batches.run_all()

    # "Another process": a new model object and a job rebuilt from the file.
    again = QwenBatchJob.load(path, model=_model(server, model="qwen-plus"))
    assert again.status() == "completed"
    assert [m.content for m in again.results()] == ["a", "b"]
    by_id = QwenBatchJob.resume(job.id, model=_model(server, model="qwen-plus"))
    assert [m.content for m in by_id.results()] == ["a", "b"]


def test_results_before_the_end_say_to_wait(server: DashScopeServer) -> None:
    job = submit_batch(_model(server, model="qwen-plus"), ["a"])
    with pytest.raises(RuntimeError, match="call wait"):
        job.results()


def test_per_input_errors_are_typed_and_in_place(server: DashScopeServer) -> None:
    server.enqueue(
        text_completion("ok zero"),
        error_reply(
            400,
            "data_inspection_failed",
            "Input data may contain inappropriate content.",
        ),
        error_reply(429, "insufficient_quota", "You exceeded your current quota."),
    )
    job = submit_batch(_model(server, model="qwen-plus"), ["x", "y", "z", "w"])
    server.batches.run_all()
    info = job.refresh()
    assert (info.completed, info.failed) == (2, 2)
    results = job.results()
    assert results[0].content == "ok zero"
    assert isinstance(results[1], ContentModerationError)
    assert results[1].code == "data_inspection_failed"
    assert results[1].status_code == 400
    assert isinstance(results[2], QuotaExceededError)
    assert results[3].content == "w"
    with pytest.raises(ContentModerationError):
        job.results(raise_on_error=True)


def test_structured_output_is_applied_and_parsed(server: DashScopeServer) -> None:
    model = _model(server, model="qwen-plus")
    job = submit_batch(model.with_structured_output(Person), ["Ada, 36", "Alan, 41"])
    body = _lines(server, job.id)[0]["body"]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Person"
    assert "ls_structured_output_format" not in body
    server.batches.run_all()
    assert job.results() == [
        Person(name="Ada, 36", age=36),
        Person(name="Alan, 41", age=41),
    ]


def test_structured_output_include_raw(server: DashScopeServer) -> None:
    model = _model(server, model="qwen-plus")
    runnable = model.with_structured_output(Person, include_raw=True)
    server.enqueue(text_completion("not json"))
    job = submit_batch(runnable, ["bad", "Ada, 36"])
    server.batches.run_all()
    bad, good = job.results()
    # As a live call: the parse error comes back in the dict, not raised.
    assert bad["parsed"] is None
    assert bad["parsing_error"] is not None
    assert bad["raw"].content == "not json"
    assert good["parsed"] == Person(name="Ada, 36", age=36)
    assert isinstance(good["raw"], AIMessage)


def test_structured_output_parse_error_is_that_inputs_item(
    server: DashScopeServer,
) -> None:
    runnable = _model(server, model="qwen-plus").with_structured_output(Person)
    server.enqueue(text_completion("not json"))
    job = submit_batch(runnable, ["bad", "Ada, 36"])
    server.batches.run_all()
    bad, good = job.results()
    assert isinstance(bad, Exception)
    assert good == Person(name="Ada, 36", age=36)


def test_bound_tools_and_kwargs_reach_each_line(server: DashScopeServer) -> None:
    model = _model(server, model="qwen-plus")
    runnable = model.bind_tools([Person], tool_choice="Person").bind(seed=7)
    job = submit_batch(runnable, ["Ada, 36"])
    body = _lines(server, job.id)[0]["body"]
    assert body["tools"][0]["function"]["name"] == "Person"
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    assert body["seed"] == 7
    server.batches.run_all()
    (message,) = job.results()
    assert message.tool_calls[0]["name"] == "Person"
    assert message.tool_calls[0]["args"] == {"name": "Ada, 36", "age": 36}


def test_dashscope_fields_go_into_the_body(server: DashScopeServer) -> None:
    model = _model(server, model="qwen-plus", enable_search=True, streaming=True)
    job = submit_batch(model.bind(top_k=5), ["q"])
    body = _lines(server, job.id)[0]["body"]
    assert body["enable_search"] is True
    assert body["top_k"] == 5
    assert "extra_body" not in body
    assert "stream" not in body


def test_chatqwen_checks_run_before_anything_is_sent(server: DashScopeServer) -> None:
    model = _model(server, model="qwen-plus")
    with pytest.raises(ValueError, match="temperature"):
        submit_batch(model.bind(temperature=5), ["q"])
    with pytest.raises(ValueError, match="n > 1"):
        submit_batch(model.bind(n=2), ["q"])
    with pytest.raises(ValueError, match="non-empty"):
        submit_batch(model, [])
    with pytest.raises(TypeError, match="not one string"):
        submit_batch(model, "q")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ChatQwen"):
        submit_batch(ChatPromptTemplate.from_messages([("human", "{q}")]), ["q"])
    assert server.requests == []


def test_unbatched_models_and_regions_are_refused_up_front(
    server: DashScopeServer,
) -> None:
    # Virginia: documented without batch, whatever validate_model says.
    us = _model(server, region="us", model="qwen-plus-us", validate_model=False)
    with pytest.raises(ValueError, match=r"no Batch API in us.*beijing: qwen3.8-max"):
        submit_batch(us, ["q"])
    # A catalogued model that no region batches.
    with pytest.raises(ValueError, match="'qwen3-vl-plus' is not batchable"):
        submit_batch(_model(server, model="qwen3-vl-plus"), ["q"])
    # Singapore batches four models; a per-call model is checked too.
    sg = _model(server, region="singapore", model="qwen-plus")
    with pytest.raises(ValueError, match=r"qwen3-max' is not batchable in singapore"):
        submit_batch(sg.bind(model="qwen3-max"), ["q"])
    # Hong Kong is undocumented for batch: refused unless validate_model=False.
    hk = _model(server, region="hongkong", model="qwen-plus")
    with pytest.raises(ValueError, match="documents no Batch API in hongkong"):
        submit_batch(hk, ["q"])
    assert server.requests == []
    submit_batch(_model(server, region="hongkong", validate_model=False), ["q"])
    assert len(server.requests) == 2


def test_a_failed_batch_raises_for_the_whole_job(server: DashScopeServer) -> None:
    job = submit_batch(_model(server, model="qwen-plus"), ["a"])
    server.batches.fail(job.id, "InvalidFile", "The file format is invalid.")
    assert job.wait(poll_interval=0, progress=False).status == "failed"
    with pytest.raises(QwenBatchError, match="The file format is invalid") as info:
        job.results()
    assert info.value.code == "InvalidFile"
    assert info.value.batch_id == job.id


def test_expired_batch_keeps_finished_inputs(server: DashScopeServer) -> None:
    server.batches.lines_per_tick = 1
    job = submit_batch(_model(server, model="qwen-plus"), ["a", "b", "c"])
    server.batches.advance(2)  # validated, then one line run
    server.batches.expire(job.id)
    first, second, third = job.results()
    assert first.content == "a"
    assert isinstance(second, QwenBatchError)
    assert "input 1 has no result" in str(second)
    assert isinstance(third, QwenBatchError)


def test_cancel(server: DashScopeServer) -> None:
    job = submit_batch(_model(server, model="qwen-plus"), ["a"])
    assert job.cancel().status == "cancelling"
    server.batches.advance()
    assert job.status() == "cancelled"
    (only,) = job.results()
    assert isinstance(only, QwenBatchError)


def test_wait_times_out_with_a_resume_hint(server: DashScopeServer) -> None:
    job = submit_batch(_model(server, model="qwen-plus"), ["a"])
    with pytest.raises(TimeoutError, match=r"QwenBatchJob.resume\('batch_1'"):
        job.wait(poll_interval=0, timeout=0, progress=False)


def test_progress_bar_only_when_asked_or_on_a_terminal(
    server: DashScopeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = submit_batch(_model(server, model="qwen-plus"), ["a", "b"])
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    job.wait(poll_interval=0, on_progress=lambda _: server.batches.advance())
    assert err.getvalue() == ""  # not a terminal: no bar by default

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Terminal()
    monkeypatch.setattr("sys.stderr", tty)
    job.wait(poll_interval=0)
    assert "[##############################] 2/2 completed" in tty.getvalue()
    assert tty.getvalue().endswith("\n")


async def test_async_submit_wait_and_results(server: DashScopeServer) -> None:
    model = _model(server, model="qwen-plus")
    job = await asubmit_batch(model, ["one", "two"])

    async def tick(_: BatchProgress) -> None:
        server.batches.advance()

    final = await job.await_(poll_interval=0, on_progress=tick, progress=False)
    assert final.status == "completed"
    assert [m.content for m in await job.aresults()] == ["one", "two"]


def test_embeddings_batch_returns_vectors_in_order(server: DashScopeServer) -> None:
    with pytest.raises(ValueError, match="Text 1 is empty"):
        submit_embeddings_batch(["a", " "], base_url=server.base_url, api_key="sk-test")
    with pytest.raises(ValueError, match="no Batch API in us"):
        submit_embeddings_batch(["a"], region="us", api_key="sk-test")
    with pytest.raises(
        ValueError, match="'text-embedding-v4' is not batchable in singapore"
    ):
        submit_embeddings_batch(["a"], region="singapore", api_key="sk-test")
    # A size the model does not take fails before the upload, not line by line.
    with pytest.raises(ValueError, match="does not take dimensions=4: pick one of"):
        submit_embeddings_batch(
            ["a"], base_url=server.base_url, api_key="sk-test", dimensions=4
        )
    assert server.requests == []

    texts = ["alpha", "beta", "gamma"]
    job = submit_embeddings_batch(
        texts, base_url=server.base_url, api_key="sk-test", dimensions=64
    )
    assert server.requests[1].body["endpoint"] == "/v1/embeddings"
    lines = _lines(server, job.id)
    assert [line["body"]["input"] for line in lines] == texts
    assert lines[0]["body"] == {
        "model": "text-embedding-v4",
        "input": "alpha",
        "encoding_format": "float",
        "dimensions": 64,
    }
    server.batches.run_all()
    vectors = job.results(raise_on_error=True)
    assert len(vectors) == 3
    assert all(len(v) == 64 for v in vectors)
    assert vectors[0] != vectors[1]
    # The same job read from another object gives the same vectors.
    again = QwenEmbeddingsBatchJob.resume(
        job.id, base_url=server.base_url, api_key="sk-test"
    )
    assert again.results() == vectors


def test_embeddings_batch_takes_a_qwen_embeddings(server: DashScopeServer) -> None:
    embeddings = QwenEmbeddings(
        base_url=server.base_url,
        api_key="sk-test",
        model="text-embedding-v4",
        dimensions=64,
    )
    texts = ["alpha beta", "gamma delta", "epsilon"]
    with pytest.raises(ValueError, match="Pass either embeddings= or dimensions"):
        submit_embeddings_batch(texts, embeddings=embeddings, dimensions=128)
    assert server.requests == []
    job = submit_embeddings_batch(texts, embeddings=embeddings)
    line = _lines(server, job.id)[0]["body"]
    assert (line["model"], line["dimensions"]) == ("text-embedding-v4", 64)
    assert server.requests[0].headers["authorization"] == "Bearer sk-test"
    server.batches.run_all()
    # The batch embeds exactly as the live call does.
    assert job.results(raise_on_error=True) == embeddings.embed_documents(texts)


def test_key_never_in_saved_job_or_repr(
    server: DashScopeServer, tmp_path: Path
) -> None:
    job = submit_embeddings_batch(["a"], base_url=server.base_url, api_key="sk-secret1")
    job.save(tmp_path / "j.json")
    assert "sk-secret1" not in (tmp_path / "j.json").read_text()
    assert "sk-secret1" not in repr(job)
    assert "sk-secret1" not in json.dumps(job.to_dict())


@pytest.mark.live
@pytest.mark.skipif(
    not os.environ.get("DASHSCOPE_API_KEY"),
    reason="needs DASHSCOPE_API_KEY (Singapore or Beijing) to submit a real batch",
)
def test_live_batch_is_accepted() -> None:
    model = ChatQwen(model="qwen-plus")
    job = submit_batch(model, ["Say OK."])
    try:
        assert job.refresh().status in {
            "validating",
            "in_progress",
            "finalizing",
            "completed",
        }
    finally:
        job.cancel()
