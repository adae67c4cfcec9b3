"""Handlers that answer chat requests (an echo, a scripted model) and matchers."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from langchain_qwen.catalogue import catalog
from langchain_qwen.testing._replies import RecordedRequest, Reply, error_reply
from langchain_qwen.testing.completions import (
    _estimate_tokens,
    _message_text,
    text_completion,
)
from langchain_qwen.testing.schema_example import schema_example

_ECHO_LIMIT = 200


def _body_of(request: RecordedRequest) -> Mapping[str, Any]:
    return request.body if isinstance(request.body, Mapping) else {}


def _model_of(body: Mapping[str, Any]) -> str:
    model = body.get("model")
    return model if isinstance(model, str) else "qwen-plus"


def _messages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [m for m in body.get("messages") or [] if isinstance(m, Mapping)]


def _last_user_text(messages: list[Mapping[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return _message_text(message.get("content"))[:_ECHO_LIMIT]
    return ""


Matcher = Callable[[RecordedRequest], bool]
"""Says whether a scripted or queued reply is for a request."""


def mentions(text: str) -> Matcher:
    """Match requests whose messages contain `text` (case-sensitive).

    Every message counts: system, user, assistant and tool results. This is
    what `server.script("German", ...)` and `server.queue(..., when="German")`
    use for a string.

    Args:
        text: The text to look for.

    Returns:
        The matcher.
    """

    def match(request: RecordedRequest) -> bool:
        return any(
            text in _message_text(m.get("content"))
            for m in _messages(_body_of(request))
        )

    return match


def user_asks(text: str) -> Matcher:
    """Match requests whose last message is a user message containing `text`.

    This picks the first turn of a question and not the turns after tool
    results, so a script can make an agent call a tool once and then let
    the handler answer from the tool's result.

    Args:
        text: The text to look for in the last message.

    Returns:
        The matcher.
    """

    def match(request: RecordedRequest) -> bool:
        messages = _messages(_body_of(request))
        return (
            bool(messages)
            and messages[-1].get("role") == "user"
            and text in _message_text(messages[-1].get("content"))
        )

    return match


def _thinks(body: Mapping[str, Any]) -> bool:
    """Whether DashScope would think for this request, as the catalogue says.

    `enable_thinking` decides where it is sent; otherwise the model's default
    does (on for always-thinking models and hybrids that think by default).
    """
    flag = body.get("enable_thinking")
    if isinstance(flag, bool):
        return flag
    info = catalog.lookup(_model_of(body))
    return info is not None and info.thinking_default


def _reasoning(user_text: str) -> str:
    return f"The request asks me to answer: {user_text}"


def echo_handler(request: RecordedRequest) -> Reply:
    """The default handler: echo the last user message, like DashScope would answer.

    The answer streams or not per the request's `stream`, ends with a usage
    chunk iff `stream_options.include_usage`, and names the request's model.
    A model that thinks in this request (`enable_thinking: true`, or a model
    that thinks by default or always, per the catalogue) also gets reasoning.

    Args:
        request: The request to answer.

    Returns:
        The reply.
    """
    body = _body_of(request)
    text = _last_user_text(_messages(body))
    return text_completion(
        text,
        model=_model_of(body),
        reasoning=_reasoning(text) if _thinks(body) else None,
    )


# --------------------------------------------------------------------------
# A scripted model: deterministic answers from the request alone
# --------------------------------------------------------------------------

# DashScope's own wording for the two checks `scripted_handler` mirrors
# (the json_object keyword rule; thinking mode and JSON output:
# alibabacloud.com/help/en/model-studio/qwen-structured-output).
_NEEDS_JSON_WORD = (
    "'messages' must contain the word 'json' in some form, to use "
    "'response_format' of type 'json_object'."
)
_NO_JSON_WHILE_THINKING = (
    "Json mode response is not supported when enable_thinking is true"
)


def _function_tools(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        t["function"]
        for t in body.get("tools") or []
        if isinstance(t, Mapping)
        and t.get("type") == "function"
        and isinstance(t.get("function"), Mapping)
    ]


def _called_tools(messages: list[Mapping[str, Any]]) -> set[str]:
    names: set[str] = set()
    for message in messages:
        for call in message.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, Mapping) else None
            if isinstance(function, Mapping) and isinstance(function.get("name"), str):
                names.add(function["name"])
    return names


def _forced_tool(
    body: Mapping[str, Any], tools: list[Mapping[str, Any]]
) -> Mapping[str, Any] | str | None:
    """The tool a request forces, an error message, or `None` if none is forced.

    `{"type": "function", "function": {"name": N}}` forces `N`. `"required"`
    forces a call: the script picks the first tool listed that the
    conversation has not called yet, and once all have been called, the last
    one. `langchain.agents.create_agent` lists its structured-response tool
    last, so a `ToolStrategy` agent calls each tool once, then answers.
    """
    choice = body.get("tool_choice")
    if choice == "required":
        if not tools:
            return "tool_choice 'required' needs at least one tool"
        called = _called_tools(_messages(body))
        return next((t for t in tools if t.get("name") not in called), tools[-1])
    if isinstance(choice, Mapping):
        name = (choice.get("function") or {}).get("name")
        for tool in tools:
            if tool.get("name") == name:
                return tool
        listed = [t.get("name") for t in tools]
        return (
            f"tool_choice names the function {name!r}, which is not in tools {listed}"
        )
    return None


def _response_schema(body: Mapping[str, Any]) -> tuple[str, Any] | None:
    """`("json_schema", schema)` or `("json_object", None)` per `response_format`."""
    fmt = body.get("response_format")
    if not isinstance(fmt, Mapping):
        return None
    if fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema")
        return "json_schema", (
            spec.get("schema") if isinstance(spec, Mapping) else None
        )
    if fmt.get("type") == "json_object":
        return "json_object", None
    return None


def _tool_results_text(messages: list[Mapping[str, Any]]) -> str | None:
    """What to answer after tool results: `None` unless the last message is one."""
    results: list[str] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.append(_message_text(message.get("content")))
    if not results:
        return None
    return "Tool results: " + "; ".join(reversed(results))


def _apply_limits(text: str, body: Mapping[str, Any]) -> tuple[str, str | None]:
    """Honour `stop` and `max_tokens`: the text and the finish reason they imply."""
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    cuts = [i for s in stops if isinstance(s, str) and s and (i := text.find(s)) >= 0]
    finish: str | None = None
    if cuts:
        text = text[: min(cuts)]
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    if isinstance(limit, int) and limit > 0 and _estimate_tokens(text) > limit:
        # About four characters a token, as in the usage estimate.
        text, finish = text[: limit * 4], "length"
    return text, finish


def _invalid(message: str) -> Reply:
    return error_reply(
        400, "invalid_parameter_error", message, type="invalid_request_error"
    )


def scripted_handler(request: RecordedRequest) -> Reply:
    """Answer any request deterministically, as a model following it to the letter.

    A stand-in for a model in tests that exercise the request and response
    plumbing (the standard LangChain suite, a user's chains and agents):

    - a forced tool (`tool_choice` naming a function, or `"required"`, which
      picks the first tool not called yet in the conversation, else the last
      one) gets a tool call whose arguments come from the
      tool's JSON schema (`schema_example`, strings filled with the last user
      message), even after tool results, as DashScope keeps calling a forced
      tool;
    - otherwise, after tool results, a text answer quoting them;
    - a `json_schema` response format gets JSON content matching the schema;
      `json_object` gets `{"answer": <last user message>}`;
    - otherwise the last user message is echoed (as by `echo_handler`);
    - thinking adds reasoning (`enable_thinking: true`, or no
      `enable_thinking` on a model that thinks by default or always);
      `stop` and `max_tokens` cut a text answer (finish reasons `"stop"`
      and `"length"`); usage comes with every answer (in a stream, when
      `stream_options.include_usage` asks).

    Like DashScope, it answers 400 to `json_object` without the word "json" in
    the messages and to a JSON response format with thinking on. It never
    calls a tool unless the request forces one: choosing a tool is judgement.

    Args:
        request: The request to answer.

    Returns:
        The reply, streamed or not as the request asks, naming its model.
    """
    body = _body_of(request)
    messages = _messages(body)
    tools = _function_tools(body)
    forced = _forced_tool(body, tools)
    if isinstance(forced, str):
        return _invalid(forced)
    response = _response_schema(body)
    thinking = _thinks(body)
    if response is not None:
        if thinking:
            return _invalid(_NO_JSON_WHILE_THINKING)
        words = " ".join(_message_text(m.get("content")) for m in messages)
        if response[0] == "json_object" and "json" not in words.lower():
            return _invalid(_NEEDS_JSON_WORD)

    user_text = _last_user_text(messages)
    results = _tool_results_text(messages)
    tool_calls: list[dict[str, Any]] | None = None
    finish: str | None = None
    if forced is not None:
        parameters = forced.get("parameters") or {"type": "object", "properties": {}}
        args = schema_example(parameters, text=user_text)
        tool_calls = [{"name": forced.get("name"), "args": args}]
        text = ""
    elif response is not None and results is None:
        kind, schema = response
        value = (
            schema_example(schema, text=user_text)
            if kind == "json_schema" and schema is not None
            else {"answer": user_text}
        )
        # Not cut by stop or max_tokens: its length is the script's, not a
        # model's, and a cut would only break the JSON.
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = results or user_text
        text, finish = _apply_limits(text, body)
    reasoning = _reasoning(user_text) if thinking else None
    return text_completion(
        text,
        model=_model_of(body),
        reasoning=reasoning,
        tool_calls=tool_calls,
        finish_reason=finish,
    )
