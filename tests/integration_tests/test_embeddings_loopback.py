"""QwenEmbeddings over real HTTP against the loopback server (no key needed)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_core.vectorstores import InMemoryVectorStore
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_qwen import (
    MalformedResponseError,
    QuotaExceededError,
    QwenAuthenticationError,
    QwenContextOverflowError,
    QwenEmbeddings,
    QwenInvalidRequestError,
    QwenModelNotFoundError,
    ThrottlingError,
)
from langchain_qwen.testing import (
    DashScopeServer,
    RecordedRequest,
    Reply,
    embedding_vector,
    embeddings_route,
    error_reply,
    json_reply,
)
from tests.integration_tests._standard import ONE_EVENT_LOOP

pytestmark = ONE_EVENT_LOOP
PATH = "/compatible-mode/v1/embeddings"


class TestQwenEmbeddingsLoopback(EmbeddingsIntegrationTests):
    server: DashScopeServer

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _server(cls) -> Iterator[DashScopeServer]:
        with DashScopeServer() as server:
            cls.server = server
            yield server

    @property
    def embeddings_class(self) -> type[QwenEmbeddings]:
        return QwenEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {
            "base_url": self.server.base_url,
            "api_key": "sk-loopback",
            "timeout": 10,
        }


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer() as s:
        yield s


def _embedder(server: DashScopeServer, **kwargs: Any) -> QwenEmbeddings:
    return QwenEmbeddings(
        base_url=server.base_url, api_key="sk-test", timeout=10, **kwargs
    )


def test_request_shape(server: DashScopeServer) -> None:
    vectors = _embedder(server, dimensions=256).embed_documents(["hello world"])
    assert len(vectors[0]) == 256
    (request,) = server.requests
    assert request.path == PATH
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body == {
        "model": "text-embedding-v4",
        "input": ["hello world"],
        "encoding_format": "float",
        "dimensions": 256,
    }


def test_order_preserved_across_concurrent_batches(server: DashScopeServer) -> None:
    texts = [f"text number {i} about topic {i % 7}" for i in range(35)]
    vectors = _embedder(server, dimensions=64, max_concurrency=4).embed_documents(texts)
    assert vectors == [embedding_vector(t, 64) for t in texts]
    assert sorted(len(r.body["input"]) for r in server.requests) == [5, 10, 10, 10]


async def test_async_order_preserved(server: DashScopeServer) -> None:
    texts = [f"async text {i}" for i in range(23)]
    embedder = _embedder(server, dimensions=64, batch_size=4)
    assert await embedder.aembed_documents(texts) == [
        embedding_vector(t, 64) for t in texts
    ]
    assert sorted(len(r.body["input"]) for r in server.requests) == [3, 4, 4, 4, 4, 4]
    assert await embedder.aembed_query("async text 0") == embedding_vector(
        "async text 0", 64
    )


class _Gate:
    """A route that holds each request until `bound` are in flight at once."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.full = threading.Event()

    def __call__(self, request: RecordedRequest) -> Reply:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            if self.in_flight >= self.bound:
                self.full.set()
        # Waits for the others (deterministic: never relies on how fast they come).
        self.full.wait(timeout=20)
        with self.lock:
            self.in_flight -= 1
        return embeddings_route(request)


@pytest.mark.parametrize("bound", [1, 3])
def test_concurrency_is_bounded(bound: int) -> None:
    gate = _Gate(bound)
    with DashScopeServer(routes={PATH: gate}) as server:
        embedder = _embedder(server, dimensions=64, max_concurrency=bound)
        assert len(embedder.embed_documents([f"t {i}" for i in range(80)])) == 80
    assert gate.peak == bound


async def test_async_concurrency_is_bounded() -> None:
    gate = _Gate(3)
    async with DashScopeServer(routes={PATH: gate}) as server:
        embedder = _embedder(server, dimensions=64, max_concurrency=3)
        assert len(await embedder.aembed_documents([f"t {i}" for i in range(80)])) == 80
    assert gate.peak == 3


def test_wrong_region_key_is_translated() -> None:
    reply = error_reply(
        401,
        "invalid_api_key",
        "Incorrect API key provided.",
        type="invalid_request_error",
    )
    with DashScopeServer(routes={PATH: lambda _: reply}) as server:
        with pytest.raises(QwenAuthenticationError) as info:
            _embedder(server).embed_query("hi")
    assert isinstance(info.value, openai.AuthenticationError)
    assert info.value.code == "invalid_api_key"
    assert "sk-test" not in str(info.value)


@pytest.mark.usefixtures("fast_retries")
def test_quota_is_not_retried_but_throttling_is() -> None:
    quota = error_reply(429, "insufficient_quota", "You exceeded your current quota.")
    with DashScopeServer(routes={PATH: lambda _: quota}) as server:
        with pytest.raises(QuotaExceededError):
            _embedder(server, max_retries=2).embed_query("hi")
        assert len(server.requests) == 1
    throttled = error_reply(429, "limit_requests", "Requests rate limit exceeded.")
    with DashScopeServer(routes={PATH: lambda _: throttled}) as server:
        with pytest.raises(ThrottlingError):
            _embedder(server, max_retries=2).embed_query("hi")
        assert len(server.requests) == 3


