"""Request shaping: pure functions on the request payload dict.

The `openai` SDK rejects keyword arguments it does not know, so every
DashScope-only field has to travel in `extra_body`, where the SDK merges it into
the top level of the JSON body that DashScope reads.

The rest checks a request against the model it names before anything is sent:
the model name's type, the thinking switches and `reasoning_effort`, the
sampling and token ranges, `stop`, `response_format` and the message list
(the OpenAI Chat API reference,
alibabacloud.com/help/en/model-studio/qwen-api-via-openai-chat-completions,
and its thinking and error-code pages), and decides whether the model answers
only when streamed. `check_settings` is the part that needs no messages: it
runs at construction on the instance's own fields and again on every call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from langchain_qwen._chat import audio, effort, encrypted
from langchain_qwen._chat.body import body_value
from langchain_qwen._chat.effort import EFFORT_OFF
from langchain_qwen._chat.effort import OUT_OF_DATE as _OUT_OF_DATE
from langchain_qwen._chat.facts import RANGES
from langchain_qwen._chat.facts import Range as FactRange
from langchain_qwen._chat.messages import check_message_list, normalise_messages
from langchain_qwen.catalogue.catalog import ModelInfo

DASHSCOPE_BODY_FIELDS: tuple[str, ...] = (
    "enable_thinking",
    "thinking_budget",
    "preserve_thinking",
    "enable_search",
    "search_options",
    "top_k",
    "repetition_penalty",
    "vl_high_resolution_images",
    "translation_options",
    "enable_code_interpreter",
    "tool_stream",
    "thinking_display",
)
"""Request fields DashScope reads at the top level of the body, unknown to OpenAI."""


def move_dashscope_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """Move DashScope-only fields from the payload's top level into `extra_body`.

    A user's own `extra_body` is merged, not replaced; a field given by name (as a
    model field, in `model_kwargs`, via `bind` or per call) wins over the same key
    in `extra_body`, because it is the more specific setting.

    Args:
        payload: The request payload; not modified.

    Returns:
        A new payload whose DashScope-only fields sit in `extra_body`.
    """
    moved = {k: payload[k] for k in DASHSCOPE_BODY_FIELDS if k in payload}
    if not moved:
        return payload
    out = {k: v for k, v in payload.items() if k not in moved}
    out["extra_body"] = {**(payload.get("extra_body") or {}), **moved}
    return out


# --------------------------------------------------------------------------
# Checks before sending: thinking, ranges, stop
# --------------------------------------------------------------------------

_THINKING_FLAGS = ("enable_thinking", "preserve_thinking")
# Value ranges DashScope enforces (`data/request_rules.json`).
_RANGES = RANGES
_Range = FactRange
# DashScope's `response_format` types
# (alibabacloud.com/help/en/model-studio/qwen-structured-output).
_RESPONSE_FORMAT_TYPES = frozenset({"text", "json_object", "json_schema"})
# What tunes thinking, and so means nothing in a call without it.
_THINKING_LIMITS = ("thinking_budget", "reasoning_effort")


def thinking_on(payload: Mapping[str, Any], info: ModelInfo | None) -> bool | None:
    """Whether this request makes the model think.

    Args:
        payload: The request payload (DashScope fields anywhere in it).
        info: The catalogue entry of the model the request names, if known.

    Returns:
        `True` or `False`; `None` for a model the catalogue does not know when
        the request does not say.
    """
    flag = body_value(payload, "enable_thinking")
    if info is not None and info.thinking == "none":
        return False
    if info is not None and info.thinking == "always":
        return True
    if isinstance(flag, bool):
        return flag
    if body_value(payload, "reasoning_effort") == EFFORT_OFF:
        return False
    return info.thinking_default if info is not None else None


def must_stream(payload: Mapping[str, Any], info: ModelInfo | None) -> bool:
    """Whether DashScope answers this request only when it is streamed.

    Decided from the model and the request, never from the host: a proxy or a
    loopback server in front of DashScope gets the same treatment.

    Args:
        payload: The request payload.
        info: The catalogue entry of the requested model, if known.

    Returns:
        `True` for streaming-only models (QwQ, QVQ, Omni) and for models that
        reject non-streamed calls while thinking (open-source Qwen3 hybrids).
    """
    if audio.wants_audio(payload):
        return True  # "'audio' output only support with stream=true"
    if info is None:
        return False
    return info.stream_only or (
        info.thinking_requires_stream and thinking_on(payload, info) is True
    )


def _in_range(value: Any, spec: _Range) -> bool:
    low, low_in, high, high_in, integer = spec
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if integer and not isinstance(value, int):
        return False
    if low is not None and (value < low or (value == low and not low_in)):
        return False
    return not (high is not None and (value > high or (value == high and not high_in)))


def _number(value: float | None) -> str:
    return str(int(value)) if value is not None and value == int(value) else f"{value}"


def _range_text(spec: _Range) -> str:
    low, low_in, high, high_in, integer = spec
    kind = "an integer" if integer else "a number"
    if high is None:
        return f"{kind} {'>=' if low_in else '>'} {_number(low)}"
    left = "[" if low_in else "("
    right = "]" if high_in else ")"
    return f"{kind} in {left}{_number(low)}, {_number(high)}{right}"


def check_ranges(payload: Mapping[str, Any]) -> None:
    """Check the sampling fields against DashScope's ranges before sending.

    Args:
        payload: The request payload.

    Raises:
        ValueError: A field is out of range; the message names the field, the
            range and the value.
    """
    for name, spec in _RANGES.items():
        value = body_value(payload, name)
        if value is not None and not _in_range(value, spec):
            msg = f"{name} must be {_range_text(spec)}, got {value!r}."
            raise ValueError(msg)


def _is_token_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_stop(stop: Any) -> None:
    """Check that `stop` has one of the forms DashScope accepts.

    Accepted: a string, a list of strings, a list of token ids, or a list of
    token-id lists. Strings and token ids cannot be mixed.

    Args:
        stop: The `stop` value, or `None`.

    Raises:
        ValueError: `stop` has another form; the message says which ones work.
    """
    if stop is None or isinstance(stop, str):
        return
    if isinstance(stop, list | tuple) and (
        all(isinstance(s, str) for s in stop)
        or all(_is_token_id(s) for s in stop)
        or all(
            isinstance(s, list | tuple) and all(_is_token_id(t) for t in s)
            for s in stop
        )
    ):
        return
    msg = (
        "stop must be a string, a list of strings, a list of token ids or a list "
        f"of token-id lists (strings and token ids cannot be mixed), got {stop!r}."
    )
    raise ValueError(msg)


def _check_flags(payload: Mapping[str, Any]) -> None:
    for name in _THINKING_FLAGS:
        value = body_value(payload, name)
        if value is not None and not isinstance(value, bool):
            msg = f"{name} must be True or False, got {value!r}."
            raise ValueError(msg)


def _check_thinking(payload: Mapping[str, Any], info: ModelInfo) -> None:
    """Model-aware checks of the thinking switches."""
    model = payload.get("model")
    flag = body_value(payload, "enable_thinking")
    if flag is True and info.thinking == "none":
        msg = (
            f"Model {model!r} has no thinking mode, so enable_thinking=True cannot "
            "be honoured. Use a thinking model (e.g. 'qwen3.7-plus', "
            "'qwen3-next-80b-a3b-thinking') "
            f"or leave enable_thinking unset.{_OUT_OF_DATE}"
        )
        raise ValueError(msg)
    if flag is False and info.thinking == "always":
        msg = (
            f"Model {model!r} always thinks; DashScope rejects enable_thinking=False "
            "for it. Leave enable_thinking unset, or use a hybrid model whose "
            f"thinking can be turned off.{_OUT_OF_DATE}"
        )
        raise ValueError(msg)
    if body_value(payload, "thinking_budget") is not None:
        if info.thinking_budget is False:
            msg = (
                f"Model {model!r} does not accept thinking_budget. Leave it unset, "
                f"or use a Qwen3 or later thinking model.{_OUT_OF_DATE}"
            )
            raise ValueError(msg)
        if not thinking_on(payload, info):
            msg = (
                f"thinking_budget only limits thinking, and model {model!r} is not "
                "thinking in this call: also pass enable_thinking=True, or leave "
                "thinking_budget unset."
            )
            raise ValueError(msg)
    if (
        body_value(payload, "preserve_thinking") is True
        and info.preserve_thinking is False
    ):
        msg = (
            f"Model {model!r} does not read earlier reasoning, so "
            "preserve_thinking=True has no effect there. Leave it unset, or use a "
            "model that supports it (e.g. 'qwen3.7-plus', 'qwen3.6-plus')."
            f"{_OUT_OF_DATE}"
        )
        raise ValueError(msg)


def _check_n(payload: Mapping[str, Any], info: ModelInfo | None) -> None:
    n = body_value(payload, "n")
    if n is None or n == 1:
        return
    model = payload.get("model")
    if payload.get("tools"):
        msg = f"n must be 1 when tools are passed, got n={n!r}."
        raise ValueError(msg)
    if info is None:
        return
    if info.n_gt_1 is False:
        msg = (
            f"Model {model!r} returns one choice per request; n={n!r} needs a model "
            "that supports n from 1 to 4 (e.g. 'qwen-plus'). Use n=1, or batch()."
            f"{_OUT_OF_DATE}"
        )
        raise ValueError(msg)
    if thinking_on(payload, info):
        msg = (
            f"n={n!r} works only with thinking off; pass enable_thinking=False or "
            "use n=1."
        )
        raise ValueError(msg)


def _drop_moot_thinking_off(
    payload: dict[str, Any], info: ModelInfo | None
) -> dict[str, Any]:
    """Drop `enable_thinking: false` for a model that never thinks.

    What was asked (no thinking) holds either way, and DashScope rejects
    `enable_thinking` for non-hybrid models; generic code that turns thinking
    off for any model (structured output, forced tool choice) keeps working.
    """
    extra = payload.get("extra_body")
    if (
        info is None
        or info.thinking != "none"
        or not isinstance(extra, Mapping)
        or extra.get("enable_thinking") is not False
    ):
        return payload
    rest = {k: v for k, v in extra.items() if k != "enable_thinking"}
    out = {k: v for k, v in payload.items() if k != "extra_body"}
    if rest:
        out["extra_body"] = rest
    return out


def check_model_name(model: Any) -> None:
    """Check that a model name is a non-empty string, before anything reads it.

    Args:
        model: The `model` given to `ChatQwen(...)` or to a call.

    Raises:
        ValueError: `model` is not a string, or is empty.
    """
    if isinstance(model, str) and model.strip():
        return
    msg = (
        f"model must be a model name string such as 'qwen-plus', got {model!r} "
        f"({type(model).__name__}). Pass model='qwen-plus' (or another name from "
        "langchain_qwen.list_models()), or leave model unset for the region's "
        "default."
    )
    raise ValueError(msg)


def _check_token_limit(payload: Mapping[str, Any], info: ModelInfo | None) -> None:
    """The cap against the catalogue's output limit for this call.

    `max_output_tokens` is the limit of a call without thinking;
    `max_completion_tokens` also counts the reasoning, so a thinking call is
    capped only where the catalogue knows its own limit
    (`max_output_tokens_thinking`, e.g. qwen4-max's 262,144).
    """
    thinking = thinking_on(payload, info)
    if info is not None and thinking is True:
        limit = info.max_output_tokens_thinking
    elif thinking is False:
        limit = info.max_output_tokens if info is not None else None
    else:
        return
    if not limit:
        return
    for name in ("max_tokens", "max_completion_tokens"):
        value = body_value(payload, name)
        if value is not None and value > limit:
            msg = (
                f"{name}={value!r} is above {payload.get('model')!r}'s output limit "
                f"of {limit} tokens (DashScope: 'Range of max_tokens should be "
                f"[1, {limit}]'). Pass at most {limit}, or leave {name} unset for "
                f"the model's default.{_OUT_OF_DATE}"
            )
            raise ValueError(msg)


def _check_logprobs(payload: Mapping[str, Any]) -> None:
    if body_value(payload, "top_logprobs") is None:
        return
    if body_value(payload, "logprobs") is not True:
        msg = (
            "top_logprobs takes effect only with logprobs=True, which this request "
            "does not set: pass logprobs=True as well, or drop top_logprobs."
        )
        raise ValueError(msg)


def _check_response_format(payload: Mapping[str, Any]) -> None:
    response_format = payload.get("response_format")
    if not isinstance(response_format, Mapping):
        return  # A schema class: the SDK turns it into a json_schema format.
    kind = response_format.get("type")
    if kind not in _RESPONSE_FORMAT_TYPES:
        msg = (
            "response_format must be a dict whose 'type' is 'text', 'json_object' "
            f"or 'json_schema', got {dict(response_format)!r}. For structured "
            "output, use model.with_structured_output(schema)."
        )
        raise ValueError(msg)


def check_settings(payload: Mapping[str, Any], info: ModelInfo | None) -> None:
    """Check every request field that needs no messages, before sending.

    One implementation for both moments: `ChatQwen(...)` runs it on the
    instance's own fields, and each call on the call's whole payload. Models
    the catalogue does not know (or `validate_model=False`, `info=None`) get
    only the checks that hold for any model: types, ranges, `stop`,
    `response_format` and the pairs of fields that only work together.

    Args:
        payload: The request payload (DashScope fields anywhere in it).
        info: The catalogue entry of the model the request names, if its
            capability checks apply.

    Raises:
        ValueError: The request cannot work as asked; the message says why and
            what to do instead.
    """
    _check_flags(payload)
    check_ranges(payload)
    _check_token_limit(payload, info)
    _check_logprobs(payload)
    check_stop(payload.get("stop"))
    _check_response_format(payload)
    if info is not None:
        _check_thinking(payload, info)
    effort.check_reasoning_effort(payload, info, thinking=thinking_on(payload, info))
    _check_n(payload, info)
    encrypted.check_thinking_display(payload, info)
    audio.check_audio_request(payload, info, thinking=thinking_on(payload, info))


def _without(payload: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    out = {k: v for k, v in payload.items() if k not in names}
    extra = payload.get("extra_body")
    if isinstance(extra, Mapping):
        rest = {k: v for k, v in extra.items() if k not in names}
        if rest:
            out["extra_body"] = rest
        else:
            out.pop("extra_body", None)
    return out


def apply_call_thinking_switch(
    payload: dict[str, Any], call: Mapping[str, Any]
) -> dict[str, Any]:
    """Leave out inherited thinking limits in a call that turns thinking off.

    An instance's (or `model_kwargs`') `thinking_budget` or `reasoning_effort`
    limits thinking when there is some; a call (or a bound runnable) that
    passes `enable_thinking=False` has none, so they are not sent, and are no
    error. The same fields given in that call are the user's own
    contradiction, and the checks refuse them.

    Args:
        payload: The request payload; not modified.
        call: The arguments of the call (and of `bind`), without the
            instance's fields.

    Returns:
        The payload to check and send.
    """
    extra = call.get("extra_body")
    switch = call.get("enable_thinking")
    if switch is None and isinstance(extra, Mapping):
        switch = extra.get("enable_thinking")
    if switch is not False:
        return payload
    given = set(call) | (set(extra) if isinstance(extra, Mapping) else set())
    inherited = [
        name
        for name in _THINKING_LIMITS
        if name not in given and body_value(payload, name) is not None
    ]
    return _without(payload, inherited) if inherited else payload


def use_max_completion_tokens(
    payload: dict[str, Any], call: Mapping[str, Any]
) -> dict[str, Any]:
    """Send `max_tokens` as `max_completion_tokens`, as `ChatOpenAI` does.

    DashScope replaced `max_tokens` with `max_completion_tokens` (reasoning included) in
    April 2026 (notice 724,
    alibabacloud.com/en/notice/model_studio_notice_of_changes_to_certain_model_fields_724).
    When both are set, the one given in the call wins over the instance's; both at the
    same level, with different values, is a contradiction.

    Args:
        payload: The request payload; not modified.
        call: The arguments of the call (and of `bind`).

    Returns:
        The payload with at most `max_completion_tokens`.

    Raises:
        ValueError: `max_tokens` and `max_completion_tokens` were both given,
            with different values, at the same level.
    """
    if "max_tokens" not in payload:
        return payload
    out = dict(payload)
    value = out.pop("max_tokens")
    other = out.get("max_completion_tokens")
    if value is None or value == other:
        return out
    if other is None:
        out["max_completion_tokens"] = value
        return out
    in_call = ("max_tokens" in call, "max_completion_tokens" in call)
    if in_call == (True, False):
        out["max_completion_tokens"] = value
    elif in_call[0] == in_call[1]:
        msg = (
            f"max_tokens={value!r} and max_completion_tokens={other!r} were both "
            "given: DashScope reads them as one limit (max_completion_tokens). "
            "Give one of them."
        )
        raise ValueError(msg)
    return out


def shape_request(
    payload: dict[str, Any],
    messages: Sequence[BaseMessage],
    info: ModelInfo | None,
    *,
    dashscope: bool | None = None,
    call: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Check a request and shape it the way DashScope wants it.

    Runs after `move_dashscope_fields`. Leaves out inherited thinking limits
    in a call that turns thinking off, runs `check_settings`, sends
    `max_tokens` as `max_completion_tokens` to DashScope, normalises the
    messages and checks the list DashScope will read. Every check runs before
    any request is sent. Models the catalogue does not know (self-hosted
    names, say) get only the model-independent checks.

    Args:
        payload: The request payload; not modified.
        messages: The LangChain messages the payload's `messages` came from,
            one for one (they carry reasoning and partial-mode flags).
        info: The catalogue entry of the requested model, if known.
        dashscope: Whether DashScope serves the request, so that its message
            rules apply (`None`: when the catalogue knows the model).
        call: The arguments of this call (and of `bind`), which decide before
            the instance's fields do.

    Returns:
        The payload to send.

    Raises:
        ValueError: The request cannot work as asked; the message says why and
            what to do instead.
    """
    call = call or {}
    dashscope = info is not None if dashscope is None else dashscope
    payload = apply_call_thinking_switch(payload, call)
    check_settings(payload, info)
    if dashscope:
        payload = use_max_completion_tokens(payload, call)
    out = _drop_moot_thinking_off(dict(payload), info)
    out["messages"] = normalise_messages(
        payload.get("messages") or [],
        messages,
        info,
        preserve_thinking=body_value(payload, "preserve_thinking") is True,
        thinking=thinking_on(payload, info),
    )
    check_message_list(out["messages"], dashscope=dashscope)
    encrypted.check_history(payload, out["messages"], dashscope=dashscope)
    if dashscope:
        out["messages"] = audio.drop_reply_audio(out["messages"])
    return out
