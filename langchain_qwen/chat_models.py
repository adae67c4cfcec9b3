"""Qwen chat models on Alibaba Cloud Model Studio (DashScope)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from langchain_core.language_models import LangSmithParams, LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import (
    ConfigDict,
    Field,
)

from langchain_qwen._chat.base import QwenChatBase
from langchain_qwen._chat.reply import PROVIDER
from langchain_qwen.regions import (
    DEFAULT_REGION,
    REGIONS,
)


class ChatQwen(QwenChatBase):
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

        With `thinking_display="summarized"` (qwen4-max), `reasoning_content`
        holds a summary and `additional_kwargs["encrypted_content"]` the full
        reasoning, encrypted (also in the reasoning block's `extras`). It goes
        back unchanged on its assistant message; a request that sends it back
        without `enable_thinking=True`, `preserve_thinking=True` and
        `thinking_display` raises before sending (docs/thinking.md).

    Speech output:
        Omni models that speak take `modalities=["text", "audio"]` and
        `audio={"voice": "Tina", "format": "wav"}` (fields, `bind` or per
        call). `invoke` streams under the hood and returns the transcript as
        `content` and `additional_kwargs["audio"]` (`id`, base64 16-bit PCM
        `data`, `expires_at`, `transcript`); see docs/audio-output.md.

        ```python
        import base64

        omni = ChatQwen(
            model="qwen3.5-omni-plus",
            modalities=["text", "audio"],
            audio={"voice": "Tina", "format": "wav"},
        )
        msg = omni.invoke("Say hello.")
        pcm = base64.b64decode(msg.additional_kwargs["audio"]["data"])  # mono, 24 kHz
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

    Responses API:
        `use_responses_api=True` (or any form langchain-openai accepts:
        `output_version="responses/v1"`, `reasoning=`, `include=`,
        `use_previous_response_id=True`, binding a built-in tool) sends calls
        to DashScope's `/responses`, for its built-in tools (`web_search`,
        `web_extractor`, `code_interpreter`, `web_search_image`,
        `image_search`, `file_search`, `mcp`), server-side conversations and
        the session cache (`session_cache=True`). Every output item is kept
        in `content`; `response_metadata["x_tools"]` counts billed tool
        calls. See docs/responses.md.

        ```python
        model = ChatQwen(model="qwen3.7-plus", use_responses_api=True)
        msg = model.bind_tools([{"type": "web_search"}]).invoke("Qwen news?")
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

    thinking_display: str | None = None
    """`"summarized"`: a reasoning summary, the full reasoning encrypted (qwen4-max)."""

    modalities: list[str] | None = None
    """Output modalities of Omni models: `["text"]` or `["text", "audio"]`."""

    audio: dict[str, Any] | None = None
    """Speech settings of Omni models, e.g. `{"voice": "Tina", "format": "wav"}`."""

    session_cache: bool | None = None
    """Responses API: send `x-dashscope-session-cache: enable` (docs/responses.md)."""

    # DashScope's name for it since April 2026, as `ChatOpenAI` accepts it too.
    max_tokens: int | None = Field(default=None, alias="max_completion_tokens")
    """The output cap (answer plus reasoning), sent as `max_completion_tokens`."""

    # Wider than the parent's type: DashScope also takes token ids.
    stop: str | list[str] | list[int] | list[list[int]] | None = Field(  # type: ignore[assignment]
        default=None, alias="stop_sequences"
    )

    # The input holds the key: a validation error must not print it.
    model_config = ConfigDict(
        populate_by_name=True, hide_input_in_errors=True, defer_build=False
    )

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

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = PROVIDER
        return params

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
        from langchain_qwen._chat import binding  # noqa: PLC0415 (loads the tool rules)

        return binding.bind_tools(
            self,
            tools,
            tool_choice=tool_choice,
            strict=strict,
            parallel_tool_calls=parallel_tool_calls,
            response_format=response_format,
            kwargs=kwargs,
            parent=super().bind_tools,
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
        from langchain_qwen._chat import binding  # noqa: PLC0415 (loads the rules)

        return binding.with_structured_output(
            self,
            schema,
            method=method,
            include_raw=include_raw,
            strict=strict,
            tools=tools,
            kwargs=kwargs,
            parent=super().with_structured_output,
        )
