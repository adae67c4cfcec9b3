"""Message shaping: the payload's message dicts, the way DashScope wants them.

Pure functions on the OpenAI-style message dicts that `langchain-openai` builds,
read beside the LangChain messages they came from (which carry what the dicts
lose: reasoning and the partial-mode flag). The rules are those of
alibabacloud.com/help/en/model-studio/qwen-api-via-openai-chat-completions:

- several system messages become one at the front; Qwen-Long's `fileid://`
  entries stay separate system messages right after it;
- tool results are strings (structured results are serialised as JSON);
- text-only models get string content rather than lists of text parts;
- reasoning goes back as the assistant message's `reasoning_content`, never as
  `content`, and only when the model reads it (`preserve_thinking`) or in the
  current tool-call loop, where leaving it out degrades accuracy (section 1.1);
- partial mode (prefix continuation) is an `AIMessage` last in the list with
  `additional_kwargs={"partial": True}`;
- QwQ takes no system message and Qwen-MT exactly one user message: anything
  else is a `ValueError` saying what to send instead;
- the list is never empty, holds a user message, and each tool result follows
  the assistant message whose tool calls it answers (section 5 and 6: DashScope
  answers each of these with a 400).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from langchain_qwen.catalogue.catalog import ModelInfo

FILE_ID_PREFIX = "fileid://"
"""How a Qwen-Long system message references an uploaded file."""

PARTIAL_KEY = "partial"
"""The `AIMessage.additional_kwargs` key that asks for prefix continuation."""

# Content part types that are data for the model, not text: such parts are
# left for the multimodal conversion to handle (or reject).
_MEDIA_PARTS = frozenset(
    {
        "image_url",
        "image",
        "input_audio",
        "audio",
        "video",
        "video_url",
        "file",
    }
)


def _is_text_part(part: Any) -> bool:
    return isinstance(part, str) or (
        isinstance(part, dict)
        and part.get("type") == "text"
        and isinstance(part.get("text"), str)
    )


def _part_text(part: Any) -> str:
    return part if isinstance(part, str) else part["text"]


def _flatten_text(content: Any) -> Any:
    """Join a list of plain text parts into one string; anything else as is.

    Parts are joined without a separator, as LangChain's `BaseMessage.text`
    does. A part carrying `cache_control` keeps the list: DashScope accepts
    array content when explicit caching is asked for.
    """
    if not isinstance(content, list) or not content:
        return content
    if all(
        _is_text_part(p) and not (isinstance(p, dict) and "cache_control" in p)
        for p in content
    ):
        return "".join(_part_text(p) for p in content)
    return content


def tool_result_text(content: Any) -> Any:
    """A tool result as the string DashScope requires.

    Text parts are joined; structured data (a dict, or a list of values that are
    not content parts) is serialised as JSON. A list holding image, audio or
    other media parts is returned unchanged.

    Args:
        content: The tool message's `content` as `langchain-openai` built it.

    Returns:
        A string, or `content` unchanged when it holds media parts.
    """
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        if all(_is_text_part(p) for p in content):
            return "".join(_part_text(p) for p in content)
        if any(isinstance(p, dict) and p.get("type") in _MEDIA_PARTS for p in content):
            return content
    if content is None:
        return ""
    return json.dumps(content, ensure_ascii=False, default=str)


def _is_file_reference(message: dict[str, Any]) -> bool:
    content = message.get("content")
    return isinstance(content, str) and content.lstrip().startswith(FILE_ID_PREFIX)


def _as_parts(content: Any) -> list[Any]:
    if isinstance(content, list):
        return list(content)
    return [{"type": "text", "text": content}] if content else []


def _merge_system(dicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Put one system message first, then any `fileid://` ones, then the rest."""
    systems = [d for d in dicts if d.get("role") == "system"]
    if not systems or (len(systems) == 1 and dicts[0] is systems[0]):
        return dicts
    files = [d for d in systems if _is_file_reference(d)]
    prompts = [d for d in systems if not _is_file_reference(d)]
    head: list[dict[str, Any]] = []
    if prompts:
        contents = [d.get("content") for d in prompts]
        merged: Any
        if all(isinstance(c, str) for c in contents):
            merged = "\n\n".join(c for c in contents if c)
        else:
            merged = [part for c in contents for part in _as_parts(c)]
        head.append({**prompts[0], "content": merged})
    head.extend(files)
    return head + [d for d in dicts if d.get("role") != "system"]


def _reasoning_of(message: AIMessage) -> str | None:
    """The reasoning an assistant message carries, from either place it lives."""
    reasoning = message.additional_kwargs.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        return reasoning
    if isinstance(message.content, list):
        text = "".join(
            block["reasoning"]
            for block in message.content
            if isinstance(block, dict)
            and block.get("type") == "reasoning"
            and isinstance(block.get("reasoning"), str)
        )
        return text or None
    return None


def _check_roles(dicts: list[dict[str, Any]], info: ModelInfo) -> None:
    roles = [d.get("role") for d in dicts]
    if info.family == "QwQ" and "system" in roles:
        msg = (
            f"{info.name} does not take a system message (DashScope: 'Do not set a "
            "System Message for the QwQ model'). Put the instructions in the user "
            "message instead."
        )
        raise ValueError(msg)
    if info.family == "Qwen-MT" and roles != ["user"]:
        msg = (
            f"{info.name} translates exactly one user message per request: send a "
            "single HumanMessage (no system message, no earlier turns) and set the "
            "languages in translation_options, e.g. {'source_lang': 'auto', "
            f"'target_lang': 'English'}}. Got roles {roles}."
        )
        raise ValueError(msg)


