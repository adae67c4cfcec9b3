"""ChatQwen construction, resolution and the response hooks, without a network."""

from __future__ import annotations

import json
import warnings
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage
from pydantic import SecretStr, ValidationError

from langchain_qwen import ChatQwen, __version__
from tests.conftest import RECORDED

SG = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
BJ = "https://dashscope.aliyuncs.com/compatible-mode/v1"
US = "https://dashscope-us.aliyuncs.com/compatible-mode/v1"
KEY = "sk-dashscope-test-0123456789"


def _key(model: ChatQwen) -> str:
    key = model.openai_api_key
    assert isinstance(key, SecretStr)
    return key.get_secret_value()


# --- endpoint, region and default model ---------------------------------------


def test_defaults_to_singapore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHSCOPE_API_KEY", KEY)
    model = ChatQwen()
    assert (model.openai_api_base, model.region, model.model_name) == (
        SG,
        "singapore",
        "qwen-plus",
    )
    assert _key(model) == KEY
    assert str(model.root_client.base_url).rstrip("/") == SG


@pytest.mark.parametrize(
    ("region", "url", "default_model"),
    [
        ("beijing", BJ, "qwen-plus"),
        ("cn", BJ, "qwen-plus"),
        ("us", US, "qwen-plus-us"),
        (
            "hk",
            "https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1",
            "qwen-plus",
        ),
    ],
)
def test_region_argument(region: str, url: str, default_model: str) -> None:
    model = ChatQwen(region=region, api_key=KEY)
    assert model.openai_api_base == url
    assert model.model_name == default_model


def test_region_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHSCOPE_REGION", "virginia")
    model = ChatQwen(api_key=KEY)
    assert (model.region, model.openai_api_base, model.model_name) == (
        "us",
        US,
        "qwen-plus-us",
    )


def test_workspace_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHSCOPE_WORKSPACE_ID", "ws-abc")
    model = ChatQwen(region="frankfurt", api_key=KEY)
    assert model.openai_api_base == (
        "https://ws-abc.eu-central-1.maas.aliyuncs.com/compatible-mode/v1"
    )
    assert model.region == "frankfurt"
    model = ChatQwen(region="tokyo", workspace_id="ws-xyz", api_key=KEY)
    assert model.openai_api_base.startswith("https://ws-xyz.ap-northeast-1.maas.")


@pytest.mark.parametrize("region", ["frankfurt", "tokyo"])
def test_workspace_only_region_without_id(region: str) -> None:
    with pytest.raises(ValueError, match="workspace_id"):
        ChatQwen(region=region, api_key=KEY)


def test_unknown_region() -> None:
    with pytest.raises(ValueError, match="Unknown DashScope region 'paris'"):
        ChatQwen(region="paris", api_key=KEY)


def test_base_url_implies_region_and_default_model() -> None:
    model = ChatQwen(base_url=US, api_key=KEY)
    assert (model.region, model.model_name) == ("us", "qwen-plus-us")


def test_base_url_contradicting_region() -> None:
    with pytest.raises(ValueError, match="contradicts base_url"):
        ChatQwen(base_url=SG, region="beijing", api_key=KEY)


def test_base_url_env_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHSCOPE_API_BASE", BJ)
    assert ChatQwen(api_key=KEY).openai_api_base == BJ
    monkeypatch.setenv("DASHSCOPE_BASE_URL", US)
    assert ChatQwen(api_key=KEY).openai_api_base == US
    assert ChatQwen(api_key=KEY, base_url=SG).openai_api_base == SG


def test_openai_base_env_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_BASE", "https://api.openai.com/v1")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    model = ChatQwen(api_key=KEY)
    assert model.openai_api_base == SG
    assert str(model.root_client.base_url).rstrip("/") == SG
    assert str(model.root_async_client.base_url).rstrip("/") == SG


# --- keys -------------------------------------------------------------------


def test_missing_key_names_env_var_and_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-should-never-be-used")
    with pytest.raises(ValueError, match="DASHSCOPE_API_KEY") as err:
        ChatQwen(region="beijing")
    assert "'beijing'" in str(err.value)
    assert "sk-openai" not in str(err.value)


