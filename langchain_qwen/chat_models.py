"""Qwen chat models on Alibaba Cloud Model Studio (DashScope)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, cast

import openai
from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import LangSmithParams, LanguageModelInput
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import InputTokenDetails, UsageMetadata
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai.chat_models.base import BaseChatOpenAI
from pydantic import ConfigDict, Field, ModelWrapValidatorHandler, model_validator
from typing_extensions import Self

from langchain_qwen import _clients, catalog
from langchain_qwen._stream_guard import (
    aguard_stream,
    context_for,
    guard_stream,
    translating,
)
from langchain_qwen._version import __version__
from langchain_qwen.payload import DASHSCOPE_BODY_FIELDS, move_dashscope_fields
from langchain_qwen.regions import (
    DEFAULT_REGION,
    REGIONS,
    HostInfo,
    host_info,
    resolve_endpoint,
)

PROVIDER = "qwen"
# Placeholder key for endpoints that need none (self-hosted vLLM, a local proxy):
# the parent would otherwise fall back to OPENAI_API_KEY and send it there.
_NO_KEY = "EMPTY"
# Host kinds whose model sets are the catalogue's; plan hosts have their own.
_CATALOGUE_HOSTS = frozenset({"shared", "workspace", "trial"})


def _pop_first(values: dict[str, Any], *names: str) -> Any:
    """Pop every name from `values`; return the first one that was not `None`."""
    found = None
    for name in names:
        value = values.pop(name, None)
        if found is None:
            found = value
    return found


def _field(obj: Any, name: str) -> Any:
    """Read a field from a dict or an `openai` SDK object (extras included)."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _with_cache_creation(
    usage_metadata: UsageMetadata | None, usage: Any
) -> UsageMetadata | None:
    """Add DashScope's explicit-cache write count, which OpenAI names differently.

    DashScope reports `prompt_tokens_details.cache_creation_input_tokens`; the
    parent only reads OpenAI's `cache_write_tokens`.
    """
    created = _field(
        _field(usage, "prompt_tokens_details"), "cache_creation_input_tokens"
    )
    if usage_metadata is None or not isinstance(created, int):
        return usage_metadata
    details = usage_metadata.get("input_token_details") or {}
    if "cache_creation" in details:
        return usage_metadata
    updated = dict(usage_metadata)
    updated["input_token_details"] = cast(
        "InputTokenDetails", {**details, "cache_creation": created}
    )
    return cast("UsageMetadata", updated)


