"""Tool binding and structured output: DashScope's rules around the parent's own.

`ChatQwen.bind_tools` and `ChatQwen.with_structured_output` (their docstrings
say what a user sees) delegate here; `parent` is the parent's method, which
builds the runnable once the rules have decided what to bind. Loaded on the
first bind, with the tool and structured-output rules it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_qwen._chat import structured
from langchain_qwen._chat import tools as tool_rules
from langchain_qwen._chat.answer_turn import answer_or_force
from langchain_qwen._chat.payload import check_model_name

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable
    from langchain_core.tools import BaseTool


def bind_tools(
    llm: Any,
    tools: Sequence[dict[str, Any] | type | Callable | BaseTool],
    *,
    tool_choice: dict | str | bool | None,
    strict: bool | None,
    parallel_tool_calls: bool | None,
    response_format: Any,
    kwargs: dict[str, Any],
    parent: Callable[..., Runnable],
) -> Runnable:
    """Bind tools by DashScope's rules (see `ChatQwen.bind_tools`).

    Args:
        llm: The `ChatQwen`.
        tools: Tool definitions.
        tool_choice: The tool choice as given.
        strict: `function.strict` for each tool, if not `None`.
        parallel_tool_calls: Sent as given when not `None`.
        response_format: A schema for the answer when no tool is called.
        kwargs: Further arguments bound to the model.
        parent: The parent's `bind_tools`, bound to `llm`.

    Returns:
        A runnable that calls the model with the tools.
    """
    model = kwargs.get("model") or llm.model_name
    info = llm._rules_info(model)
    names = tool_rules.tool_names([convert_to_openai_tool(t) for t in tools])
    tool_rules.check_tools(
        names,
        model=model,
        info=info,
        dashscope=llm._targets_dashscope(info),
        n=kwargs.get("n", llm._default_params.get("n")),
        region=llm.region,
    )
    structured.check_bound_response_format(
        response_format, model=model, info=info, region=llm.region
    )
    answer = tool_rules.answer_fallback(
        tool_choice,
        names,
        tool_rules.answer_tools(tools),
        model=model,
        info=info,
        region=llm.region,
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
            llm.bind_tools(tools, tool_choice="auto", **both),
            llm.bind_tools(tools, tool_choice=answer, **both),
        )
    choice = tool_rules.resolve_tool_choice(tool_choice, names, model=model, info=info)
    kwargs = {
        **tool_rules.bind_thinking_kwargs(
            choice,
            tool_choice=tool_choice,
            response_format=response_format,
            model=model,
            info=info,
            explicit=tool_rules.requested_thinking(kwargs),
            inherited=tool_rules.requested_thinking(llm._default_params),
        ),
        **kwargs,
    }
    return parent(
        tools,
        tool_choice=choice,
        strict=strict,
        parallel_tool_calls=parallel_tool_calls,
        response_format=response_format,
        **kwargs,
    )


def with_structured_output(
    llm: Any,
    schema: Any,
    *,
    method: str | None,
    include_raw: bool,
    strict: bool | None,
    tools: list | None,
    kwargs: dict[str, Any],
    parent: Callable[..., Runnable],
) -> Runnable:
    """Structured output by DashScope's rules (see `ChatQwen.with_structured_output`).

    Args:
        llm: The `ChatQwen`.
        schema: The output schema.
        method: `"function_calling"`, `"json_mode"`, `"json_schema"` or `None`.
        include_raw: Also return the raw message and any parsing error.
        strict: Sent with the tool or JSON schema when not `None`.
        tools: With `"json_schema"`, tools the model may call instead.
        kwargs: Further arguments bound to the model.
        parent: The parent's `with_structured_output`, bound to `llm`.

    Returns:
        A runnable producing the parsed output.
    """
    if kwargs.get("model") is not None:
        check_model_name(kwargs["model"])
    model = kwargs.get("model") or llm.model_name
    info = llm._rules_info(model)
    chosen = method or structured.default_method(info)
    structured.check_method(chosen, model=model, info=info, region=llm.region)
    thinking_off = structured.structured_thinking_kwargs(
        chosen,
        model=model,
        info=info,
        explicit=tool_rules.requested_thinking(kwargs),
        inherited=tool_rules.requested_thinking(llm._default_params),
        tool_choice=kwargs.get("tool_choice"),
    )
    kwargs = {**thinking_off, **kwargs}
    if chosen == "json_schema" and schema is not None and tools is None:
        # Sent as given (see structured.json_schema_kwargs); the parent's
        # JSON-mode branch binds it and parses the reply text.
        kwargs = {**structured.json_schema_kwargs(schema, strict=strict), **kwargs}
        return parent(schema, method="json_mode", include_raw=include_raw, **kwargs)
    runnable = parent(
        schema,
        method=chosen,
        include_raw=False,
        strict=strict,
        tools=tools,
        **kwargs,
    )
    # A broken tool call is a parsing error, not a silent None.
    return structured.surface_invalid_tool_calls(runnable, include_raw=include_raw)
