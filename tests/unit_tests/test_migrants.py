"""Arguments and content shapes users bring from ChatOpenAI, ChatTongyi,
OpenAIEmbeddings, DashScopeEmbeddings and DashScopeRerank.

Each is accepted with the same meaning or refused, before sending (sockets are
disabled here), with the replacement named.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_qwen import ChatQwen, QwenEmbeddings, QwenRerank
from langchain_qwen._dashscope.progress import Progress
from langchain_qwen.batch import QwenEmbeddingsBatchJob

KEY = "sk-0123456789abcdef0123456789abcdef"


# --------------------------------------------------------------------------
# dashscope_api_key
# --------------------------------------------------------------------------


def test_chat_takes_dashscope_api_key_as_the_key() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "moved to model_kwargs" warning
        model = ChatQwen(model="qwen-plus", dashscope_api_key=KEY)
    assert model.openai_api_key is not None
    assert model.openai_api_key.get_secret_value() == KEY
    assert "dashscope_api_key" not in model.model_kwargs
    assert model.root_client.api_key == KEY


@pytest.mark.parametrize("cls", [QwenEmbeddings, QwenRerank])
def test_services_take_dashscope_api_key(cls: Any) -> None:
    assert cls(dashscope_api_key=KEY).api_key.get_secret_value() == KEY


@pytest.mark.parametrize("cls", [QwenEmbeddings, QwenRerank, ChatQwen])
def test_every_class_refuses_two_keys(cls: Any) -> None:
    with pytest.raises(ValueError, match="Pass the key once"):
        cls(api_key=KEY, dashscope_api_key=KEY + "0")


def test_batch_job_takes_dashscope_api_key() -> None:
    job = QwenEmbeddingsBatchJob.resume("batch_1", count=1, dashscope_api_key=KEY)
    assert job.id == "batch_1"
    with pytest.raises(ValueError, match="Pass the key once"):
        QwenEmbeddingsBatchJob.resume(
            "batch_1", count=1, api_key=KEY, dashscope_api_key=KEY
        )


def test_an_openai_key_under_the_community_name_is_refused_too() -> None:
    with pytest.raises(ValueError, match="DASHSCOPE_API_KEY"):
        ChatQwen(model="qwen-plus", dashscope_api_key="sk-proj-abcdef")


# --------------------------------------------------------------------------
# ChatTongyi content shapes and non-string text
# --------------------------------------------------------------------------


def _sent(content: Any, model: str = "qwen3.6-plus") -> Any:
    llm = ChatQwen(model=model, api_key=KEY)
    return llm._get_request_payload([HumanMessage(content=content)])["messages"][0][
        "content"
    ]


def test_chattongyi_text_and_image_parts_are_converted() -> None:
    sent = _sent([{"text": "What is this?"}, {"image": "https://example.com/a.png"}])
    assert sent == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]


def test_chattongyi_video_parts_are_converted() -> None:
    frames = [f"https://example.com/{i}.jpg" for i in range(4)]
    assert _sent([{"video": frames}]) == [{"type": "video", "video": frames}]


def test_chattongyi_audio_part_is_refused_naming_the_shape() -> None:
    with pytest.raises(ValueError, match=r"input_audio.*format") as err:
        _sent([{"audio": "https://example.com/a.mp3"}], model="qwen3-omni-flash")
    assert "ChatTongyi's {'audio': ...} part" in str(err.value)


def test_a_part_without_a_type_is_refused() -> None:
    with pytest.raises(ValueError, match=r"content\[1\] is a part with no 'type'"):
        _sent([{"type": "text", "text": "hi"}, {"caption": "x"}])


@pytest.mark.parametrize("value", [123, None, ["a"], {"k": 1}])
def test_non_string_text_is_refused_before_sending(value: Any) -> None:
    llm = ChatQwen(model="qwen-plus", api_key=KEY, max_retries=0)
    with pytest.raises(TypeError, match=r"content\[0\] is a text part whose text"):
        llm.invoke([HumanMessage(content=[{"type": "text", "text": value}])])


def test_the_thinking_doc_example_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = ChatQwen(
            model="qwen-plus", api_key=KEY, extra_body={"enable_thinking": True}
        )
    assert model._get_request_payload("hi")["extra_body"] == {"enable_thinking": True}


# --------------------------------------------------------------------------
# OpenAIEmbeddings' and DashScopeRerank's arguments
# --------------------------------------------------------------------------


def test_chunk_size_is_batch_size() -> None:
    assert QwenEmbeddings(api_key=KEY, chunk_size=5).batch_size == 5


def test_a_chunk_size_over_the_model_limit_names_it() -> None:
    # OpenAIEmbeddings' default chunk_size is 1000; DashScope takes 10 a call.
    with pytest.raises(
        ValueError, match=r"batch_size \(chunk_size\)=1000 .* at most 10"
    ):
        QwenEmbeddings(api_key=KEY, chunk_size=1000)


def test_check_embedding_ctx_length_false_lets_long_texts_through() -> None:
    long = "word " * 9000
    strict = QwenEmbeddings(api_key=KEY)
    with pytest.raises(ValueError, match="8192 tokens"):
        strict._batches([long])
    loose = QwenEmbeddings(api_key=KEY, check_embedding_ctx_length=False)
    assert loose._batches([long]) == [[long]]


def test_the_plain_progress_bar() -> None:
    out = io.StringIO()
    bar = Progress(25, desc="Embedding", unit="text", stream=out, use_tqdm=False)
    bar.update(10)
    bar.update(15)
    bar.close()
    lines = out.getvalue().split("\r")
    assert lines[1] == "Embedding: [" + "." * 30 + "] 0/25 texts"
    assert lines[2] == "Embedding: [" + "#" * 12 + "." * 18 + "] 10/25 texts"
    assert lines[3] == "Embedding: [" + "#" * 30 + "] 25/25 texts\n"


def test_rerank_top_n_defaults_to_three_as_dashscope_rerank() -> None:
    assert QwenRerank(api_key=KEY).top_n == 3
    assert QwenRerank(api_key=KEY, return_documents=True).return_documents


@pytest.mark.parametrize("cls", [QwenEmbeddings, QwenRerank])
def test_openai_names_for_key_and_endpoint_are_ours(cls: Any) -> None:
    made = cls(openai_api_key=KEY, openai_api_base="http://127.0.0.1:8000/v1")
    assert made.api_key.get_secret_value() == KEY
    assert made.base_url.startswith("http://127.0.0.1:8000")


@pytest.mark.parametrize(
    ("name", "value", "names"),
    [
        ("embedding_ctx_length", 8191, "check_embedding_ctx_length=False"),
        ("tiktoken_model_name", "cl100k_base", "Qwen's own tokenizer"),
        ("client", object(), "http_client="),
        ("openai_proxy", "http://proxy:3128", "httpx.Client(proxy=...)"),
        ("skip_empty", True, "drop them first"),
        ("retry_min_seconds", 4, "max_retries="),
        ("deployment", "ada", "Azure OpenAI"),
        ("openai_organization", "org-1", "workspace_id="),
        ("text_type", "query", "embed_query and embed_documents"),
    ],
)
def test_arguments_without_an_equivalent_name_the_replacement(
    name: str, value: Any, names: str
) -> None:
    with pytest.raises(ValueError, match=f"does not take {name}") as err:
        QwenEmbeddings(api_key=KEY, **{name: value})
    assert names in str(err.value)


def test_dashscope_rerank_client_is_refused_with_the_replacement() -> None:
    with pytest.raises(ValueError, match="QwenRerank does not take client"):
        QwenRerank(api_key=KEY, client=object())


def test_a_tool_result_of_plain_dicts_is_data_not_parts() -> None:
    from langchain_core.messages import AIMessage, ToolMessage  # noqa: PLC0415

    llm = ChatQwen(model="qwen3.7-plus", api_key=KEY)
    sent = llm._get_request_payload(
        [
            HumanMessage("Weather?"),
            AIMessage("", tool_calls=[{"name": "w", "args": {}, "id": "c1"}]),
            ToolMessage([{"city": "Paris", "temp": 21}], tool_call_id="c1"),
        ]
    )["messages"]
    assert sent[2]["content"] == '[{"city": "Paris", "temp": 21}]'
