"""Structured output on DashScope: the method, the response format, the JSON rules.

DashScope has three ways to get structured output
(alibabacloud.com/help/en/model-studio/qwen-structured-output): a forced tool call,
`response_format` `json_object` (which needs the word "JSON" in a system or user
message) and `json_schema` (only on some models). Neither JSON mode works while the
model thinks.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, Literal

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.outputs import Generation
from langchain_core.runnables import (
    Runnable,
    RunnableMap,
    RunnablePassthrough,
    RunnableSequence,
)
from langchain_core.utils.function_calling import (
    convert_to_openai_function,
    convert_to_openai_tool,
)

from langchain_qwen._chat.facts import VALID_NAME as _VALID_NAME
from langchain_qwen._chat.tools import (
    FREE_CHOICES,
    refuse_while_thinking,
    thinking_off_for,
)
from langchain_qwen.catalogue import catalog
from langchain_qwen.catalogue.catalog import ModelInfo

Method = Literal["function_calling", "json_mode", "json_schema"]

JSON_HINT = "Respond in JSON."
"""What is added to the prompt when JSON mode is on and no message says "JSON"."""

_RESPONSE_FORMATS = ("json_object", "json_schema")


def default_method(info: ModelInfo | None) -> Method:
    """The structured-output method to use when the caller names none.

    `json_schema` is DashScope's native schema-constrained output, so it is the
    first choice where the catalogue says the model has it. Elsewhere, and for
    models the catalogue does not know (self-hosted servers included),
    `function_calling` is used: it works on every model with tool support and
    is `BaseChatOpenAI`'s own default.

    Args:
        info: The model's catalogue entry, or `None`.

    Returns:
        `"json_schema"` or `"function_calling"`.
    """
    if info is not None and info.json_schema:
        return "json_schema"
    return "function_calling"


def check_method(
    method: str,
    *,
    model: str,
    info: ModelInfo | None,
    region: str | None = None,
) -> None:
    """Check that the model supports a structured-output method.

    Args:
        method: `"function_calling"`, `"json_mode"` or `"json_schema"`.
        model: The model name, for messages.
        info: The model's catalogue entry; `None` skips the check.
        region: The canonical region, to suggest models offered there.

    Raises:
        ValueError: If the catalogue says the model lacks the method.
    """
    if info is None:
        return
    capability = {
        "json_schema": "json_schema",
        "json_mode": "json_object",
        "function_calling": "tools",
    }.get(method)
    if capability is None or getattr(info, capability):
        return
    methods = [
        name
        for name, field in (
            ("function_calling", info.tools),
            ("json_mode", info.json_object),
            ("json_schema", info.json_schema),
        )
        if field
    ]
    instead = (
        f"Use method={' or '.join(repr(m) for m in methods)}, or a"
        if methods
        else "Use a"
    )
    others = catalog.models_with(capability, like=info, region=region)
    msg = (
        f"{model!r} does not support structured output with method={method!r}. "
        f"{instead} model that does, e.g. {', '.join(others)}. If the catalogue is "
        "out of date, pass validate_model=False."
    )
    raise ValueError(msg)


def check_bound_response_format(
    response_format: Any,
    *,
    model: str,
    info: ModelInfo | None,
    region: str | None = None,
) -> None:
    """Check a `response_format` given to `bind_tools` before anything is sent.

    `bind_tools(tools, response_format=Schema)` asks for DashScope's
    `json_schema` output; `langchain.agents.create_agent` binds it so for
    `ProviderStrategy`. On a model without it, the error names the agent's
    fix as well as the model's.

    Args:
        response_format: As given to `bind_tools`.
        model: The model name, for messages.
        info: The model's catalogue entry; `None` skips the check.
        region: The canonical region, to suggest models offered there.

    Raises:
        ValueError: If the catalogue says the model has no `json_schema` output.
    """
    if info is None or info.json_schema or response_format is None:
        return
    if response_format_type(response_format) != "json_schema":
        return
    others = catalog.models_with("json_schema", like=info, region=region, limit=3)
    msg = (
        f"{model!r} does not support DashScope's json_schema output, which "
        "bind_tools(response_format=...) and langchain's ProviderStrategy need. "
        "In create_agent, use ToolStrategy(schema) or pass the schema itself "
        "(response_format=Schema: LangChain then uses a tool call on this "
        f"model), or a model with json_schema, e.g. {', '.join(others)}. If the "
        "catalogue is out of date, pass validate_model=False."
    )
    raise ValueError(msg)


def structured_thinking_kwargs(
    method: str,
    *,
    model: str,
    info: ModelInfo | None,
    explicit: bool | None,
    inherited: bool | None,
    tool_choice: Any = None,
) -> dict[str, Any]:
    """Bind arguments that turn thinking off for a structured-output runnable.

    For `function_calling` this only rejects a model that always thinks:
    `bind_tools` turns thinking off for its forced tool choice itself.

    Args:
        method: The structured-output method.
        model: The model name, for messages.
        info: The model's catalogue entry; `None` passes through.
        explicit: `enable_thinking` given to `with_structured_output`.
        inherited: `enable_thinking` from the instance.
        tool_choice: A `tool_choice` given to `with_structured_output`, which
            replaces the forced one of `function_calling`.

    Returns:
        `{"enable_thinking": False}` or `{}`.

    Raises:
        ValueError: If the model always thinks (unless `function_calling` with a
            free `tool_choice`), or JSON mode meets `enable_thinking=True`.
    """
    if method == "function_calling":
        if (
            info is not None
            and info.thinking == "always"
            and not (isinstance(tool_choice, str) and tool_choice in FREE_CHOICES)
        ):
            msg = (
                f"{model!r} always thinks, and DashScope allows neither a forced "
                "tool call nor JSON output while a model thinks, so structured "
                "output cannot be guaranteed. Use a hybrid model (e.g. "
                "'qwen-plus'), or pass tool_choice='auto' to let the model decide "
                "(the result is None when it answers in text)."
            )
            raise ValueError(msg)
        return {}
    return thinking_off_for(
        f"structured output with method={method!r}",
        model=model,
        info=info,
        explicit=explicit,
        inherited=inherited,
    )


def json_schema_format(schema: Any, *, strict: bool | None) -> dict[str, Any]:
    """Build the `json_schema` response format DashScope receives.

    The schema is sent as given: `strict` appears only when the caller set it
    (DashScope's default is `false`), and a Pydantic class is not rewritten into
    OpenAI's strict form.

    Args:
        schema: A Pydantic class, TypedDict, JSON schema, OpenAI function
            schema, or a ready `{"type": "json_schema", ...}` response format.
        strict: `json_schema.strict`, or `None` to leave it out.

    Returns:
        `{"type": "json_schema", "json_schema": {"name", "description"?,
        "schema", "strict"?}}`.

    Raises:
        ValueError: If the schema's name is not one DashScope accepts.
    """
    if isinstance(schema, Mapping) and schema.get("type") == "json_schema":
        response_format = dict(schema)
        if strict is not None:
            response_format["json_schema"] = {
                **response_format["json_schema"],
                "strict": strict,
            }
        return response_format
    if isinstance(schema, Mapping) and "name" in schema and "schema" in schema:
        body: dict[str, Any] = dict(schema)
    else:
        function = convert_to_openai_function(schema, strict=strict)
        body = {"name": function["name"]}
        if function.get("description"):
            body["description"] = function["description"]
        body["schema"] = function["parameters"]
    if strict is not None:
        body["strict"] = strict
    name = str(body["name"])
    if not _VALID_NAME.match(name):
        msg = (
            f"Schema name {name!r} is not accepted by DashScope's json_schema: use "
            "only letters, digits, '_' and '-' (at most 64 characters), e.g. a "
            "'title' of 'MovieReview' in a JSON schema."
        )
        raise ValueError(msg)
    return {"type": "json_schema", "json_schema": body}


def json_schema_kwargs(schema: Any, *, strict: bool | None) -> dict[str, Any]:
    """Bind arguments for `json_schema` structured output, schema sent as given.

    `BaseChatOpenAI` would hand a Pydantic class to the `openai` SDK, which
    always sends it with `strict: true` (and rewritten to OpenAI's strict
    form), whatever `strict` was asked for. Binding the format built here
    instead keeps `strict` exactly as given; the reply text is then parsed
    (and streamed) like JSON mode's.

    Args:
        schema: The output schema.
        strict: `json_schema.strict`, or `None` to leave it out.

    Returns:
        `response_format` and the `ls_structured_output_format` tracing
        metadata, as the parent records it for `json_schema`.
    """
    return {
        "response_format": json_schema_format(schema, strict=strict),
        "ls_structured_output_format": {
            "kwargs": {"method": "json_schema", "strict": strict},
            "schema": convert_to_openai_tool(schema),
        },
    }


def response_format_type(response_format: Any) -> str | None:
    """The `type` of a `response_format`; a Pydantic class counts as `json_schema`.

    Args:
        response_format: The payload's `response_format`.

    Returns:
        `"text"`, `"json_object"`, `"json_schema"` or `None`.
    """
    if response_format is None:
        return None
    if isinstance(response_format, Mapping):
        kind = response_format.get("type")
        return kind if isinstance(kind, str) else None
    # The openai SDK turns a Pydantic class into a json_schema format.
    return "json_schema"


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    return ""


def mentions_json(messages: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a system or user message contains "json" (any case), as DashScope asks.

    Args:
        messages: The request's messages.

    Returns:
        `True` if DashScope's JSON-mode check would pass.
    """
    return any(
        message.get("role") in ("system", "user")
        and "json" in _text(message.get("content")).lower()
        for message in messages
    )


def with_json_word(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Make sure the messages mention JSON, changing as little as possible.

    Nothing changes when a system or user message already says "json". Else
    `JSON_HINT` is appended to a leading system message, or becomes a new
    leading system message.

    Args:
        messages: The request's messages; not modified.

    Returns:
        The messages, with the hint when it was needed.
    """
    if mentions_json(messages):
        return messages
    first = messages[0] if messages else None
    if first is not None and first.get("role") == "system":
        content = first.get("content")
        if isinstance(content, str):
            hinted: Any = f"{content}\n\n{JSON_HINT}" if content else JSON_HINT
        elif isinstance(content, list):
            hinted = [*content, {"type": "text", "text": JSON_HINT}]
        else:
            hinted = JSON_HINT
        return [{**first, "content": hinted}, *messages[1:]]
    return [{"role": "system", "content": JSON_HINT}, *messages]


def prepare_request(
    payload: dict[str, Any],
    *,
    info: ModelInfo | None,
    dashscope: bool,
    region: str | None = None,
) -> dict[str, Any]:
    """Apply DashScope's structured-output rules to a finished payload.

    Args:
        payload: The request payload; not modified.
        info: The model's catalogue entry, or `None` to skip model rules.
        dashscope: Whether the target is DashScope.
        region: The canonical region, to suggest models offered there.

    Returns:
        The payload, with the JSON word added to the messages for `json_object`.

    Raises:
        ValueError: If the model lacks the response format, or would think.
    """
    kind = response_format_type(payload.get("response_format"))
    if kind not in _RESPONSE_FORMATS:
        return payload
    model = str(payload.get("model"))
    if info is not None:
        check_method(
            "json_mode" if kind == "json_object" else "json_schema",
            model=model,
            info=info,
            region=region,
        )
        refuse_while_thinking(
            payload,
            f"response_format {kind!r}",
            model=model,
            info=info,
            problem=(
                f"response_format {kind!r} does not work while {model!r} is thinking"
            ),
            remedy="use with_structured_output()",
        )
    if kind == "json_object" and dashscope:
        messages = payload.get("messages")
        if isinstance(messages, list):
            hinted = with_json_word(messages)
            if hinted is not messages:
                return {**payload, "messages": hinted}
    return payload


# --------------------------------------------------------------------------
# Invalid tool calls surface as parsing errors
# --------------------------------------------------------------------------


def _invalid_call_error(
    result: list[Generation], names: Sequence[str] | None
) -> OutputParserException | None:
    """The error for the first invalid call of one of `names` (`None`: any)."""
    message = getattr(result[0], "message", None) if result else None
    if not isinstance(message, AIMessage) or message.tool_calls:
        return None
    for call in message.invalid_tool_calls:
        name = call.get("name")
        if names is not None and name not in names:
            continue
        args = call.get("args")
        reason = call.get("error")
        msg = (
            f"The model called tool {name!r} with arguments that are not valid "
            f"JSON: {args!r}"
            + (f" ({reason})" if reason else "")
            + ". Retry the call, or use a model with json_schema structured "
            "output (method='json_schema')."
        )
        return OutputParserException(msg, llm_output=str(args))
    return None


def _broken_streamed_call(
    message: Any, names: Sequence[str]
) -> OutputParserException | None:
    """The error for a streamed call of `names` whose whole arguments are not JSON."""
    if not isinstance(message, AIMessageChunk):
        return None
    for chunk in message.tool_call_chunks:
        if chunk.get("name") not in names:
            continue
        args = chunk.get("args") or ""
        try:
            json.loads(args or "{}")
        except ValueError as exc:
            msg = (
                f"The model called tool {chunk.get('name')!r} with arguments that "
                f"are not valid JSON: {args!r} ({exc}). Retry the call, or use a "
                "model with json_schema structured output (method='json_schema')."
            )
            return OutputParserException(msg, llm_output=args)
    return None


class _StreamEndCheck:
    """At the end of a stream, raise if the tool's whole arguments are broken.

    LangChain's cumulative parsers parse streamed arguments leniently (partial
    JSON) and never parse the finished message strictly, so arguments cut off
    or malformed would end the stream quietly.
    """

    def _tool_names(self) -> list[str]:
        raise NotImplementedError

    def _transform(self, input: Iterator[Any]) -> Iterator[Any]:
        seen: list[Any] = []

        def tee() -> Iterator[Any]:
            for chunk in input:
                if isinstance(chunk, AIMessageChunk):
                    seen[:] = [chunk if not seen else seen[0] + chunk]
                yield chunk

        yield from super()._transform(tee())  # type: ignore[misc]
        error = _broken_streamed_call(seen[0] if seen else None, self._tool_names())
        if error is not None:
            raise error

    async def _atransform(self, input: AsyncIterator[Any]) -> AsyncIterator[Any]:
        seen: list[Any] = []

        async def tee() -> AsyncIterator[Any]:
            async for chunk in input:
                if isinstance(chunk, AIMessageChunk):
                    seen[:] = [chunk if not seen else seen[0] + chunk]
                yield chunk

        async for parsed in super()._atransform(tee()):  # type: ignore[misc]
            yield parsed
        error = _broken_streamed_call(seen[0] if seen else None, self._tool_names())
        if error is not None:
            raise error


class CheckedPydanticToolsParser(_StreamEndCheck, PydanticToolsParser):
    """`PydanticToolsParser` that raises on a tool call with broken arguments.

    LangChain's parser returns `None` when the only call of the schema's tool
    has arguments that are not JSON (it lands in `invalid_tool_calls`), so the
    failure would be silent.
    """

    def _tool_names(self) -> list[str]:
        names = [tool.__name__ for tool in self.tools]
        titles = [
            str(getattr(tool, "model_config", {}).get("title") or "")
            for tool in self.tools
        ]
        return [*names, *filter(None, titles)]

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """Parse the tool call, or raise `OutputParserException` for a broken one."""
        if not partial:
            error = _invalid_call_error(result, self._tool_names())
            if error is not None:
                raise error
        return super().parse_result(result, partial=partial)


class CheckedJsonOutputKeyToolsParser(_StreamEndCheck, JsonOutputKeyToolsParser):
    """`JsonOutputKeyToolsParser` that raises on a tool call with broken arguments."""

    def _tool_names(self) -> list[str]:
        return [self.key_name]

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """Parse the tool call, or raise `OutputParserException` for a broken one."""
        if not partial:
            error = _invalid_call_error(result, [self.key_name])
            if error is not None:
                raise error
        return super().parse_result(result, partial=partial)


def checked_tool_parser(parser: Any) -> Any:
    """The same tools parser, raising on invalid tool calls; anything else as is.

    Args:
        parser: A step of the runnable `BaseChatOpenAI.with_structured_output`
            builds.

    Returns:
        A checked copy of a `PydanticToolsParser` or `JsonOutputKeyToolsParser`
        (same settings), or `parser` unchanged.
    """
    for base, checked in (
        (PydanticToolsParser, CheckedPydanticToolsParser),
        (JsonOutputKeyToolsParser, CheckedJsonOutputKeyToolsParser),
    ):
        if type(parser) is base:
            fields = {name: getattr(parser, name) for name in type(parser).model_fields}
            return checked(**fields)
    return parser


def surface_invalid_tool_calls(structured: Runnable, *, include_raw: bool) -> Runnable:
    """Make a structured-output runnable report broken tool arguments.

    Args:
        structured: What `BaseChatOpenAI.with_structured_output` returned with
            `include_raw=False`: the bound model, then its parsing steps.
        include_raw: Whether to return `raw`, `parsed` and `parsing_error`, as
            the parent does (a parsing error lands in `parsing_error`).

    Returns:
        The runnable, whose parser raises `OutputParserException` naming the
        tool and the arguments when the model's call of the schema's tool has
        arguments that are not JSON.
    """
    if not isinstance(structured, RunnableSequence):
        return structured
    llm, *steps = structured.steps
    checked = [checked_tool_parser(step) for step in steps]
    parser: Runnable = checked[0] if len(checked) == 1 else RunnableSequence(*checked)
    if not include_raw:
        return llm | parser
    parsed = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    failed = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | parsed.with_fallbacks(
        [failed], exception_key="parsing_error"
    )
