"""The behaviours langchain-community's ChatTongyi/DashScope tests and
langchain-qwq's suite check, as tests of ChatQwen, QwenEmbeddings, QwenRerank.

Facts from `libs/community/tests/{unit,integration}_tests/.../test_tongyi.py`,
`.../embeddings/test_dashscope.py`, `.../document_compressors/
test_dashscope_rerank.py` (langchain-ai/langchain) and langchain-qwq's
`tests/integration_tests/test_chat_models.py` (yigit353/langchain-qwq); the
tests are ours, over the loopback DashScope (real HTTP and SSE). The tally,
with the reason for each one that does not apply, is in `tests/PEER_TESTS.md`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.prompts import ChatPromptTemplate, HumanMessagePromptTemplate
from pydantic import BaseModel, SecretStr

from langchain_qwen import ChatQwen, QwenEmbeddings, QwenRerank
from langchain_qwen.testing import DashScopeServer, scripted_handler
from tests.integration_tests._standard import ONE_EVENT_LOOP

pytestmark = ONE_EVENT_LOOP
KEY = "sk-0123456789abcdef0123456789abcdef"


@pytest.fixture
def server() -> Iterator[DashScopeServer]:
    with DashScopeServer(handler=scripted_handler) as srv:
        yield srv


def _chat(server: DashScopeServer, **kwargs: Any) -> ChatQwen:
    return ChatQwen(
        **{"base_url": server.base_url, "api_key": KEY, "max_retries": 0, **kwargs}
    )


class GenerateUsername(BaseModel):
    """Get a username based on someone's name and hair color."""

    name: str
    hair_color: str


# --------------------------------------------------------------------------
# ChatTongyi, from langchain-community
# --------------------------------------------------------------------------


