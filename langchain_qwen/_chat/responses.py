"""DashScope's rules for a Responses API request, applied before it is sent.

langchain-openai builds the request (`_construct_responses_api_payload`); this
module checks it against what DashScope documents for its Responses API
(`data/responses.json`) and shapes what langchain-openai leaves OpenAI-shaped:

- documented refusals raise `ValueError` naming the fix: `background`,
  `thinking_budget`, video or audio input, `tool_choice="required"` without
  exactly one tool, `conversation` with `previous_response_id`, a built-in tool
  on a catalogued model its page does not list, `web_extractor` without
  `web_search`, an MCP tool without its server fields, `reasoning.summary`
  on a model without the thinking summary;
- a field only Chat Completions has (`stop`, `n`, `enable_search`, ...) raises
  rather than being dropped or sent to another endpoint;
- DashScope-only fields (`enable_thinking`, ...) and any field the `openai`
  SDK's `responses.create` does not take go in the body's top level
  (`extra_body`); the session cache is a request header;
- earlier turns keep only the input items DashScope documents (messages,
  function calls and their outputs) plus reasoning that carries its
  `encrypted_content`, which goes back unchanged.

Response ids: DashScope's docs show both `resp_...` and bare UUIDs, so both are
recognised (`is_response_id`), where langchain-openai knows only `resp_`.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from langchain_qwen._chat.payload import DASHSCOPE_BODY_FIELDS, check_settings
from langchain_qwen.catalogue.catalog import ModelInfo

# Message content kinds that carry audio or video (LangChain, OpenAI, DashScope).
_AUDIO_VIDEO_PARTS = frozenset(
    {"audio", "input_audio", "video", "video_url", "input_video"}
)


@functools.cache
def facts() -> dict[str, Any]:
    """The decoded `data/responses.json` (read once)."""
    text = (
        resources.files("langchain_qwen.data")
        .joinpath("responses.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


def is_response_id(value: Any) -> bool:
    """Whether `value` looks like a DashScope response id (`resp_...` or a UUID).

    Args:
        value: A candidate, e.g. an `AIMessage`'s `response_metadata["id"]`.

    Returns:
        True for `resp_<anything>` and for a bare UUID.
    """
    if not isinstance(value, str) or not value:
        return False
    if value.startswith("resp_"):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def last_messages(
    messages: Sequence[BaseMessage],
) -> tuple[list[BaseMessage], str | None]:
    """The messages after the last answer with a response id, and that id.

    As langchain-openai's `_get_last_messages`, with DashScope's id forms.

    Args:
        messages: The conversation.

    Returns:
        `(messages after it, id)`, or `(all messages, None)` when no earlier
        answer carries a response id.
    """
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if isinstance(message, AIMessage):
            response_id = message.response_metadata.get("id")
            if is_response_id(response_id):
                return list(messages[i + 1 :]), response_id
    return list(messages), None


@functools.cache
def _sdk_fields() -> frozenset[str]:
    """The keyword arguments the `openai` SDK's `responses.create` takes."""
    from openai.resources.responses import Responses  # noqa: PLC0415

    return frozenset(inspect.signature(Responses.create).parameters) - {"self"}