def test_openai_key_is_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-should-never-be-used")
    monkeypatch.setenv("DASHSCOPE_API_KEY", KEY)
    model = ChatQwen()
    assert _key(model) == KEY
    assert model.root_client.api_key == KEY
    assert model.root_async_client.api_key == KEY
    local = ChatQwen(base_url="http://localhost:8000/v1", model="Qwen/Qwen3-8B")
    assert local.root_client.api_key == "EMPTY"


def test_self_hosted_needs_no_key() -> None:
    model = ChatQwen(base_url="http://localhost:8000/v1", model="Qwen/Qwen3-8B")
    assert _key(model) == "EMPTY"
    assert model.region is None
    assert model.model_name == "Qwen/Qwen3-8B"


def test_env_key_not_sent_to_foreign_explicit_base_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DASHSCOPE_API_KEY", KEY)
    model = ChatQwen(base_url="http://some-other-server:8000/v1", model="m")
    assert _key(model) == "EMPTY"
    explicit = ChatQwen(base_url="http://proxy:8000/v1", model="m", api_key="sk-proxy")
    assert _key(explicit) == "sk-proxy"


def test_env_key_goes_with_env_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHSCOPE_API_KEY", KEY)
    monkeypatch.setenv("DASHSCOPE_BASE_URL", "http://proxy.internal:8080/v1")
    model = ChatQwen(model="qwen-plus")
    assert model.openai_api_base == "http://proxy.internal:8080/v1"
    assert _key(model) == KEY


def test_openai_api_key_alias_accepted() -> None:
    model = ChatQwen(openai_api_key=KEY)
    assert _key(model) == KEY


def test_callable_key_kept() -> None:
    model = ChatQwen(api_key=lambda: KEY)
    assert callable(model.openai_api_key)
    assert model.openai_api_key() == KEY


def test_key_never_in_repr_or_dump() -> None:
    model = ChatQwen(api_key=KEY)
    assert KEY not in repr(model)
    assert KEY not in str(model)
    assert KEY not in json.dumps(model.model_dump(), default=str)
    assert KEY not in str(model._get_ls_params())


@pytest.mark.parametrize(
    "bad",
    [{"model": "qwen-plsu"}, {"temperature": 2}, {"region": "singapur"}],
)
def test_key_never_in_validation_errors(bad: dict) -> None:
    # pydantic prints the input of a failed validation unless told not to (it
    # cuts long inputs, so a short key is the one that would show).
    key = "sk-7x9q"
    with pytest.raises(ValidationError) as caught:
        ChatQwen(api_key=key, **bad)
    assert key not in str(caught.value)
    assert key not in repr(caught.value)


# --- the parent's machinery ---------------------------------------------------


def test_stream_usage_on_by_default_and_false_honoured() -> None:
    assert ChatQwen(api_key=KEY).stream_usage is True
    assert ChatQwen(api_key=KEY)._should_stream_usage() is True
    off = ChatQwen(api_key=KEY, stream_usage=False)
    assert off.stream_usage is False
    assert off._should_stream_usage() is False


def test_stream_usage_stays_on_with_custom_client() -> None:
    with httpx.Client() as client:
        model = ChatQwen(api_key=KEY, http_client=client)
        assert model.stream_usage is True
        assert model.root_client._client is client


def test_cached_httpx_clients_are_shared() -> None:
    a = ChatQwen(api_key=KEY)
    b = ChatQwen(api_key=KEY, model="qwen-max")
    assert a.root_client._client is b.root_client._client
    assert a.root_async_client._client is b.root_async_client._client


def test_proxy_builds_proxied_client() -> None:
    model = ChatQwen(api_key=KEY, openai_proxy="http://127.0.0.1:3128")
    assert model.http_client is not None
    assert model.root_client._client is model.http_client


def test_parent_validation_still_runs() -> None:
    with pytest.raises(ValueError, match="n must be at least 1"):
        ChatQwen(api_key=KEY, n=0)


def test_unknown_kwargs_go_to_model_kwargs() -> None:
    with pytest.warns(UserWarning, match="foo_bar"):
        model = ChatQwen(api_key=KEY, foo_bar=1)
    assert model.model_kwargs == {"foo_bar": 1}


def test_version_metadata() -> None:
    versions = (ChatQwen(api_key=KEY).metadata or {}).get("lc_versions", {})
    assert versions["langchain-qwen"] == __version__
    assert "langchain-openai" in versions