def _check_partial(
    index: int, count: int, info: ModelInfo | None, thinking: bool | None
) -> None:
    if index != count - 1:
        msg = (
            "Partial mode continues the last message: only the final AIMessage may "
            f"set additional_kwargs['{PARTIAL_KEY}'] (message {index} of {count} "
            "does)."
        )
        raise ValueError(msg)
    if info is None:
        return
    if not info.partial:
        msg = (
            f"{info.name} does not support partial mode (prefix continuation). Use "
            "a model that does, e.g. 'qwen-plus', 'qwen3-max', 'qwen3-coder-plus'."
        )
        raise ValueError(msg)
    if thinking:
        msg = (
            f"Partial mode works only with thinking off, and {info.name} is "
            "thinking in this request: pass enable_thinking=False."
        )
        raise ValueError(msg)


def normalise_messages(
    dicts: Sequence[dict[str, Any]],
    sources: Sequence[BaseMessage],
    info: ModelInfo | None,
    *,
    preserve_thinking: bool,
    thinking: bool | None,
) -> list[dict[str, Any]]:
    """Shape the payload's messages for DashScope.

    Args:
        dicts: The OpenAI-style message dicts; not modified.
        sources: The LangChain messages they were built from, one for one. When
            the counts differ, nothing that needs them (reasoning, partial mode)
            is added.
        info: The catalogue entry of the requested model, if known; unknown
            models skip the model-specific rules.
        preserve_thinking: Whether the request sets `preserve_thinking`, so the
            model reads every earlier turn's reasoning.
        thinking: Whether the model thinks in this request (`None`: unknown).

    Returns:
        New message dicts.

    Raises:
        ValueError: The messages cannot work with this model (QwQ with a system
            message, Qwen-MT with anything but one user message, partial mode
            misplaced or unsupported).
    """
    out = [dict(d) for d in dicts]
    paired = len(sources) == len(out)
    last_user = max(
        (i for i, d in enumerate(out) if d.get("role") == "user"), default=-1
    )
    text_only = info is not None and not (
        info.image_inputs or info.video_inputs or info.audio_inputs
    )
    for i, message in enumerate(out):
        role = message.get("role")
        if role == "tool":
            message["content"] = tool_result_text(message.get("content"))
        elif text_only:
            message["content"] = _flatten_text(message.get("content"))
        if role == "assistant" and message.get("tool_calls"):
            # DashScope documents `index` as required on each history tool call.
            message["tool_calls"] = [
                {**call, "index": call.get("index", n)}
                for n, call in enumerate(message["tool_calls"])
            ]
        source = sources[i] if paired else None
        if role != "assistant" or not isinstance(source, AIMessage):
            continue
        if source.additional_kwargs.get(PARTIAL_KEY) is True:
            _check_partial(i, len(out), info, thinking)
            message[PARTIAL_KEY] = True
        reasoning = _reasoning_of(source)
        in_tool_loop = bool(message.get("tool_calls")) and i > last_user
        if reasoning and (preserve_thinking or in_tool_loop):
            message["reasoning_content"] = reasoning
    if info is not None:
        _check_roles(out, info)
    return _merge_system(out)


def check_message_list(dicts: Sequence[dict[str, Any]], *, dashscope: bool) -> None:
    """Refuse the message lists DashScope answers with a 400, before sending.

    Partial mode (a final assistant message with `partial`), Qwen-Long's
    `fileid://` system messages and tool loops keep working: each of them
    still has a user message.

    Args:
        dicts: The message dicts as they will be sent.
        dashscope: Whether DashScope serves the request; other servers get only
            the check that holds everywhere (the list is not empty).

    Raises:
        ValueError: The list is empty, has no user message, or a tool result
            answers no assistant tool call; the message says what to send.
    """
    if not dicts:
        msg = (
            "No messages to send (DashScope: '[] is too short'). Pass a string "
            "or a list holding at least one HumanMessage, e.g. "
            "model.invoke('Hello') or model.invoke([HumanMessage('Hello')])."
        )
        raise ValueError(msg)
    if not dashscope:
        return
    roles = [d.get("role") for d in dicts]
    if "user" not in roles:
        msg = (
            f"DashScope needs a user message in every request, and these messages "
            f"have roles {roles} (DashScope: 'The input messages do not contain "
            "elements with the role of user'). Add a HumanMessage with the "
            "question or task; a SystemMessage only sets instructions."
        )
        raise ValueError(msg)
    for i, role in enumerate(roles):
        if role != "tool":
            continue
        j = i - 1
        while j >= 0 and roles[j] == "tool":
            j -= 1
        if j < 0 or roles[j] != "assistant" or not dicts[j].get("tool_calls"):
            msg = (
                f"Message {i} is a ToolMessage that does not follow an AIMessage "
                'with tool_calls (DashScope: \'messages with role "tool" must be '
                'a response to a preceeding message with "tool_calls"\'). Put '
                "each ToolMessage right after the AIMessage whose tool call it "
                "answers (or after that AIMessage's other ToolMessages)."
            )
            raise ValueError(msg)


__all__ = [
    "FILE_ID_PREFIX",
    "PARTIAL_KEY",
    "check_message_list",
    "normalise_messages",
    "tool_result_text",
]