def _value(params: Mapping[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is not None:
        return value
    extra = params.get("extra_body")
    return extra.get(name) if isinstance(extra, Mapping) else None


# --------------------------------------------------------------------------
# Before the payload is built: the call's fields and messages
# --------------------------------------------------------------------------


def check_call(
    params: Mapping[str, Any],
    messages: Sequence[BaseMessage],
    *,
    info: ModelInfo | None,
) -> None:
    """Refuse what DashScope's Responses API documents as unsupported.

    Args:
        params: The call's fields (the model's defaults merged with the call's
            keyword arguments, `stop` included), before conversion.
        messages: The conversation.
        info: The model's catalogue entry, or `None` to skip model rules.

    Raises:
        ValueError: The request cannot go to `/responses` as asked; the
            message names the fix.
    """
    data = facts()
    model = params.get("model")
    for name, fact in data["unsupported_fields"].items():
        if _value(params, name) not in (None, False):
            msg = f"{fact['why']} ({fact['source']}): {fact['fix']}."
            raise ValueError(msg)
    for name, why in data["chat_completions_only_fields"].items():
        value = _value(params, name)
        if value in (None, False) or (name == "n" and value == 1):
            continue
        msg = (
            f"`{name}` is a Chat Completions field, but this call goes to "
            f"DashScope's Responses API: {why}. Drop `{name}`, or call the "
            "Chat Completions API with `use_responses_api=False` (and no "
            "Responses-only fields such as `reasoning`, `include` or built-in "
            "tools)."
        )
        raise ValueError(msg)
    _check_media(messages)
    _check_partial(messages)
    reasoning = params.get("reasoning")
    if isinstance(reasoning, Mapping) and reasoning.get("summary") is not None:
        _check_summary_model(model, info)
    if _value(params, "previous_response_id") is not None and (
        _value(params, "conversation") is not None
    ):
        msg = (
            "DashScope's Responses API takes `conversation` or "
            "`previous_response_id`, not both: drop one of them."
        )
        raise ValueError(msg)
    # Ranges, thinking switches and effort levels: the Chat Completions
    # checks, which hold for the model whichever API carries the request.
    check_settings(params, info)


def _check_media(messages: Sequence[BaseMessage]) -> None:
    for message in messages:
        content = message.content
        if not isinstance(content, list):
            continue
        for part in content:
            if not isinstance(part, Mapping):
                continue
            kind = part.get("type")
            mime = str(part.get("mime_type") or "")
            if kind in _AUDIO_VIDEO_PARTS or (
                kind == "file" and mime.startswith(("audio/", "video/"))
            ):
                fact = facts()["no_input_media"]
                msg = (
                    f"{fact['why']} ({fact['source']}); this message has a "
                    f"{kind!r} part. Send audio or video through the Chat "
                    "Completions API (`use_responses_api=False`) to a model that "
                    "takes it."
                )
                raise ValueError(msg)


def _check_partial(messages: Sequence[BaseMessage]) -> None:
    if (
        messages
        and isinstance(messages[-1], AIMessage)
        and messages[-1].additional_kwargs.get("partial")
    ):
        msg = (
            "Partial mode (an assistant prefix with `partial: True`) is a Chat "
            "Completions feature: call with `use_responses_api=False`."
        )
        raise ValueError(msg)


def _check_summary_model(model: Any, info: ModelInfo | None) -> None:
    fact = facts()["reasoning_summary"]
    if info is None or info.name in fact["models"]:
        return
    msg = (
        f"`reasoning.summary` (the thinking summary) is documented for "
        f"{', '.join(fact['models'])} only ({fact['source']}), not {model!r}: "
        "drop `summary` from `reasoning`, or use one of those models."
    )
    raise ValueError(msg)


def is_builtin_tool(tool: Any) -> bool:
    """Whether `tool` is one of DashScope's built-in tools, as a dict.

    Args:
        tool: A tool as passed to `bind_tools`.

    Returns:
        True for e.g. `{"type": "web_search"}`; False for functions.
    """
    return isinstance(tool, Mapping) and tool.get("type") in facts()["builtin_tools"]


def check_no_builtin_tools(tools: Sequence[Any]) -> None:
    """Refuse DashScope's built-in tools on a Chat Completions request.

    Args:
        tools: The request's tools.

    Raises:
        ValueError: A built-in tool is bound while the call goes to Chat
            Completions (`use_responses_api=False`).
    """
    builtins = [t["type"] for t in tools if is_builtin_tool(t)]
    if builtins:
        msg = (
            f"DashScope's built-in tools ({', '.join(builtins)}) work on the "
            "Responses API only, but this call goes to Chat Completions "
            "(use_responses_api=False): drop use_responses_api=False, or the tools."
        )
        raise ValueError(msg)


def bind_builtin_tools(
    llm: Any,
    tools: Sequence[Any],
    bind_rest: Callable[[list[Any]], Any],
    *,
    tool_choice: Any,
    parallel_tool_calls: bool | None,
    **kwargs: Any,
) -> Any:
    """Bind tools among which some are DashScope built-ins, passed as given.

    langchain-core converts only the built-in tools OpenAI has; DashScope's
    own (`web_extractor`, `web_search_image`, `image_search`, ...) would be
    refused, so they are kept aside and put back in their places.

    Args:
        llm: The `ChatQwen`.
        tools: The tools, in order.
        bind_rest: Binds the other tools (`ChatQwen.bind_tools` on them).
        tool_choice: The tool choice (for built-ins only: `"any"` and `True`
            are `"required"`, as langchain-openai maps them).
        parallel_tool_calls: Sent as given when not `None`.
        **kwargs: Further arguments bound to the model.

    Returns:
        The bound runnable.
    """
    rest = [t for t in tools if not is_builtin_tool(t)]
    if rest:
        bound = bind_rest(rest)
        if not isinstance(getattr(bound, "kwargs", None), dict):
            # e.g. an agent's answer turn (two bindings): no single place.
            msg = (
                "DashScope's built-in tools cannot be bound in this call: bind "
                "them with bind_tools(...) on their own, then use the result."
            )
            raise ValueError(msg)
        converted = iter(bound.kwargs.get("tools", []))
        merged = [dict(t) if is_builtin_tool(t) else next(converted) for t in tools]
        return bound.bind(tools=merged)
    extra: dict[str, Any] = {}
    if tool_choice is not None:
        extra["tool_choice"] = (
            "required" if tool_choice in ("any", True) else tool_choice
        )
    if parallel_tool_calls is not None:
        extra["parallel_tool_calls"] = parallel_tool_calls
    return llm.bind(tools=[dict(t) for t in tools], **extra, **kwargs)


# --------------------------------------------------------------------------
# After langchain-openai built the payload
# --------------------------------------------------------------------------


def _model_listed(info: ModelInfo, fact: Mapping[str, Any]) -> bool:
    if info.name in fact["models"]:
        return True
    return any(re.match(p, info.name) for p in fact.get("model_patterns", ()))


def check_tools(
    payload: Mapping[str, Any], *, info: ModelInfo | None, thinking: Any
) -> None:
    """Check the built-in tools and `tool_choice` of a Responses payload.

    Args:
        payload: The payload langchain-openai built.
        info: The model's catalogue entry, or `None` to skip model rules.
        thinking: The request's `enable_thinking`, if set.

    Raises:
        ValueError: A documented rule is broken; the message names the fix.
    """
    builtins = facts()["builtin_tools"]
    tools = [t for t in payload.get("tools") or [] if isinstance(t, Mapping)]
    kinds = [t.get("type") for t in tools]
    model = payload.get("model")
    for tool in tools:
        kind = tool.get("type")
        fact = builtins.get(kind)
        if fact is None:
            continue  # functions, and tools DashScope's pages do not mention
        listed = fact.get("models")
        if listed is not None and info is not None and not _model_listed(info, fact):
            msg = (
                f"DashScope's {kind!r} tool is documented for "
                f"{', '.join(listed)} and the Qwen3.5/3.6 open models "
                f"({fact['source']}), not {model!r}: choose one of those "
                "models, or pass `validate_model=False` if the docs are behind."
            )
            raise ValueError(msg)
        for needed in fact.get("requires_tools", ()):
            if needed not in kinds:
                msg = (
                    f"DashScope's {kind!r} tool works only beside {needed!r}: "
                    f'bind {{"type": "{needed}"}} too.'
                )
                raise ValueError(msg)
        if (
            info is not None
            and info.name in fact.get("thinking_required_models", ())
            and thinking is not True
        ):
            msg = (
                f"DashScope's {kind!r} tool needs thinking on with {model!r}: "
                "pass `enable_thinking=True`."
            )
            raise ValueError(msg)
        missing = [k for k in fact.get("required_keys", ()) if not tool.get(k)]
        if missing:
            msg = (
                f"A DashScope {kind!r} tool needs {', '.join(missing)} "
                f"(e.g. {{'type': 'mcp', 'server_protocol': 'sse', "
                "'server_label': 'amap', 'server_url': 'https://...'}})."
            )
            raise ValueError(msg)
        count = fact.get("vector_store_ids")
        if count is not None:
            ids = tool.get("vector_store_ids")
            if not isinstance(ids, list) or len(ids) != count:
                msg = (
                    f"DashScope's {kind!r} tool takes exactly {count} knowledge "
                    "base id in `vector_store_ids` (a list), e.g. "
                    '`{"type": "file_search", "vector_store_ids": ["kb-..."]}`.'
                )
                raise ValueError(msg)
    choice = payload.get("tool_choice")
    rule = facts()["tool_choice"]
    if choice == "required" and len(tools) != 1:
        msg = (
            "DashScope's Responses API takes tool_choice='required' only with "
            f"exactly one tool ({rule['source']}); this request has {len(tools)}. "
            "Bind one tool, or use tool_choice='auto'."
        )
        raise ValueError(msg)


def _check_text_format(payload: Mapping[str, Any], *, info: ModelInfo | None) -> None:
    text = payload.get("text")
    fmt = text.get("format") if isinstance(text, Mapping) else None
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    fact = facts()["structured_output"]
    if payload.get("text_format") is not None:
        kind = "json_schema"
    if info is None or fact.get(str(kind)) != "ignored":
        return
    msg = (
        f"Structured output with {kind} on DashScope's Responses API: "
        f"{fact['why']} ({fact['source']}). Instead: {fact['fix']}."
    )
    raise ValueError(msg)


def keep_documented_input(items: list[Any]) -> list[Any]:
    """The input items DashScope documents, from langchain-openai's history.

    Messages, `function_call` and `function_call_output` items stay; a
    `reasoning` item stays when it carries `encrypted_content` (sent back
    unchanged, as the thinking-summary page requires); earlier built-in tool
    calls and plain reasoning are left out (their results are in the answers).

    Args:
        items: The `input` langchain-openai built.

    Returns:
        The items to send.
    """
    allowed = set(facts()["input_item_types"])
    kept = []
    for item in items:
        if not isinstance(item, Mapping):
            kept.append(item)
            continue
        kind = item.get("type")
        ciphertext = kind == "reasoning" and item.get("encrypted_content")
        if kind is None or kind in allowed or ciphertext:
            kept.append(item)
    return kept


def _has_ciphertext(items: Sequence[Any]) -> bool:
    return any(
        isinstance(i, Mapping)
        and i.get("type") == "reasoning"
        and i.get("encrypted_content")
        for i in items
    )


def finish_payload(
    payload: dict[str, Any],
    *,
    info: ModelInfo | None,
    session_cache: bool | None,
) -> dict[str, Any]:
    """Check and shape a payload langchain-openai built for `/responses`.

    Args:
        payload: The payload (not modified).
        info: The model's catalogue entry, or `None` to skip model rules.
        session_cache: Send `x-dashscope-session-cache: enable`.

    Returns:
        The payload to hand to `client.responses.create`.

    Raises:
        ValueError: A documented rule is broken (see `check_tools`), or
            earlier encrypted reasoning goes back without `reasoning.summary`.
    """
    out = dict(payload)
    extra = dict(out.pop("extra_body", None) or {})
    accepted = _sdk_fields()
    for name in list(out):
        if name in DASHSCOPE_BODY_FIELDS or name not in accepted:
            extra[name] = out.pop(name)
    if extra:
        out["extra_body"] = extra
    check_tools(out, info=info, thinking=extra.get("enable_thinking"))
    _check_text_format(out, info=info)
    if isinstance(out.get("input"), list):
        out["input"] = keep_documented_input(out["input"])
        reasoning = out.get("reasoning")
        has_summary = isinstance(reasoning, Mapping) and reasoning.get("summary")
        if _has_ciphertext(out["input"]) and not has_summary:
            fact = facts()["reasoning_summary"]
            msg = (
                "Earlier turns carry encrypted reasoning, and DashScope requires "
                f"the thinking summary on in every request ({fact['source']}): "
                "pass `reasoning={'summary': 'auto'}` on this call too."
            )
            raise ValueError(msg)
    if session_cache:
        header = facts()["session_cache"]
        out["extra_headers"] = {
            **(out.get("extra_headers") or {}),
            header["header"]: header["value"],
        }
    return out


def build_payload(
    llm: Any,
    input_: Any,
    stop: list[str] | None,
    kwargs: dict[str, Any],
    parent: Callable[..., dict],
) -> dict[str, Any]:
    """The Responses request for one `ChatQwen` call.

    Args:
        llm: The `ChatQwen`.
        input_: The call's input (a message list from `_generate`/`_stream`).
        stop: The call's stop sequences (refused: the API has none).
        kwargs: The call's keyword arguments.
        parent: langchain-openai's `_get_request_payload`, bound to `llm`.

    Returns:
        The payload for `client.responses.create`.
    """
    messages: list[BaseMessage] = (
        list(input_)
        if isinstance(input_, list) and all(isinstance(m, BaseMessage) for m in input_)
        else llm._convert_input(input_).to_messages()
    )
    call = dict(kwargs)
    # Usage always comes with `response.completed`: nothing to ask for.
    call.pop("stream_usage", None)
    session_cache = call.pop("session_cache", None)
    if session_cache is None:
        session_cache = llm.session_cache
    params = {**llm._default_params, **call}
    if stop is not None:
        params["stop"] = stop
    info = llm._rules_info(params.get("model"))
    check_call(params, messages, info=info)
    if llm.use_previous_response_id and "previous_response_id" not in call:
        rest, previous = last_messages(messages)
        if previous is not None:
            messages = rest
            call["previous_response_id"] = previous
    payload = parent(messages, stop=None, **call)
    return finish_payload(payload, info=info, session_cache=session_cache)