class ChatQwen(BaseChatOpenAI):
    r"""Qwen chat models on Alibaba Cloud Model Studio (DashScope).

    Talks to DashScope's OpenAI-compatible Chat Completions endpoint, with the
    region's endpoint and default model chosen for you, model names checked
    against a per-region catalogue, reasoning surfaced, and token usage
    (reasoning and cached tokens included) in both invoke and stream.

    Setup:
        Install `langchain-qwen` and set `DASHSCOPE_API_KEY` to a Model Studio key.
        Keys belong to one region: set `DASHSCOPE_REGION` (or pass `region=`)
        when the key is not from Singapore, the default.

        ```bash
        pip install -U langchain-qwen
        export DASHSCOPE_API_KEY="sk-..."
        export DASHSCOPE_REGION="singapore"  # or us, beijing, hongkong, ...
        ```

    Key init args — completion params:
        model:
            Model name, e.g. `"qwen-plus"`, `"qwen3-max"`, `"qwq-plus"`, or a
            snapshot such as `"qwen-plus-2025-07-28"`. Defaults to the region's
            default (`qwen-plus`, or `qwen-plus-us` in `us`).
        temperature:
            Sampling temperature, in `[0, 2)`.
        max_tokens:
            Maximum number of tokens to generate.
        stream_usage:
            Whether streamed output carries token usage. On by default.

    Key init args — client params:
        region:
            `singapore` (default), `us`, `beijing`, `hongkong`, `frankfurt` or
            `tokyo`, or an alias such as `intl`, `cn`, `hk`, `eu-central-1`.
            Read from `DASHSCOPE_REGION` if not given.
        workspace_id:
            Use the region's workspace-dedicated domain
            (`https://{workspace_id}.{region-id}.maas.aliyuncs.com`). Required for
            `frankfurt` and `tokyo`. Read from `DASHSCOPE_WORKSPACE_ID`.
        api_key:
            Model Studio API key. Read from `DASHSCOPE_API_KEY` if not given;
            `OPENAI_API_KEY` is never read.
        base_url:
            Override the endpoint, e.g. a self-hosted vLLM server. Read from
            `DASHSCOPE_BASE_URL`, then `DASHSCOPE_API_BASE`. A DashScope host
            implies its region. `DASHSCOPE_API_KEY` from the environment is only
            sent to a DashScope host, or to a base URL that also came from the
            environment; pass `api_key=` explicitly for any other server.
        validate_model:
            Check the model name against the catalogue (default `True`). Pass
            `False` for a model newer than the catalogue.
        timeout, max_retries, http_client, http_async_client, default_headers:
            As in `ChatOpenAI`.

    Instantiate:
        ```python
        from langchain_qwen import ChatQwen

        model = ChatQwen(model="qwen-plus", temperature=0.7)
        model = ChatQwen(region="beijing")  # China (Beijing) key and endpoint
        model = ChatQwen(region="frankfurt", workspace_id="ws-1a2b3c4d")
        model = ChatQwen(base_url="http://localhost:8000/v1", model="Qwen/Qwen3-8B")
        ```

    Invoke:
        ```python
        messages = [
            ("system", "You are a helpful translator. Translate to French."),
            ("human", "I love programming."),
        ]
        model.invoke(messages)
        ```
        ```python
        AIMessage(
            content="J'adore la programmation.",
            response_metadata={
                "model_name": "qwen-plus",
                "finish_reason": "stop",
                "model_provider": "qwen",
                ...
            },
            usage_metadata={"input_tokens": 27, "output_tokens": 7, "total_tokens": 34},
        )
        ```

    Stream:
        ```python
        for chunk in model.stream(messages):
            print(chunk.text, end="")
        ```

    Async:
        ```python
        await model.ainvoke(messages)
        async for chunk in model.astream(messages):
            ...
        await model.abatch([messages])
        ```

    Reasoning:
        Thinking models return their reasoning in
        `additional_kwargs["reasoning_content"]` (invoke and every stream chunk);
        `content_blocks` then starts with a `reasoning` block, and `content`
        holds only the answer.

        ```python
        model = ChatQwen(model="qwq-plus")
        msg = model.invoke("What is 17 * 23?")
        msg.additional_kwargs["reasoning_content"]
        msg.content_blocks[0]["type"]  # "reasoning"
        ```

    Tool calling:
        ```python
        from pydantic import BaseModel, Field


        class GetWeather(BaseModel):
            '''Get the current weather in a given location.'''

            location: str = Field(..., description="City, e.g. Hangzhou")


        model_with_tools = model.bind_tools([GetWeather])
        ai_msg = model_with_tools.invoke("What is the weather in Hangzhou?")
        ai_msg.tool_calls
        ```

    Structured output:
        ```python
        class Joke(BaseModel):
            '''Joke to tell user.'''

            setup: str
            punchline: str


        structured_model = model.with_structured_output(Joke)
        structured_model.invoke("Tell me a joke about cats")
        ```

    Token usage:
        ```python
        ai_msg = model.invoke(messages)
        ai_msg.usage_metadata
        ```
        ```python
        {
            "input_tokens": 18,
            "output_tokens": 1064,
            "total_tokens": 1082,
            "input_token_details": {"cache_read": 0},
            "output_token_details": {"reasoning": 0},
        }
        ```

    Response metadata:
        ```python
        ai_msg.response_metadata
        ```
        ```python
        {
            "model_name": "qwen3-max",
            "finish_reason": "stop",
            "id": "chatcmpl-2655c1fe-749c-96df-b204-e413daa7caee",
            "model_provider": "qwen",
            ...
        }
        ```

    Model profile:
        ```python
        model.profile["max_input_tokens"]
        ```

    Errors:
        Failed calls raise the `openai` class you would catch for `ChatOpenAI`,
        which is also a `langchain_qwen.QwenError` with DashScope's `code`,
        `request_id` and a `hint` naming the fix. Throttling and server faults
        are retried (`max_retries`); quota and billing errors never are. A stream
        cut short raises `StreamInterruptedError` instead of ending quietly.

        ```python
        from langchain_qwen import QuotaExceededError, ThrottlingError

        try:
            model.invoke(messages)
        except ThrottlingError as e:  # also openai.RateLimitError
            print(e.code, e.request_id, e.hint)
        ```
    """

    model_name: str = Field(
        default=REGIONS[DEFAULT_REGION].default_model, alias="model"
    )
    """Model name. Defaults to the region's default model."""

    region: str | None = None
    """Canonical region name after resolution; `None` for a non-DashScope host."""

    workspace_id: str | None = None
    """Workspace id selecting the region's workspace-dedicated domain."""

    validate_model: bool = True
    """Check model names against the catalogue (construction and per call)."""

    enable_thinking: bool | None = None
    """Turn a hybrid model's thinking on or off (DashScope's `enable_thinking`)."""

    thinking_budget: int | None = None
    """Maximum number of thinking tokens."""

    preserve_thinking: bool | None = None
    """Send earlier turns' reasoning back to models that read it."""

    enable_search: bool | None = None
    """Let the model search the web."""

    search_options: dict[str, Any] | None = None
    """Web search strategy, e.g. `{"forced_search": True, "search_strategy": "max"}`."""

    top_k: int | None = None
    """Sample from the `top_k` most likely tokens."""

    repetition_penalty: float | None = None
    """Penalty for repetition; 1.0 means none."""

    vl_high_resolution_images: bool | None = None
    """Raise the image pixel cap of vision models."""

    translation_options: dict[str, Any] | None = None
    """Qwen-MT options, e.g. `{"source_lang": "auto", "target_lang": "English"}`."""

    enable_code_interpreter: bool | None = None
    """Let the model run code (only some thinking models)."""

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _resolve_dashscope_settings(cls, values: Any) -> Any:
        """Resolve region, endpoint, key and model into the parent's fields.

        Runs before the parent's own `validate_environment`, which then builds the
        clients as usual (cached httpx clients, proxies and socket options kept).
        The parent is always handed an explicit base URL and key, so it never
        falls back to `OPENAI_API_BASE`, `OPENAI_API_KEY` or a gateway.
        """
        if not isinstance(values, dict):
            return values
        values = dict(values)
        env = os.environ
        base_url = _pop_first(values, "base_url", "openai_api_base")
        endpoint = resolve_endpoint(
            base_url=base_url,
            region=values.get("region"),
            workspace_id=values.get("workspace_id"),
            env=env,
        )
        values["openai_api_base"] = endpoint.base_url
        values["region"] = endpoint.region

        key = _pop_first(values, "api_key", "openai_api_key")
        # The env key goes to DashScope, or to a server the env also names; an
        # explicit base_url to some other server does not get it unasked.
        if key is None and (endpoint.is_dashscope or base_url is None):
            key = env.get("DASHSCOPE_API_KEY") or None
        if key is None:
            if endpoint.is_dashscope:
                msg = (
                    "No DashScope API key: pass api_key=... or set DASHSCOPE_API_KEY "
                    f"to a Model Studio key issued in region {endpoint.region!r} "
                    f"(endpoint {endpoint.base_url}). OPENAI_API_KEY is never used."
                )
                raise ValueError(msg)
            key = _NO_KEY
        values["openai_api_key"] = key

        model = _pop_first(values, "model", "model_name")
        if model is None:
            model = REGIONS[endpoint.region or DEFAULT_REGION].default_model
        values["model_name"] = model
        if values.get("validate_model", True) and endpoint.kind in _CATALOGUE_HOSTS:
            catalog.check_model(model, cast("str", endpoint.region))

        if values.get("stream_usage") is None:
            values["stream_usage"] = True
        return values

    @model_validator(mode="after")
    def _set_qwen_version(self) -> Self:
        """Record the package version (named uniquely so the parent's still runs)."""
        self._add_version("langchain-qwen", __version__)
        return self

    @model_validator(mode="after")
    def _drop_openai_identity(self) -> Self:
        """Keep OpenAI account ids from the environment out of DashScope requests.

        The parent and the SDK read `OPENAI_ORG_ID`/`OPENAI_ORGANIZATION` and
        `OPENAI_PROJECT_ID` and send them as headers; they mean nothing to
        DashScope and would tell it about the user's OpenAI account. An
        organization passed explicitly is kept.
        """
        env_orgs = {os.getenv("OPENAI_ORG_ID"), os.getenv("OPENAI_ORGANIZATION")}
        if self.openai_organization in env_orgs - {None}:
            self.openai_organization = None
            for client in (self.root_client, self.root_async_client):
                if client is not None:
                    client.organization = None
        for client in (self.root_client, self.root_async_client):
            if client is not None and client.project == os.getenv("OPENAI_PROJECT_ID"):
                client.project = None
        return self

    @model_validator(mode="wrap")
    @classmethod
    def _install_dashscope_clients(
        cls, values: Any, handler: ModelWrapValidatorHandler[Self]
    ) -> Self:
        """Teach the SDK clients the parent builds DashScope's retry and stream rules.

        Quota and billing errors are never retried (even as 429), and a stream
        whose body ends without `data: [DONE]` raises; see `_clients`. A wrap
        validator, because only the input tells clients the user passed in
        (theirs, left alone) from those the parent's validator built.
        """
        given = set(values) if isinstance(values, Mapping) else set()
        model = handler(values)
        sync_client = model.root_client
        async_client = model.root_async_client
        _clients.install(
            None if given & {"client", "root_client"} else sync_client,
            None if given & {"async_client", "root_async_client"} else async_client,
        )
        return model

    # Errors are translated in one place (`errors.translate`), and streams are
    # checked for DashScope's final chunk, around each of the parent's calls.
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with translating(context_for(self, kwargs.get("model"))):
            return super()._generate(
                messages, stop=stop, run_manager=run_manager, **kwargs
            )

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with translating(context_for(self, kwargs.get("model"))):
            return await super()._agenerate(
                messages, stop=stop, run_manager=run_manager, **kwargs
            )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        chunks = super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs)
        return guard_stream(chunks, context_for(self, kwargs.get("model")))

    def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        chunks = super()._astream(
            messages, stop=stop, run_manager=run_manager, **kwargs
        )
        return aguard_stream(chunks, context_for(self, kwargs.get("model")))

    @property
    def _llm_type(self) -> str:
        return "chat-qwen"

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Map the key field to its environment variable."""
        return {"openai_api_key": "DASHSCOPE_API_KEY"}

    @property
    def host(self) -> HostInfo | None:
        """The DashScope region and host kind of the endpoint, if it is one."""
        return host_info(self.openai_api_base or "")

    def _checks_catalogue(self) -> bool:
        host = self.host
        return (
            self.validate_model and host is not None and host.kind in _CATALOGUE_HOSTS
        )

    def _resolve_model_profile(self) -> ModelProfile | None:
        info = catalog.lookup(self.model_name)
        return cast("ModelProfile", catalog.model_profile(info)) if info else None

    @property
    def _default_params(self) -> dict[str, Any]:
        params = super()._default_params
        # model_kwargs keep their say: the parent puts them last.
        fields = {
            name: value
            for name in DASHSCOPE_BODY_FIELDS
            if (value := getattr(self, name, None)) is not None
            and name not in self.model_kwargs
        }
        return {**params, **fields} if fields else params

    def _use_responses_api(self, payload: dict) -> bool:
        # DashScope's compatible mode is Chat Completions; never route elsewhere.
        return False

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = PROVIDER
        return params

    def _get_request_payload(
        self,
        input_: LanguageModelInput,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> dict:
        model = kwargs.get("model")
        if model is not None and model != self.model_name and self._checks_catalogue():
            catalog.check_model(model, cast("str", self.region))
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        return move_dashscope_fields(payload)

    def _create_chat_result(
        self,
        response: dict | openai.BaseModel,
        generation_info: dict | None = None,
    ) -> ChatResult:
        result = super()._create_chat_result(response, generation_info)
        choices = _field(response, "choices") or []
        usage = _field(response, "usage")
        for generation, choice in zip(result.generations, choices, strict=False):
            message = generation.message
            message.response_metadata["model_provider"] = PROVIDER
            reasoning = _field(_field(choice, "message"), "reasoning_content")
            if reasoning is not None:
                message.additional_kwargs["reasoning_content"] = reasoning
            if isinstance(message, AIMessage):
                message.usage_metadata = _with_cache_creation(
                    message.usage_metadata, usage
                )
        if result.llm_output is not None:
            result.llm_output["model_provider"] = PROVIDER
        return result

    def _convert_chunk_to_generation_chunk(
        self,
        chunk: dict,
        default_chunk_class: type,
        base_generation_info: dict | None,
    ) -> ChatGenerationChunk | None:
        generation_chunk = super()._convert_chunk_to_generation_chunk(
            chunk, default_chunk_class, base_generation_info
        )
        if generation_chunk is None:
            return None
        message = generation_chunk.message
        info = generation_chunk.generation_info
        if info and "finish_reason" in info and chunk.get("id"):
            # The non-streamed answer carries the response id; so does the
            # aggregate of a stream.
            info["id"] = chunk["id"]
        if isinstance(message, AIMessageChunk):
            message.response_metadata["model_provider"] = PROVIDER
            if choices := chunk.get("choices"):
                reasoning = (choices[0].get("delta") or {}).get("reasoning_content")
                if reasoning is not None:
                    message.additional_kwargs["reasoning_content"] = reasoning
            if usage := chunk.get("usage"):
                message.usage_metadata = _with_cache_creation(
                    message.usage_metadata, usage
                )
        return generation_chunk
