"""Replacing or patching a ChatQwen's SDK clients works as it does for ChatOpenAI.

langchain-openai's own unit tests (and many users' tests) replace `llm.client`
with a mock (`patch.object(llm, "client", mock_client)`); the calls must reach
the mock, never the network (sockets are disabled here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

import openai
import pytest

from langchain_qwen import ChatQwen
from langchain_qwen._chat import sdk_path

COMPLETION = {
    "id": "chatcmpl-mock",
    "object": "chat.completion",
    "created": 1,
    "model": "qwen-plus",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "from the mock"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6},
}


def _chunks() -> list[dict[str, Any]]:
    base = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 1}
    texts = ["from ", "the ", "mock"]
    out = [
        {
            **base,
            "model": "qwen-plus",
            "choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}],
        }
        for t in texts
    ]
    out.append(
        {
            **base,
            "model": "qwen-plus",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }
    )
    return out


class _SyncStream:
    def __enter__(self) -> Iterator[dict[str, Any]]:
        return iter(_chunks())

    def __exit__(self, *args: object) -> None:
        return None


class _AsyncStream:
    async def __aenter__(self) -> AsyncIterator[dict[str, Any]]:
        async def gen() -> AsyncIterator[dict[str, Any]]:
            for chunk in _chunks():
                yield chunk

        return gen()

    async def __aexit__(self, *args: object) -> None:
        return None


def _model() -> ChatQwen:
    return ChatQwen(model="qwen-plus", api_key="sk-mock", max_retries=0)


def _raw(**kw: Any) -> Any:
    # langchain-openai reads non-streamed answers through `with_raw_response`.
    return SimpleNamespace(parse=lambda: COMPLETION, headers={}, http_response=None)


def _sync_mock() -> MagicMock:
    mock = MagicMock()
    mock.create.side_effect = lambda **kw: _SyncStream()
    mock.with_raw_response.create.side_effect = _raw
    return mock


def _async_mock() -> MagicMock:
    mock = MagicMock()

    async def create(**kw: Any) -> Any:
        return _AsyncStream()

    async def raw(**kw: Any) -> Any:
        return _raw()

    mock.create = AsyncMock(side_effect=create)
    mock.with_raw_response.create = AsyncMock(side_effect=raw)
    return mock


def test_a_replaced_client_serves_invoke_and_stream() -> None:
    llm = _model()
    mock = _sync_mock()
    with patch.object(llm, "client", mock):
        assert llm.invoke("hi").content == "from the mock"
        assert "".join(str(c.content) for c in llm.stream("hi")) == "from the mock"
    assert mock.with_raw_response.create.call_count == 1
    assert mock.create.call_count == 1
    body = mock.with_raw_response.create.call_args.kwargs
    assert body["model"] == "qwen-plus"
    assert body["messages"] == [{"role": "user", "content": "hi"}]


async def test_a_replaced_async_client_serves_ainvoke_and_astream() -> None:
    llm = _model()
    mock = _async_mock()
    with patch.object(llm, "async_client", mock):
        assert (await llm.ainvoke("hi")).content == "from the mock"
        text = "".join([str(c.content) async for c in llm.astream("hi")])
    assert text == "from the mock"
    assert mock.with_raw_response.create.await_count == 1
    assert mock.create.await_count == 1


def test_patching_create_on_the_client_is_seen() -> None:
    llm = _model()
    with patch.object(llm.client, "create", return_value=_SyncStream()) as create:
        assert "".join(str(c.content) for c in llm.stream("hi")) == "from the mock"
    create.assert_called_once()
    # Restored: no instance attribute is left behind.
    assert not sdk_path.watched(llm, sync=True)


def test_a_replaced_root_client_is_not_bypassed() -> None:
    llm = _model()
    root = MagicMock(spec=openai.OpenAI)
    completions = _sync_mock()
    with (
        patch.object(llm, "root_client", root),
        patch.object(llm, "client", completions),
    ):
        assert llm.invoke("hi").content == "from the mock"
    completions.with_raw_response.create.assert_called_once()


def test_replacing_chat_on_the_root_client_is_seen() -> None:
    llm = _model()
    fake = SimpleNamespace(completions=SimpleNamespace(create=None))
    with patch.object(llm.root_client, "chat", fake):
        assert sdk_path.watched(llm, sync=True)
    assert not sdk_path.watched(llm, sync=True)


def test_an_untouched_model_is_not_watched() -> None:
    llm = _model()
    assert not sdk_path.watched(llm, sync=True)
    assert not sdk_path.watched(llm, sync=False)
    _ = llm.client.create  # building the SDK's resource is not patching it
    assert not sdk_path.watched(llm, sync=True)


def test_a_copy_with_another_client_is_watched() -> None:
    llm = _model()
    copy = llm.model_copy(update={"client": _sync_mock()})
    assert sdk_path.watched(copy, sync=True)
    assert not sdk_path.watched(llm, sync=True)


@pytest.mark.parametrize(
    ("func", "own"),
    [
        (openai.resources.chat.completions.Completions.create, True),
        (openai.resources.chat.completions.AsyncCompletions.create, True),
        (lambda *a: None, False),
        (MagicMock(), False),
        (None, False),
    ],
    ids=["sync create", "async create", "a lambda", "a mock", "missing"],
)
def test_what_counts_as_the_sdk_own_create(func: Any, own: bool) -> None:
    assert sdk_path._is_sdk_function(func) is own
