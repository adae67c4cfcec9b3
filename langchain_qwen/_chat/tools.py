"""DashScope's rules for tool calling: pure checks on tools and `tool_choice`.

DashScope accepts OpenAI's tool-calling shapes with a few extra rules
(docs.qwencloud.com/developer-guides/text-generation/function-calling): a tool may not
be named `search`; `n` must be 1 with tools; some models have no tool support; older
models reject `tool_choice: "required"`; and no model may be forced to call a tool while
it is thinking.

Model-specific rules need a catalogue entry (`ModelInfo`); without one (a model
the catalogue does not list, or `validate_model=False`) the request is passed
through as given. Rules of the DashScope service itself apply whenever the
target is DashScope (`dashscope=True`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.tools import StructuredTool

from langchain_qwen._chat.facts import VALID_NAME as _VALID_NAME
from langchain_qwen.catalogue import catalog
from langchain_qwen.catalogue.catalog import ModelInfo

FREE_CHOICES = frozenset({"auto", "none"})
"""`tool_choice` values that leave the decision to the model."""

_FORCE_ANY = frozenset({"any", "required"})
_FORBIDDEN_NAMES = frozenset({"search"})


def tool_names(tools: Sequence[Any]) -> list[str]:
    """The function names of OpenAI-format tool definitions.

    Args:
        tools: Tool dicts as the request carries them.

    Returns:
        The names of the `function` tools, in order.
    """
    names = []
    for tool in tools:
        if isinstance(tool, Mapping):
            function = tool.get("function")
            if isinstance(function, Mapping) and isinstance(function.get("name"), str):
                names.append(function["name"])
    return names


def check_tools(
    names: Sequence[str],
    *,
    model: str,
    info: ModelInfo | None,
    dashscope: bool,
    n: int | None = None,
    region: str | None = None,
) -> None:
    """Check tools against the model and DashScope before anything is sent.

    Args:
        names: The bound tools' function names.
        model: The model name, for messages.
        info: The model's catalogue entry, or `None` to skip model rules.
        dashscope: Whether the target is DashScope (service-wide rules apply).
        n: The number of choices requested.
        region: The canonical region, to suggest models offered there.

    Raises:
        ValueError: If the model has no tool support, a tool is named `search`
            or has a name DashScope rejects, or `n > 1`.
    """
    if info is not None and not info.tools:
        others = catalog.models_with("tools", like=info, region=region)
        msg = (
            f"Model {model!r} does not support tool calling. Models that do"
            f"{' in ' + region if region else ''}: {', '.join(others)}."
        )
        raise ValueError(msg)
    if not dashscope:
        return
    for name in names:
        if name in _FORBIDDEN_NAMES:
            msg = (
                f"DashScope rejects a tool named {name!r} (the name is reserved for "
                "its built-in web search; use enable_search=True for that). "
                "Rename the tool, e.g. 'web_lookup'."
            )
            raise ValueError(msg)
        if not _VALID_NAME.match(name):
            msg = (
                f"Tool name {name!r} is not accepted by DashScope: use only "
                "letters, digits, '_' and '-' (at most 64 characters)."
            )
            raise ValueError(msg)
    if names and n is not None and n > 1:
        msg = (
            f"DashScope requires n=1 when tools are passed; got n={n}. "
            "Drop n or make separate calls."
        )
        raise ValueError(msg)


def answer_tools(tools: Sequence[Any]) -> list[str]:
    """The names of the tools that only carry an answer schema.

    `langchain.agents.create_agent` turns each `ToolStrategy` schema into a
    `StructuredTool` with nothing to run (no `func`, no `coroutine`): calling
    it means "here is the final answer". A tool a caller can run is never
    one of these.

    Args:
        tools: The tools as given to `bind_tools`.

    Returns:
        Their names, in order.
    """
    return [
        tool.name
        for tool in tools
        if isinstance(tool, StructuredTool)
        and tool.func is None
        and tool.coroutine is None
    ]


def answer_fallback(
    tool_choice: Any,
    names: Sequence[str],
    answers: Sequence[str],
    *,
    model: str,
    info: ModelInfo | None,
    region: str | None = None,
) -> str | None:
    """The answer tool to force when a free turn ends without a tool call.

    An agent's structured-output turn (`tool_choice="any"` over its tools and
    an answer tool, see `answer_tools`) needs DashScope's `"required"`, which
    older models lack. There, "call one of these tools" is kept by asking
    with `tool_choice="auto"` first and, only if the model answers in text,
    asking again with the answer tool forced by name: every reply still
    calls a tool, as `"any"` promises.

    Args:
        tool_choice: As given to `bind_tools`.
        names: The bound tools' function names.
        answers: The names among them that are answer tools.
        model: The model name, for messages.
        info: The model's catalogue entry; `None` (unknown model) sends the
            choice as given.
        region: The canonical region, to suggest models offered there.

    Returns:
        The answer tool's name, or `None` where this does not apply (the
        choice is not `"any"`, the model takes `"required"`, a single tool,
        or no answer tool).

    Raises:
        ValueError: With several answer tools (a `ToolStrategy` over a union),
            or on a model that always thinks: neither can be forced there.
    """
    forced_any = tool_choice is True or (
        isinstance(tool_choice, str) and tool_choice in _FORCE_ANY
    )
    if not forced_any or info is None or not answers:
        return None
    if info.thinking == "always":
        msg = (
            f"{model!r} always thinks, and DashScope refuses a forced tool call "
            "while a model thinks, so an agent's structured response "
            "(langchain's ToolStrategy, which forces a tool on every turn) "
            f"cannot be guaranteed. Use a hybrid model such as "
            f"{_suggest('tool_choice_required', info, region)} (thinking is turned off "
            "for those turns), or leave out response_format."
        )
        raise ValueError(msg)
    if info.tool_choice_required or len(names) < 2:
        return None
    if len(answers) > 1:
        msg = (
            f"ToolStrategy with several schemas ({', '.join(answers)}) needs "
            f"DashScope's tool_choice 'required', which {model!r} does not "
            "accept. Use one schema, ProviderStrategy on a model with "
            f"json_schema output (e.g. {_suggest('json_schema', info, region)}), or a "
            f"model that accepts 'required' (e.g. "
            f"{_suggest('tool_choice_required', info, region)})."
        )
        raise ValueError(msg)
    return answers[0]


def _suggest(capability: str, info: ModelInfo, region: str | None) -> str:
    models = catalog.models_with(capability, like=info, region=region, limit=3)
    return ", ".join(models) or "none known"


def resolve_tool_choice(
    tool_choice: str | bool | dict | None,
    names: Sequence[str],
    *,
    model: str,
    info: ModelInfo | None,
) -> str | dict | None:
    """Decide what `tool_choice` to hand to `BaseChatOpenAI.bind_tools`.

    `"any"`, `"required"` and `True` stay as they are where the model accepts
    `"required"` (or is unknown). Where the catalogue says it does not, a single
    tool is forced by name, which is what "call a tool" means with one tool;
    with several tools there is no faithful equivalent, so this raises.

    Args:
        tool_choice: As given to `bind_tools`.
        names: The bound tools' function names.
        model: The model name, for messages.
        info: The model's catalogue entry, or `None` to pass everything through.

    Returns:
        The value to pass on: `None`, `"auto"`, `"none"`, `"any"`, a tool
        name or a tool-choice dict.

    Raises:
        ValueError: If `tool_choice` names a tool that is not bound, or asks for
            any tool on a model without `"required"` support with several tools.
    """
    if tool_choice is None or tool_choice is False:
        return None
    if tool_choice is True:
        tool_choice = "any"
    if isinstance(tool_choice, dict):
        function = tool_choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else None
        if name is not None and name not in names:
            raise ValueError(_unknown_tool(name, names))
        return tool_choice
    if tool_choice in FREE_CHOICES or tool_choice in names:
        return tool_choice
    if tool_choice in _FORCE_ANY:
        if info is None or info.tool_choice_required:
            return tool_choice
        if len(names) == 1:
            return names[0]
        msg = (
            f"tool_choice={tool_choice!r} asks the model to call one of several "
            f"tools, but {model!r} does not accept DashScope's tool_choice "
            f"'required'. Bind a single tool, name the tool to call "
            f"(tool_choice='<name>', one of {', '.join(names)}), or use "
            "tool_choice='auto'."
        )
        raise ValueError(msg)
    raise ValueError(_unknown_tool(tool_choice, names))


def _unknown_tool(name: str, names: Sequence[str]) -> str:
    return (
        f"tool_choice={name!r} is neither 'auto', 'none', 'any', 'required' nor "
        f"the name of a bound tool ({', '.join(names) or 'none bound'})."
    )


def is_forced(tool_choice: Any) -> bool:
    """Whether a `tool_choice` makes the model call a tool.

    Args:
        tool_choice: A `tool_choice` value, before or after `bind_tools`' mapping.

    Returns:
        `True` for `"any"`, `"required"`, `True`, a tool name or a dict.
    """
    if isinstance(tool_choice, str):
        return tool_choice not in FREE_CHOICES
    return tool_choice is True or isinstance(tool_choice, Mapping)


def requested_thinking(params: Mapping[str, Any]) -> bool | None:
    """The `enable_thinking` a set of request parameters asks for, if any.

    A top-level `enable_thinking` (a field, `model_kwargs`, `bind` or a call)
    wins over one in `extra_body`, as in the request DashScope receives.

    Args:
        params: Request parameters or bind keyword arguments.

    Returns:
        `True` or `False` if set, else `None`.
    """
    value = params.get("enable_thinking")
    if value is None:
        extra_body = params.get("extra_body")
        if isinstance(extra_body, Mapping):
            value = extra_body.get("enable_thinking")
    return None if value is None else bool(value)


def thinking_off_for(
    what: str,
    *,
    model: str,
    info: ModelInfo | None,
    explicit: bool | None,
    inherited: bool | None,
) -> dict[str, Any]:
    """Bind arguments that keep thinking off where DashScope requires it.

    DashScope refuses a forced tool call and JSON output while a model thinks.
    For a hybrid model whose thinking would be on (its default, or
    `enable_thinking=True` on the instance) the bound runnable gets
    `enable_thinking=False`; the instance is not touched.

    Args:
        what: What needs thinking off, for messages (e.g. "tool_choice='any'").
        model: The model name, for messages.
        info: The model's catalogue entry; `None` passes everything through.
        explicit: `enable_thinking` given in the same `bind_tools` /
            `with_structured_output` call.
        inherited: `enable_thinking` from the instance (field, `model_kwargs`,
            `extra_body`).

    Returns:
        `{"enable_thinking": False}` or `{}`.

    Raises:
        ValueError: If the model always thinks, or the same call asks for
            thinking explicitly.
    """
    if info is None or explicit is False:
        return {}
    if info.thinking == "always":
        msg = (
            f"{model!r} always thinks, and DashScope does not allow {what} while "
            "a model thinks. Use a hybrid model (e.g. 'qwen-plus' or "
            "'qwen3.7-plus', whose thinking can be turned off) or let the model "
            "choose (tool_choice='auto')."
        )
        raise ValueError(msg)
    if explicit is True:
        msg = (
            f"enable_thinking=True cannot be combined with {what}: DashScope "
            "rejects both together. Drop enable_thinking=True (thinking is then "
            "turned off for this runnable only) or let the model choose "
            "(tool_choice='auto')."
        )
        raise ValueError(msg)
    on = inherited if inherited is not None else info.thinking_default
    return {"enable_thinking": False} if on else {}


def bind_thinking_kwargs(
    choice: Any,
    *,
    tool_choice: Any,
    response_format: Any,
    model: str,
    info: ModelInfo | None,
    explicit: bool | None,
    inherited: bool | None,
) -> dict[str, Any]:
    """The thinking switch `bind_tools` adds for a forced choice or a format.

    Args:
        choice: The resolved `tool_choice` (see `resolve_tool_choice`).
        tool_choice: The `tool_choice` as the caller gave it, for messages.
        response_format: The `response_format` given to `bind_tools`, if any.
        model: The model name, for messages.
        info: The model's catalogue entry; `None` passes through.
        explicit: `enable_thinking` given to `bind_tools`.
        inherited: `enable_thinking` from the instance.

    Returns:
        `{"enable_thinking": False}` or `{}`.

    Raises:
        ValueError: As `thinking_off_for`.
    """
    if is_forced(choice):
        what = f"tool_choice={tool_choice!r}"
    elif response_format is not None:
        what = "a response_format"
    else:
        return {}
    return thinking_off_for(
        what, model=model, info=info, explicit=explicit, inherited=inherited
    )


def check_request(
    payload: Mapping[str, Any],
    *,
    info: ModelInfo | None,
    dashscope: bool,
    region: str | None = None,
) -> None:
    """Check the tool part of a finished request payload.

    This catches what did not go through `bind_tools` (tools passed per call,
    `enable_thinking=True` passed per call to a bound runnable).

    Args:
        payload: The request payload.
        info: The model's catalogue entry, or `None` to skip model rules.
        dashscope: Whether the target is DashScope.
        region: The canonical region, to suggest models offered there.

    Raises:
        ValueError: As `check_tools`, or for a forced `tool_choice` while the
            model would think, or `"required"` on a model without it.
    """
    model = str(payload.get("model"))
    tools = payload.get("tools") or []
    if tools:
        check_tools(
            tool_names(tools),
            model=model,
            info=info,
            dashscope=dashscope,
            n=payload.get("n"),
            region=region,
        )
    tool_choice = payload.get("tool_choice")
    if info is None or not is_forced(tool_choice):
        return
    if tool_choice == "required" and not info.tool_choice_required:
        msg = (
            f"{model!r} does not accept tool_choice='required'. Use "
            "bind_tools(tools, tool_choice='any') with a single tool, name the "
            "tool to call, or use tool_choice='auto'."
        )
        raise ValueError(msg)
    refuse_while_thinking(
        payload,
        f"tool_choice={tool_choice!r}",
        model=model,
        info=info,
        problem=(
            f"tool_choice={tool_choice!r} forces a tool call, which DashScope does "
            f"not allow while {model!r} is thinking"
        ),
        remedy="bind the tools with bind_tools(..., tool_choice=...)",
    )


def refuse_while_thinking(
    payload: Mapping[str, Any],
    what: str,
    *,
    model: str,
    info: ModelInfo,
    problem: str,
    remedy: str,
) -> None:
    """Raise when a request that DashScope forbids while thinking would think.

    Used for a forced tool choice and for JSON output, which reach the request
    without going through `bind_tools`/`with_structured_output` (per call).

    Args:
        payload: The request payload.
        what: The request, for the always-thinking error.
        model: The requested model.
        info: Its catalogue entry.
        problem: What DashScope does not allow, for the error.
        remedy: The method that turns thinking off for its runnable.

    Raises:
        ValueError: If the model always thinks, or thinks in this request.
    """
    if info.thinking == "always":
        thinking_off_for(what, model=model, info=info, explicit=None, inherited=None)
    thinking = requested_thinking(payload)
    if thinking if thinking is not None else info.thinking_default:
        msg = (
            f"{problem}. Pass enable_thinking=False, or {remedy}, which turns "
            "thinking off for that runnable."
        )
        raise ValueError(msg)