@pytest.mark.usefixtures("fast_retries")
def test_a_retry_recovers(server: DashScopeServer) -> None:
    calls: list[int] = []

    def flaky(request: RecordedRequest) -> Reply:
        calls.append(1)
        if len(calls) == 1:
            return error_reply(500, "InternalError", "Internal error.")
        return embeddings_route(request)

    with DashScopeServer(routes={PATH: flaky}) as flaky_server:
        assert _embedder(flaky_server, dimensions=64).embed_query("hi") == (
            embedding_vector("hi", 64)
        )
    assert len(calls) == 2


def test_server_limits_reach_the_user_as_typed_errors(server: DashScopeServer) -> None:
    embedder = _embedder(server, batch_size=11, validate_model=False, max_retries=0)
    with pytest.raises(QwenInvalidRequestError, match="should not be larger than 10"):
        embedder.embed_documents([f"t{i}" for i in range(11)])
    bad_dims = _embedder(server, dimensions=100, validate_model=False, max_retries=0)
    with pytest.raises(QwenInvalidRequestError, match="dimension is invalid"):
        bad_dims.embed_query("hi")


def test_an_answer_that_does_not_match_the_input_is_refused() -> None:
    short = json_reply({"object": "list", "data": [], "model": "text-embedding-v4"})
    with DashScopeServer(routes={PATH: lambda _: short}) as server:
        with pytest.raises(MalformedResponseError, match="answered 2 texts with 0"):
            _embedder(server).embed_documents(["a", "b"])


def test_in_a_vector_store(server: DashScopeServer) -> None:
    texts = [
        "Qwen models are built by Alibaba Cloud.",
        "Paris is the capital of France.",
        "Pandas eat bamboo in the mountains.",
    ]
    store = InMemoryVectorStore.from_texts(texts, embedding=_embedder(server))
    (best,) = store.similarity_search("Who builds the Qwen models?", k=1)
    assert best.page_content == texts[0]


def test_vectors_are_placed_by_their_index() -> None:
    reversed_answer = json_reply(
        {
            "data": [
                {"embedding": [0.0, 1.0], "index": 1, "object": "embedding"},
                {"embedding": [1.0, 0.0], "index": 0, "object": "embedding"},
            ],
            "model": "text-embedding-v4",
            "object": "list",
            "usage": {"prompt_tokens": 2, "total_tokens": 2},
            "id": "r-1",
        }
    )
    with DashScopeServer(routes={PATH: lambda _: reversed_answer}) as server:
        assert _embedder(server).embed_documents(["a", "b"]) == [[1.0, 0.0], [0.0, 1.0]]


def test_a_vector_that_is_not_a_list_is_refused() -> None:
    base64_answer = json_reply(
        {"data": [{"embedding": "AAAA", "index": 0}], "object": "list"}
    )
    with DashScopeServer(routes={PATH: lambda _: base64_answer}) as server:
        with pytest.raises(MalformedResponseError, match="not a list"):
            _embedder(server).embed_query("a")


def _failing_on(word: str) -> Any:
    def route(request: RecordedRequest) -> Reply:
        if any(word in text for text in request.body["input"]):
            return error_reply(400, "InvalidParameter", f"Cannot embed {word}.")
        return embeddings_route(request)

    return route


def test_one_failed_batch_fails_the_call() -> None:
    texts = [f"text {i}" for i in range(40)]
    texts[25] = "poison"
    with DashScopeServer(routes={PATH: _failing_on("poison")}) as server:
        with pytest.raises(QwenInvalidRequestError, match="Cannot embed poison"):
            _embedder(server, max_retries=0).embed_documents(texts)


async def test_one_failed_batch_fails_the_async_call() -> None:
    texts = [f"text {i}" for i in range(40)]
    texts[5] = "poison"
    async with DashScopeServer(routes={PATH: _failing_on("poison")}) as server:
        with pytest.raises(QwenInvalidRequestError, match="Cannot embed poison"):
            await _embedder(server, max_retries=0).aembed_documents(texts)


def test_hints_speak_of_embeddings() -> None:
    # A 404 points at the embedding catalogue, and an input over the limit says
    # to split the text (not to trim chat messages).
    missing = error_reply(
        404, "model_not_found", "The model `text-embedding-v9` does not exist."
    )
    with DashScopeServer(routes={PATH: lambda _: missing}) as server:
        with pytest.raises(QwenModelNotFoundError) as info:
            _embedder(server, max_retries=0).embed_query("hi")
    assert "list_embedding_models()" in (info.value.hint or "")
    assert "langchain_qwen.list_models" not in (info.value.hint or "")
    too_long = error_reply(
        400, "InvalidParameter", "Range of input length should be [1, 8192]"
    )
    with DashScopeServer(routes={PATH: lambda _: too_long}) as server:
        with pytest.raises(QwenContextOverflowError) as overflow:
            _embedder(server, max_retries=0).embed_query("hi")
    assert "split long texts" in (overflow.value.hint or "")
    assert "trim_messages" not in (overflow.value.hint or "")