def test_identity() -> None:
    model = ChatQwen(api_key=KEY, temperature=0.5, max_tokens=7)
    assert model._llm_type == "chat-qwen"
    assert model.lc_secrets == {"openai_api_key": "DASHSCOPE_API_KEY"}
    ls = model._get_ls_params()
    assert ls["ls_provider"] == "qwen"
    assert ls["ls_model_name"] == "qwen-plus"
    assert ls["ls_temperature"] == 0.5
    assert ls["ls_max_tokens"] == 7
    assert model._get_ls_params(model="qwen-max")["ls_model_name"] == "qwen-max"


def test_routes_to_responses_api_as_langchain_openai_does() -> None:
    # Issue 21: Responses-only settings go to DashScope's /responses (they
    # used to be sent to /chat/completions without a word).
    assert ChatQwen(api_key=KEY, reasoning={"effort": "low"})._use_responses_api({})
    plain = ChatQwen(api_key=KEY)
    assert plain._use_responses_api({}) is False
    assert plain._use_responses_api({"tools": [{"type": "web_search"}]})
    assert (
        ChatQwen(api_key=KEY, use_responses_api=False)._use_responses_api(
            {"reasoning": {"effort": "low"}}
        )
        is False
    )


# --- model validation -----------------------------------------------------------


def test_model_typo_suggests_close_matches() -> None:
    with pytest.raises(ValueError, match="qwen-plus") as err:
        ChatQwen(model="qwen-plsu", api_key=KEY)
    assert "validate_model=False" in str(err.value)


def test_model_not_in_region() -> None:
    with pytest.raises(ValueError, match="us") as err:
        ChatQwen(model="qwen-plus-us", region="beijing", api_key=KEY)
    assert "beijing" in str(err.value)


def test_snapshot_passes() -> None:
    assert ChatQwen(model="qwen-plus-2025-07-28", api_key=KEY).model_name == (
        "qwen-plus-2025-07-28"
    )


def test_validation_can_be_turned_off() -> None:
    model = ChatQwen(model="qwen9-hyper", api_key=KEY, validate_model=False)
    assert model.model_name == "qwen9-hyper"
    assert model.profile is None


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/v1",
        "https://token-plan.ap-southeast-1.maas.aliyuncs.com/compatible-mode/v1",
        "https://coding-intl.dashscope.aliyuncs.com/v1",
    ],
)
def test_no_validation_off_catalogue_hosts(url: str) -> None:
    assert ChatQwen(base_url=url, model="qwen9-hyper", api_key=KEY).model_name == (
        "qwen9-hyper"
    )


def test_per_call_model_is_validated() -> None:
    model = ChatQwen(api_key=KEY)
    payload = model._get_request_payload([HumanMessage("hi")], model="qwen-max")
    assert payload["model"] == "qwen-max"
    with pytest.raises(ValueError, match="qwen-max"):
        model._get_request_payload([HumanMessage("hi")], model="qwen-mxa")
    lenient = ChatQwen(api_key=KEY, validate_model=False)
    assert lenient._get_request_payload([HumanMessage("hi")], model="x")["model"] == "x"


def test_profile_from_catalogue() -> None:
    profile = ChatQwen(model="qwen-plus", api_key=KEY).profile
    assert profile is not None
    assert profile["tool_calling"] is True
    assert profile["max_input_tokens"] > 100_000
    thinker = ChatQwen(model="qwen3-next-80b-a3b-thinking", api_key=KEY)
    assert thinker.profile["reasoning_output"] is True  # type: ignore[index]
    assert thinker.profile["status"] == "active"  # type: ignore[index]


def test_model_not_mutated_by_calls() -> None:
    model = ChatQwen(api_key=KEY)
    before = model.model_dump()
    model._get_request_payload([HumanMessage("hi")], model="qwen-max", temperature=1)
    assert model.model_dump() == before


# --- response hooks, fed the recorded DashScope bodies ----------------------------


def _recorded_json(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / f"{name}.json").read_text())


