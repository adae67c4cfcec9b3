"""The machinery under ChatQwen's fields: validators, routing, request and reply hooks.

`ChatQwen` (in `chat_models`) keeps its fields, its docstring and the public
methods; this base class holds how a call is carried out:

- construction: settings resolved before the parent's validator
  (`_chat.settings`), the SDK clients taught DashScope's retry and stream
  rules (`_dashscope.clients`), OpenAI identities dropped, settings checked;
- each call: the lean transport or the parent's SDK path (`_chat.transport`),
  errors translated and streams guarded (`_dashscope.stream_guard`), answers of
  streaming-only models streamed under the hood (`_chat.stream_only`);
- the request: the one pipeline (`_chat.pipeline`), or for DashScope's
  Responses API langchain-openai's payload under DashScope's rules
  (`_chat.responses`, `_chat.responses_reply`);
- the reply: provider, reasoning and cache usage added (`_chat.reply`).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from contextvars import ContextVar
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

import openai
from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import (
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai.chat_models.base import BaseChatOpenAI
from pydantic import (
    ConfigDict,
    ModelWrapValidatorHandler,
    PrivateAttr,
    field_validator,
    model_validator,
)
from typing_extensions import Self

from langchain_qwen._chat import audio as reply_audio
from langchain_qwen._chat import blocks, encrypted, pipeline, reply, sdk_path, tokens
from langchain_qwen._chat import media as multimodal
from langchain_qwen._chat import transport as _transport
from langchain_qwen._chat.payload import (
    DASHSCOPE_BODY_FIELDS,
    check_model_name,
    check_settings,
    check_stop,
    move_dashscope_fields,
    must_stream,
)
from langchain_qwen._chat.reply import PROVIDER
from langchain_qwen._chat.settings import resolve_settings
from langchain_qwen._dashscope.connection import CATALOGUE_HOSTS
from langchain_qwen._dashscope.stream_guard import (
    aguard_stream,
    context_for,
    guard_stream,
    translating,
)
from langchain_qwen._version import __version__
from langchain_qwen.catalogue import catalog, profiles
from langchain_qwen.regions import (
    HostInfo,
    host_info,
)

blocks.register(PROVIDER)
# Fields sent in the body when set (DashScope's own, then OpenAI's audio ones).
_BODY_FIELDS = frozenset((*DASHSCOPE_BODY_FIELDS, *reply_audio.AUDIO_FIELDS))


def _without_nulls(usage: dict) -> dict:
    return {
        key: _without_nulls(value) if isinstance(value, dict) else value
        for key, value in usage.items()
        if value is not None
    }


# The input fields that make a client the user's own (left alone), per client.
_USER_CLIENTS = {
    "root_client": frozenset({"client", "root_client"}),
    "root_async_client": frozenset({"async_client", "root_async_client"}),
}
# The input fields of a ChatQwen being validated (see `__setattr__`).
_BUILDING: ContextVar[frozenset[str] | None] = ContextVar(
    "langchain_qwen_building", default=None
)


def _responses_reply() -> Any:
    """The Responses API path (`_chat.responses_reply`), loaded on first use."""
    from langchain_qwen._chat import responses_reply  # noqa: PLC0415

    return responses_reply


class QwenChatBase(tokens.TokenCounting, BaseChatOpenAI):
    """ChatQwen's machinery; use `langchain_qwen.ChatQwen`."""

    if TYPE_CHECKING:
        # Fields declared (and documented) on ChatQwen.
        region: str | None
        validate_model: bool
        vl_high_resolution_images: bool | None

    # Never instantiated itself: its schema is not built (ChatQwen builds its own,
    # once, as before), which keeps the import as cheap as one class.
    model_config = ConfigDict(defer_build=True)

    # Tests only: True sends every call through the parent's SDK path, so
    # that the lean transport can be compared with it (`_chat.transport`).
    _typed_path: bool = PrivateAttr(default=False)
    # The clients it was built with: replaced ones take the SDK path (`sdk_path`).
    _sdk_clients: tuple[Any, ...] = PrivateAttr(default=(None, None, None, None))

    @model_validator(mode="before")
    @classmethod
    def _resolve_dashscope_settings(cls, values: Any) -> Any:
        """Resolve region, endpoint, key and model into the parent's fields.

        Runs before the parent's own `validate_environment`, which then builds the
        clients as usual (cached httpx clients, proxies and socket options kept).
        The parent is always handed an explicit base URL and key, so it never
        falls back to `OPENAI_API_BASE`, `OPENAI_API_KEY` or a gateway.
        """
        return resolve_settings(values)

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
        if self._responses_call(kwargs):
            chunks = _responses_reply().stream(
                self, messages, stop, run_manager, **kwargs
            )
        elif self._lean_client(kwargs, sync=True):
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
        if self._responses_call(kwargs):
            chunks = _responses_reply().astream(
                self, messages, stop, run_manager, **kwargs
            )
        elif self._lean_client(kwargs, sync=False):
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
            return super(QwenChatBase, self)._astream(
                messages, stop, run_manager, stream_usage=stream_usage, **kwargs
            )

        return _transport.astream(self, build, run_manager, parent)

    def _responses_call(self, kwargs: Mapping[str, Any]) -> bool:
        """Whether this call goes to DashScope's `/responses` (docs/responses.md).

        langchain-openai's own rule (`use_responses_api`, `output_version=
        "responses/v1"`, `reasoning`, `include`, `use_previous_response_id`,
        a bound built-in tool, ...), asked as `ChatOpenAI` asks it.
        """
        return self._use_responses_api({**self.model_kwargs, **kwargs})

    def _lean_client(self, kwargs: Mapping[str, Any], *, sync: bool) -> bool:
        """Whether the lean transport may serve this call (see `_chat.transport`).

        Checks what needs no payload; `_transport.use_lean` checks the rest.
        A `response_format` goes to the parent at once: it parses those with
        the SDK's helpers, and the payload is then built only once.
        """
        if "response_format" in kwargs or "response_format" in self.model_kwargs:
            return False
        return _transport.use_lean(self, {}, sync=sync)

    @field_validator("stop", mode="before")
    @classmethod
    def _check_stop(cls, value: Any) -> Any:
        check_stop(value)
        return value

    def _resolve_model_profile(self) -> ModelProfile | None:
        info = catalog.lookup(self.model_name)
        if info is None:
            # An unlisted name the check let through (it fits DashScope's ids).
            return (
                cast("ModelProfile", profiles.unknown_profile())
                if self._checks_catalogue()
                else None
            )
        return cast("ModelProfile", profiles.model_profile(info, self.region))

    def retrieve_response(self, response_id: str) -> AIMessage:
        """Read a response stored with `store=True` (Responses API), by its id.

        Args:
            response_id: The id (`resp_...` or a bare UUID), e.g. an earlier
                answer's `response_metadata["id"]`.

        Returns:
            The message, as `invoke` would have returned it.
        """
        return _responses_reply().retrieve(self, response_id)

    async def aretrieve_response(self, response_id: str) -> AIMessage:
        """Async `retrieve_response`.

        Args:
            response_id: The id (`resp_...` or a bare UUID).

        Returns:
            The message, as `ainvoke` would have returned it.
        """
        return await _responses_reply().aretrieve(self, response_id)

    @property
    def host(self) -> HostInfo | None:
        """The DashScope region and host kind of the endpoint, if it is one."""
        return host_info(self.openai_api_base or "")

    def _checks_catalogue(self) -> bool:
        host = self.host
        return self.validate_model and host is not None and host.kind in CATALOGUE_HOSTS

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

    @property
    def _default_params(self) -> dict[str, Any]:
        params = super()._default_params
        # Runs several times per call: look only at the DashScope fields that
        # were ever set (pydantic records assignments in the fields set too).
        values = self.__dict__
        fields = {
            name: value
            for name in self.__pydantic_fields_set__.intersection(_BODY_FIELDS)
            if (value := values.get(name)) is not None
        }
        if not fields:
            return params
        # model_kwargs keep their say: the parent puts them last.
        for name in self.model_kwargs:
            fields.pop(name, None)
        return {**params, **fields}

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
        if self._responses_call(kwargs):
            from langchain_qwen._chat import responses  # noqa: PLC0415

            return responses.build_payload(
                self, input_, stop, kwargs, super()._get_request_payload
            )
        if kwargs.pop("session_cache", None) or getattr(self, "session_cache", None):
            msg = (
                "session_cache is a Responses API option: pass "
                "use_responses_api=True (or drop session_cache)."
            )
            raise ValueError(msg)
        if kwargs.get("tools"):
            from langchain_qwen._chat import responses  # noqa: PLC0415

            responses.check_no_builtin_tools(kwargs["tools"])
        # `_generate`/`_stream` pass a message list; convert anything else once.
        messages = multimodal.standard_media_blocks(
            input_
            if isinstance(input_, list)
            and all(isinstance(m, BaseMessage) for m in input_)
            else self._convert_input(input_).to_messages()
        )
        payload = super()._get_request_payload(messages, stop=stop, **kwargs)
        info = self._rules_info(payload["model"])
        # The one request pipeline (the batch builder comes through here too).
        payload = pipeline.shape(
            payload,
            messages,
            info=info,
            dashscope=self._targets_dashscope(info),
            region=self.region,
            call=kwargs,
        )
        if info is not None:  # refuse what is certainly over the window, unsent
            tokens.check_fits(
                payload, model=payload["model"], context_window=info.context_window
            )
        return payload

    def _must_stream(
        self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any
    ) -> bool:
        if kwargs.get("model") is not None:
            check_model_name(kwargs["model"])  # before the catalogue reads it
        info = catalog.lookup(kwargs.get("model") or self.model_name)
        if (
            info is None or not (info.stream_only or info.thinking_requires_stream)
        ) and not (
            kwargs.get("modalities")
            or getattr(self, "modalities", None)
            or self.model_kwargs.get("modalities")
        ):
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
        if self._responses_call(kwargs):
            return _responses_reply().generate(self, messages, stop, **kwargs)
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
        spoken = reply_audio.AudioCollector()
        result = spoken.finish(generate_from_stream(spoken.watch(chunks)))
        return self._hidden_stream_result(result, **kwargs)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._responses_call(kwargs):
            return await _responses_reply().agenerate(self, messages, stop, **kwargs)
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
        spoken = reply_audio.AudioCollector()
        result = spoken.finish(await agenerate_from_stream(spoken.awatch(chunks)))
        return self._hidden_stream_result(result, **kwargs)

    def _combine_llm_outputs(self, llm_outputs: list[dict | None]) -> dict:
        # DashScope's usage details hold nulls (`"audio_tokens": null`), which the
        # parent's sum warns about for each answer: leave them out first.
        return super()._combine_llm_outputs(
            [
                {**out, "token_usage": _without_nulls(out["token_usage"])}
                if out and isinstance(out.get("token_usage"), dict)
                else out
                for out in llm_outputs
            ]
        )

    def _create_chat_result(
        self,
        response: dict | openai.BaseModel,
        generation_info: dict | None = None,
    ) -> ChatResult:
        result = super()._create_chat_result(response, generation_info)
        choices = reply.field(response, "choices") or []
        usage = reply.field(response, "usage")
        for generation, choice in zip(result.generations, choices, strict=False):
            message = generation.message
            message.response_metadata["model_provider"] = PROVIDER
            answer = reply.field(choice, "message")
            reasoning = reply.field(answer, "reasoning_content")
            # Omni sends `"reasoning_content": ""` with thinking off: no reasoning.
            if reasoning:
                message.additional_kwargs["reasoning_content"] = reasoning
            if (cipher := encrypted.reply_cipher(answer)) is not None:
                message.additional_kwargs[encrypted.ENCRYPTED_KEY] = cipher
            reply_audio.add_reply_audio(message)
            if isinstance(message, AIMessage):
                message.usage_metadata = reply.with_cache_creation(
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
                delta = choices[0].get("delta") or {}
                reasoning = delta.get("reasoning_content")
                if reasoning is not None:
                    message.additional_kwargs["reasoning_content"] = reasoning
                # Where DashScope puts the ciphertext in a stream is not
                # documented: any delta's is kept (and joined in order).
                if (cipher := encrypted.reply_cipher(delta)) is not None:
                    message.additional_kwargs[encrypted.ENCRYPTED_KEY] = cipher
                reply_audio.add_delta_audio(message, delta)
            if usage := chunk.get("usage"):
                message.usage_metadata = reply.with_cache_creation(
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
for _method in (QwenChatBase._generate, QwenChatBase._agenerate):
    setattr(_method, "__signature__", inspect.signature(_method))  # noqa: B010
del _method
