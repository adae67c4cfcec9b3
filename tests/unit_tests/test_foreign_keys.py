"""An OpenAI key never leaves for a DashScope host.

Every class resolves its connection in one place, so each is checked: the
error comes at construction (no request: sockets are disabled here), names
`DASHSCOPE_API_KEY`, and never prints the key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr

from langchain_qwen import ChatQwen, QwenEmbeddings, QwenRerank
from langchain_qwen._dashscope.keys import foreign_key
from langchain_qwen.batch import QwenEmbeddingsBatchJob

SECRET_TAIL = "Zq7Xw3Lr9Tb2Kc8Vn1Mp4Hs6"
OPENAI_KEYS = [f"{p}{SECRET_TAIL}" for p in ("sk-proj-", "sk-svcacct-", "sk-admin-")]
MAKERS: dict[str, Callable[..., Any]] = {
    "ChatQwen": lambda **kw: ChatQwen(model="qwen-plus", **kw),
    "QwenEmbeddings": QwenEmbeddings,
    "QwenRerank": QwenRerank,
    # Chat batch jobs use their ChatQwen's client: ChatQwen's row covers them.
    "QwenEmbeddingsBatchJob": lambda **kw: QwenEmbeddingsBatchJob.resume(
        "batch_1", count=1, **kw
    ),
}


@pytest.mark.parametrize("key", OPENAI_KEYS, ids=["project", "service", "admin"])
@pytest.mark.parametrize("name", list(MAKERS))
def test_an_openai_key_argument_is_refused(name: str, key: str) -> None:
    with pytest.raises(ValueError, match="DASHSCOPE_API_KEY") as err:
        MAKERS[name](api_key=key)
    text = str(err.value)
    assert SECRET_TAIL not in text
    assert "OpenAI key" in text
    assert "was not sent to https://dashscope-intl.aliyuncs.com" in text


@pytest.mark.parametrize("name", list(MAKERS))
def test_an_openai_key_in_dashscope_api_key_is_refused(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHSCOPE_API_KEY", OPENAI_KEYS[0])
    with pytest.raises(ValueError, match="The key in DASHSCOPE_API_KEY") as err:
        MAKERS[name](region="beijing")
    assert SECRET_TAIL not in str(err.value)


def test_a_secret_str_key_is_checked_too() -> None:
    with pytest.raises(ValueError, match="DASHSCOPE_API_KEY") as err:
        ChatQwen(model="qwen-plus", api_key=SecretStr(OPENAI_KEYS[1]))
    assert SECRET_TAIL not in str(err.value)


@pytest.mark.parametrize("name", list(MAKERS))
def test_a_self_hosted_server_gets_the_key_it_is_given(name: str) -> None:
    # Not a DashScope host: the user's own server and key (a gateway may
    # well take OpenAI-style keys). Constructing sends nothing.
    MAKERS[name](api_key=OPENAI_KEYS[0], base_url="http://127.0.0.1:8000/v1")


@pytest.mark.parametrize(
    "key",
    ["sk-0123456789abcdef0123456789abcdef", "sk-abc", "EMPTY", "sk-projection"],
)
def test_keys_that_may_be_model_studio_keys_pass(key: str) -> None:
    assert foreign_key(key) is None
    ChatQwen(model="qwen-plus", api_key=key)


def test_a_rejected_key_hint_mentions_other_providers_keys() -> None:
    # Keys that cannot be told apart (OpenAI's older plain sk- keys) reach
    # DashScope, which answers 401: the hint names the variable to use.
    from langchain_qwen._dashscope.hints import _auth_hint  # noqa: PLC0415
    from langchain_qwen.errors import ErrorContext  # noqa: PLC0415

    ctx = ErrorContext(
        base_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
        region="singapore",
        model="qwen-plus",
    )
    hint = _auth_hint(ctx, "invalid_api_key")
    assert "another provider's key" in hint
    assert "DASHSCOPE_API_KEY" in hint