def test_the_key_under_either_name_is_a_masked_secret(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # ChatTongyi's tests used qwen-turbo, retired on 2026-10-10 (refused).
    for model in (
        ChatQwen(model_name="qwen-flash", api_key="xyz"),  # type: ignore[call-arg]
        ChatQwen(model="qwen-flash", dashscope_api_key="xyz"),  # type: ignore[call-arg]
    ):
        assert model.model_name == "qwen-flash"
        assert isinstance(model.openai_api_key, SecretStr)
        assert model.openai_api_key.get_secret_value() == "xyz"
        print(model.openai_api_key, end="")
        assert capsys.readouterr().out == "**********"
        assert "xyz" not in repr(model)


def test_default_model_and_a_named_one_answer(server: DashScopeServer) -> None:
    for model in (_chat(server), _chat(server, model="qwen-max")):
        answer = model.invoke([HumanMessage("Hello")])
        assert isinstance(answer, BaseMessage)
        assert isinstance(answer.content, str)
        assert answer.content
    assert [r.body["model"] for r in server.requests] == ["qwen-plus", "qwen-max"]


def test_a_history_is_sent_whole(server: DashScopeServer) -> None:
    history = [
        HumanMessage("Hello."),
        AIMessage("Hello!"),
        HumanMessage("How are you doing?"),
    ]
    answer = _chat(server).invoke(history)
    assert isinstance(answer.content, str)
    assert [m["role"] for m in server.requests[0].body["messages"]] == [
        "user",
        "assistant",
        "user",
    ]


def test_generate_answers_each_conversation(server: DashScopeServer) -> None:
    message = HumanMessage("Hi, how are you.")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # DashScope's null usage details sum quietly
        result = _chat(server).generate([[message], [message]])
    assert result.llm_output is not None
    assert result.llm_output["token_usage"]["total_tokens"] > 0
    assert isinstance(result, LLMResult)
    assert len(result.generations) == 2
    for generations in result.generations:
        (generation,) = generations
        assert isinstance(generation, ChatGeneration)
        assert generation.text == generation.message.content
        assert generation.text


class _Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens = 0

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens += 1


def test_streaming_true_reports_tokens_to_callbacks(server: DashScopeServer) -> None:
    handler = _Tokens()
    answer = _chat(server, streaming=True).invoke(
        [HumanMessage("Hello."), AIMessage("Hello!"), HumanMessage("Who are you?")],
        config={"callbacks": [handler]},
    )
    assert handler.tokens > 0
    assert isinstance(answer.content, str)
    assert server.requests[0].body["stream"] is True


def test_chattongyi_vision_content_is_understood(server: DashScopeServer) -> None:
    answer = _chat(server, model="qwen-vl-max").invoke(
        [
            HumanMessage(
                content=[
                    {"image": "https://example.com/run_details.png"},
                    {"text": "Summarize the image"},
                ]
            )
        ]
    )
    assert answer.content
    sent = server.requests[0].body["messages"][0]["content"]
    assert sent == [
        {
            "type": "image_url",
            "image_url": {"url": "https://example.com/run_details.png"},
        },
        {"type": "text", "text": "Summarize the image"},
    ]


def test_a_prompt_chain_with_tools_gets_tool_calls(server: DashScopeServer) -> None:
    prompt = ChatPromptTemplate(
        messages=[
            HumanMessagePromptTemplate.from_template(
                "Use the given tools to answer: {input}"
            )
        ]
    )
    chain = prompt | _chat(server, model="qwen3.7-plus").bind_tools(
        [GenerateUsername], tool_choice="required"
    )
    (answer,) = chain.batch([{"input": "Sally has green hair"}])
    assert isinstance(answer, AIMessage)
    # In `.tool_calls` (langchain-openai 1.x no longer copies them into
    # additional_kwargs, where ChatTongyi's test looked).
    (call,) = answer.tool_calls
    assert call["name"] == "GenerateUsername"


def test_tool_use_round_trip_invoke_and_stream(server: DashScopeServer) -> None:
    llm = _chat(server, model="qwen3.7-plus", temperature=0)
    forced = llm.bind_tools([GenerateUsername], tool_choice="GenerateUsername")
    history: list[Any] = [HumanMessage("Sally has green hair, her username?")]
    ai_msg = forced.invoke(history)
    assert isinstance(ai_msg, AIMessage)
    (call,) = ai_msg.tool_calls
    assert set(call["args"]) == {"name", "hair_color"}
    tool_msg = ToolMessage(
        "sally_green_hair", tool_call_id=call["id"], name=call["name"]
    )
    history += [ai_msg, tool_msg]
    free = llm.bind_tools([GenerateUsername])
    assert "sally_green_hair" in str(free.invoke(history).content)

    gathered: Any = None
    for chunk in forced.stream(history):
        gathered = chunk if gathered is None else gathered + chunk
    assert isinstance(gathered, AIMessageChunk)
    assert gathered.tool_calls


def test_a_hand_written_tool_call_history_is_answered(server: DashScopeServer) -> None:
    llm = _chat(server, model="qwen3.7-plus").bind_tools([GenerateUsername])
    output = llm.invoke(
        [
            HumanMessage("Sally has green hair, what would her username be?"),
            AIMessage(
                " ",
                tool_calls=[
                    {
                        "name": "GenerateUsername",
                        "args": {"name": "Sally", "hair_color": "green"},
                        "id": "foo",
                    }
                ],
            ),
            ToolMessage("sally_green_hair", tool_call_id="foo"),
        ]
    )
    assert isinstance(output, AIMessage)
    assert output.content
    assert not output.tool_calls
    assert not output.invalid_tool_calls


def test_partial_mode_prefix_is_sent(server: DashScopeServer) -> None:
    llm = _chat(server, model="qwen-plus")
    llm.invoke(
        [
            HumanMessage("Write a fib function."),
            AIMessage("def fib(n):\n", additional_kwargs={"partial": True}),
        ]
    )
    last = server.requests[0].body["messages"][-1]
    assert last == {"role": "assistant", "content": "def fib(n):\n", "partial": True}


# --------------------------------------------------------------------------
# langchain-qwq: a model that always thinks streams reasoning, then text
# --------------------------------------------------------------------------


async def test_qwq_streams_reasoning_then_text(server: DashScopeServer) -> None:
    model = _chat(server, model="qwq-plus")
    full: Any = None
    for chunk in model.stream("Hello"):
        assert isinstance(chunk, AIMessageChunk)
        full = chunk if full is None else full + chunk
    async_full: Any = None
    async for chunk in model.astream("Hello"):
        async_full = chunk if async_full is None else async_full + chunk
    for total in (full, async_full):
        assert isinstance(total, AIMessageChunk)
        assert total.content
        assert [b["type"] for b in total.content_blocks] == ["reasoning", "text"]


# --------------------------------------------------------------------------
# The community DashScope embeddings and reranker
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "dimensions"), [("text-embedding-v3", 1024), ("text-embedding-v4", 1024)]
)
def test_embeddings_dimensions_query_and_many_documents(
    server: DashScopeServer, model: str, dimensions: int
) -> None:
    embeddings = QwenEmbeddings(base_url=server.base_url, api_key=KEY, model=model)
    assert len(embeddings.embed_query("foo bar")) == dimensions
    documents = ["foo bar", "bar foo", "foo", *(f"foo{i}" for i in range(25))]
    vectors = embeddings.embed_documents(documents)
    assert len(vectors) == 28
    assert all(len(v) == dimensions for v in vectors)


def test_rerank_keeps_three_by_default_best_first(server: DashScopeServer) -> None:
    docs = [
        Document("Quantum computing is a frontier of computer science."),
        Document("Pretrained language models advanced text ranking."),
        Document(
            "Text ranking models order candidate texts by relevance in search engines."
        ),
        Document("random words for nothing"),
    ]
    reranker = QwenRerank(base_url=server.base_url, api_key=KEY)
    kept = reranker.compress_documents(
        query="ranking models in search engines", documents=docs
    )
    assert len(kept) == 3, "default top_n is 3"
    assert kept[0].page_content == docs[2].page_content