def _recorded_chunks(name: str) -> list[dict[str, Any]]:
    lines = (RECORDED / f"{name}.chunks.txt").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_invoke_result_reasoning_usage_and_metadata() -> None:
    body = _recorded_json("alibaba-reasoning")
    model = ChatQwen(model="qwen3-max", api_key=KEY)
    result = model._create_chat_result(body)
    message = result.generations[0].message
    expected = body["choices"][0]["message"]
    assert message.content == expected["content"]
    assert (
        message.additional_kwargs["reasoning_content"] == expected["reasoning_content"]
    )
    assert expected["reasoning_content"] not in message.content
    assert message.response_metadata["model_provider"] == "qwen"
    assert result.llm_output is not None
    assert result.llm_output["model_provider"] == "qwen"
    usage = message.usage_metadata  # type: ignore[attr-defined]
    assert (
        usage["output_token_details"]["reasoning"]
        == (body["usage"]["completion_tokens_details"]["reasoning_tokens"])
    )
    assert (
        usage["input_token_details"]["cache_read"]
        == (body["usage"]["prompt_tokens_details"]["cached_tokens"])
    )
    blocks = message.content_blocks
    assert blocks[0]["type"] == "reasoning"
    assert blocks[0]["reasoning"] == expected["reasoning_content"]  # type: ignore[typeddict-item]
    assert blocks[-1] == {"type": "text", "text": expected["content"]}


def test_invoke_result_explicit_cache_write() -> None:
    body = _recorded_json("alibaba-text")
    body["usage"]["prompt_tokens_details"]["cache_creation_input_tokens"] = 1024
    body["usage"]["prompt_tokens_details"]["cached_tokens"] = 12
    message = ChatQwen(api_key=KEY)._create_chat_result(body).generations[0].message
    details = message.usage_metadata["input_token_details"]  # type: ignore[attr-defined]
    assert details == {"cache_read": 12, "cache_creation": 1024}


def test_stream_chunks_reasoning_usage_and_metadata() -> None:
    chunks = _recorded_chunks("alibaba-reasoning")
    model = ChatQwen(model="qwen3-max", api_key=KEY)
    out = [
        model._convert_chunk_to_generation_chunk(c, AIMessageChunk, {}) for c in chunks
    ]
    messages = [g.message for g in out if g is not None]
    total = messages[0]
    for m in messages[1:]:
        total = total + m
    reasoning = "".join(
        c["choices"][0]["delta"].get("reasoning_content") or ""
        for c in chunks
        if c["choices"]
    )
    text = "".join(
        c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]
    )
    assert reasoning
    assert text
    assert total.content == text
    assert total.additional_kwargs["reasoning_content"] == reasoning
    assert total.response_metadata["model_provider"] == "qwen"
    usage = chunks[-1]["usage"]
    assert (
        total.usage_metadata["output_token_details"]["reasoning"]
        == (  # type: ignore[index]
            usage["completion_tokens_details"]["reasoning_tokens"]
        )
    )
    assert total.usage_metadata["input_tokens"] == usage["prompt_tokens"]  # type: ignore[index]
    assert total.content_blocks[0]["type"] == "reasoning"
    assert sum(1 for m in messages if m.usage_metadata) == 1


def test_openai_account_ids_from_env_are_not_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-secret")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-secret")
    model = ChatQwen(api_key=KEY)
    for client in (model.root_client, model.root_async_client):
        headers = {k.lower(): v for k, v in client.default_headers.items()}
        assert "org-secret" not in str(headers)
        assert "proj-secret" not in str(headers)
    assert model.openai_organization is None
    explicit = ChatQwen(api_key=KEY, organization="org-mine")
    assert explicit.root_client.organization == "org-mine"


def test_stream_usage_chunk_carries_raw_usage() -> None:
    chunks = _recorded_chunks("alibaba-text")
    model = ChatQwen(model="qwen3-max", api_key=KEY)
    usage_chunk = model._convert_chunk_to_generation_chunk(
        chunks[-1], AIMessageChunk, {}
    )
    assert usage_chunk is not None
    assert usage_chunk.generation_info == {"token_usage": chunks[-1]["usage"]}
    middle = model._convert_chunk_to_generation_chunk(chunks[1], AIMessageChunk, {})
    assert middle is not None
    assert "token_usage" not in (middle.generation_info or {})


def test_max_completion_tokens_is_the_field_not_a_model_kwarg() -> None:
    # DashScope's name since April 2026: accepted as ChatOpenAI accepts it,
    # without the parent's "move it to model_kwargs" warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = ChatQwen(api_key=KEY, max_completion_tokens=100)
    assert model.max_tokens == 100
    assert model.model_kwargs == {}
    payload = model._get_request_payload("hi")
    assert payload["max_completion_tokens"] == 100
    assert "max_tokens" not in payload
