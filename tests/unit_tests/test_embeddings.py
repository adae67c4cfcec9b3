"""QwenEmbeddings without a network: settings, catalogue checks, input checks."""

from __future__ import annotations

import pytest
from langchain_tests.unit_tests import EmbeddingsUnitTests

from langchain_qwen import QwenEmbeddings
from langchain_qwen._dashscope.service import min_tokens, surely_over


class TestQwenEmbeddingsStandard(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[QwenEmbeddings]:
        return QwenEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"model": "text-embedding-v4", "api_key": "sk-test"}

    @property
    def init_from_env_params(self) -> tuple[dict, dict, dict]:
        return (
            {"DASHSCOPE_API_KEY": "sk-env", "DASHSCOPE_REGION": "beijing"},
            {"model": "qwen3.7-text-embedding"},
            {
                "api_key": "sk-env",
                "region": "beijing",
                "base_url": "https://dashscope.aliyuncs.com/compatible-mode/v1",
            },
        )


def test_defaults_to_singapore_and_v4() -> None:
    e = QwenEmbeddings(api_key="sk-test")
    assert e.model == "text-embedding-v4"
    assert e.region == "singapore"
    assert e.base_url == "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"


def test_workspace_domain() -> None:
    e = QwenEmbeddings(api_key="sk-test", workspace_id="ws-1a2b")
    assert e.base_url == (
        "https://ws-1a2b.ap-southeast-1.maas.aliyuncs.com/compatible-mode/v1"
    )
    # The catalogue documents no embedding model in Frankfurt: said up front.
    with pytest.raises(ValueError, match="no embedding model for frankfurt"):
        QwenEmbeddings(api_key="sk-test", region="frankfurt", workspace_id="ws-1a2b")


def test_openai_key_is_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    with pytest.raises(ValueError, match="OPENAI_API_KEY is never used"):
        QwenEmbeddings()


def test_key_stays_out_of_repr_and_errors() -> None:
    e = QwenEmbeddings(api_key="sk-secret-123")
    assert "sk-secret-123" not in repr(e)
    with pytest.raises(ValueError) as info:
        QwenEmbeddings(api_key="sk-secret-123", dimensions=100)
    assert "sk-secret-123" not in str(info.value)


@pytest.mark.parametrize(
    ("model", "good", "bad"),
    [
        ("text-embedding-v4", 2048, 4096),
        ("text-embedding-v4", 64, 100),
        ("text-embedding-v3", 512, 256),
    ],
)
def test_dimensions_checked_against_the_model(model: str, good: int, bad: int) -> None:
    assert QwenEmbeddings(api_key="k", model=model, dimensions=good).dimensions == good
    with pytest.raises(
        ValueError, match=f"does not take dimensions={bad}: pick one of"
    ):
        QwenEmbeddings(api_key="k", model=model, dimensions=bad)


def test_validate_model_false_sends_as_given() -> None:
    e = QwenEmbeddings(
        api_key="k", model="text-embedding-v3", dimensions=256, validate_model=False
    )
    assert e.dimensions == 256
    assert QwenEmbeddings(api_key="k", model="new-embedder", validate_model=False)


def test_unknown_model_gets_suggestions() -> None:
    with pytest.raises(ValueError, match="Did you mean 'text-embedding-v4'"):
        QwenEmbeddings(api_key="k", model="text-embeding-v4")


def test_model_not_in_region_names_the_regions() -> None:
    with pytest.raises(ValueError, match="offered in: beijing") as info:
        QwenEmbeddings(api_key="k", model="qwen3.7-text-embedding")
    assert "'text-embedding-v4'" in str(info.value)


def test_self_hosted_takes_any_name_but_known_rules_apply() -> None:
    e = QwenEmbeddings(
        base_url="http://localhost:8000/v1", model="Qwen/Qwen3-Embedding-8B"
    )
    assert e.region is None
    with pytest.raises(ValueError, match="does not take dimensions=100"):
        QwenEmbeddings(base_url="http://localhost:8000/v1", dimensions=100)


def test_batch_size_is_capped_by_the_model() -> None:
    assert QwenEmbeddings(api_key="k", batch_size=4)._max_batch == 4
    with pytest.raises(
        ValueError, match="more than text-embedding-v4 takes in one request \\(10\\)"
    ):
        QwenEmbeddings(api_key="k", batch_size=11)
    assert (
        QwenEmbeddings(api_key="k", model="text-embedding-v2", region="cn")._max_batch
        == 25
    )


@pytest.mark.parametrize("field", ["input", "model", "encoding_format", "dimensions"])
def test_model_kwargs_cannot_override_own_fields(field: str) -> None:
    with pytest.raises(ValueError, match=f"model_kwargs may not set {field}"):
        QwenEmbeddings(api_key="k", model_kwargs={field: "x"})


def test_max_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        QwenEmbeddings(api_key="k", max_concurrency=0)


def test_empty_list_sends_nothing() -> None:
    # Sockets are disabled here: a request would raise.
    assert QwenEmbeddings(api_key="k").embed_documents([]) == []


async def test_async_empty_list_sends_nothing() -> None:
    assert await QwenEmbeddings(api_key="k").aembed_documents([]) == []


def test_empty_text_refused_before_sending() -> None:
    e = QwenEmbeddings(api_key="k")
    with pytest.raises(ValueError, match="texts\\[1\\] is empty"):
        e.embed_documents(["fine", ""])
    with pytest.raises(ValueError, match="is empty"):
        e.embed_query("")


def test_non_string_refused() -> None:
    with pytest.raises(TypeError, match="texts\\[0\\] is a int"):
        QwenEmbeddings(api_key="k").embed_documents([3])  # type: ignore[list-item]


def test_certainly_over_long_text_refused_before_sending() -> None:
    e = QwenEmbeddings(api_key="k")
    text = "word " * 9000  # at least 9,000 tokens
    with pytest.raises(ValueError, match=r"longer than the 8192 tokens .* split it"):
        e.embed_documents(["short", text])


async def test_async_over_long_text_refused() -> None:
    with pytest.raises(ValueError, match="8192 tokens"):
        await QwenEmbeddings(api_key="k").aembed_query("1" * 9000)


def test_min_tokens_is_a_lower_bound() -> None:
    assert min_tokens("") == 0
    assert min_tokens("hello") == 1
    assert min_tokens("hello world") == 2
    assert min_tokens("2026") == 4  # digits are split one by one
    assert min_tokens("a, b.") == 4
    # A long unbroken run counts as one piece: the check stays conservative.
    assert min_tokens("x" * 20000) == 1
    assert not surely_over("x" * 20000, 8192)
    assert not surely_over("word " * 100, 8192)  # short texts skip the count
    assert surely_over("word " * 9000, 8192)
