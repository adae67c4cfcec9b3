"""Message shaping, on the dicts DashScope receives.

The rules: alibabacloud.com/help/en/model-studio/qwen-api-via-openai-chat-completions.

Most tests go through `ChatQwen._get_request_payload`, so that the dicts are the
ones `langchain-openai` really builds from LangChain messages.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_qwen import ChatQwen
from langchain_qwen._chat.messages import (
    check_message_list,
    normalise_messages,
    tool_result_text,
)
from langchain_qwen.catalogue import catalog

KEY = "sk-unit"
CALL = {"name": "weather", "args": {"city": "Paris"}, "id": "call_1"}
WIRE_CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
    "index": 0,
}


def _messages(
    messages: list[BaseMessage], model: str = "qwen-plus", **kwargs: Any
) -> list[dict[str, Any]]:
    # Qwen-Long is offered in Beijing only.
    region = "beijing" if model == "qwen-long" else None
    chat = ChatQwen(api_key=KEY, model=model, region=region)
    return chat._get_request_payload(messages, **kwargs)["messages"]


# --- system messages ---------------------------------------------------------------


def test_system_messages_become_one_at_the_front() -> None:
    sent = _messages(
        [
            HumanMessage("hi"),
            SystemMessage("Be brief."),
            AIMessage("Hello."),
            SystemMessage("Answer in French."),
            HumanMessage("How are you?"),
        ]
    )
    assert sent == [
        {"role": "system", "content": "Be brief.\n\nAnswer in French."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "How are you?"},
    ]


def test_single_leading_system_message_untouched() -> None:
    messages = [SystemMessage("Be brief."), HumanMessage("hi")]
    assert _messages(messages) == [
        {"content": "Be brief.", "role": "system"},
        {"content": "hi", "role": "user"},
    ]


def test_late_system_message_moves_to_the_front() -> None:
    assert _messages([HumanMessage("hi"), SystemMessage("Be brief.")])[0] == {
        "content": "Be brief.",
        "role": "system",
    }


def test_qwen_long_file_references_stay_separate() -> None:
    sent = _messages(
        [
            SystemMessage("You are a helpful assistant."),
            SystemMessage("fileid://file-fe-1"),
            SystemMessage("fileid://file-fe-2,file-fe-3"),
            SystemMessage("Quote the files."),
            HumanMessage("Summarise the files."),
        ],
        model="qwen-long",
    )
    assert sent == [
        {
            "role": "system",
            "content": "You are a helpful assistant.\n\nQuote the files.",
        },
        {"role": "system", "content": "fileid://file-fe-1"},
        {"role": "system", "content": "fileid://file-fe-2,file-fe-3"},
        {"role": "user", "content": "Summarise the files."},
    ]


def test_system_messages_with_cache_control_keep_their_parts() -> None:
    cached = {"type": "text", "text": "Long context.", "cache_control": {"type": "x"}}
    sent = _messages(
        [SystemMessage("Be brief."), SystemMessage([cached]), HumanMessage("hi")]
    )
    assert sent[0] == {
        "role": "system",
        "content": [{"type": "text", "text": "Be brief."}, cached],
    }


# --- content -----------------------------------------------------------------------


def test_text_only_models_get_string_content() -> None:
    sent = _messages(
        [
            SystemMessage([{"type": "text", "text": "Be "}, "brief."]),
            HumanMessage([{"type": "text", "text": "Hello, "}, "world"]),
            AIMessage([{"type": "text", "text": "Hi"}]),
            HumanMessage("Bye"),
        ]
    )
    assert [m["content"] for m in sent] == ["Be brief.", "Hello, world", "Hi", "Bye"]


def test_text_only_models_keep_cache_control_lists() -> None:
    part = {"type": "text", "text": "Long.", "cache_control": {"type": "ephemeral"}}
    assert _messages([HumanMessage([part])])[0]["content"] == [part]


def test_non_text_parts_are_left_for_the_multimodal_rules() -> None:
    image = {"type": "image_url", "image_url": {"url": "https://x/y.png"}}
    content = [{"type": "text", "text": "What is this?"}, image]
    # Not flattened away: a text-only model refuses the image instead.
    with pytest.raises(ValueError, match="does not accept image input"):
        _messages([HumanMessage(content)])
    assert (
        _messages([HumanMessage(content)], model="qwen3-vl-plus")[0]["content"]
        == content
    )


def test_vision_and_unknown_models_keep_lists() -> None:
    content = [{"type": "text", "text": "Hello"}]
    assert _messages([HumanMessage(content)], model="qwen3-vl-plus")[0]["content"] == [
        {"type": "text", "text": "Hello"}
    ]
    lenient = ChatQwen(api_key=KEY, base_url="http://127.0.0.1:9/v1", model="m")
    assert lenient._get_request_payload([HumanMessage(content)])["messages"][0][
        "content"
    ] == [{"type": "text", "text": "Hello"}]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("plain", "plain"),
        ([{"type": "text", "text": "a"}, "b"], "ab"),
        ([{"city": "Paris", "temp": 21}], '[{"city": "Paris", "temp": 21}]'),
        ({"city": "東京"}, '{"city": "東京"}'),
        (None, ""),
        (7, "7"),
    ],
)
def test_tool_results_become_strings(content: Any, expected: str) -> None:
    assert tool_result_text(content) == expected


def test_tool_result_with_media_left_unchanged() -> None:
    content = [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]
    assert tool_result_text(content) == content


def test_tool_message_sent_as_string_for_every_model() -> None:
    messages = [
        HumanMessage("weather?"),
        AIMessage("", tool_calls=[CALL]),
        ToolMessage([{"type": "text", "text": "21 C"}], tool_call_id="call_1"),
    ]
    for model in ("qwen-plus", "qwen3-vl-plus"):
        assert _messages(messages, model=model)[2] == {
            "content": "21 C",
            "role": "tool",
            "tool_call_id": "call_1",
        }


# --- reasoning in history -----------------------------------------------------------


def _history(reasoning_on_tool_turn: bool = True) -> list[BaseMessage]:
    return [
        HumanMessage("Weather in Paris?"),
        AIMessage(
            "",
            tool_calls=[CALL],
            additional_kwargs={"reasoning_content": "R-old-tool"}
            if reasoning_on_tool_turn
            else {},
        ),
        ToolMessage("21 C", tool_call_id="call_1"),
        AIMessage("21 C in Paris.", additional_kwargs={"reasoning_content": "R-old"}),
        HumanMessage("And in Rome?"),
        AIMessage(
            "", tool_calls=[CALL], additional_kwargs={"reasoning_content": "R-now"}
        ),
        ToolMessage("25 C", tool_call_id="call_1"),
    ]


def test_reasoning_goes_back_in_the_current_tool_loop_only() -> None:
    sent = _messages(_history(), model="qwen3.7-plus")
    assert sent[1] == {"content": None, "role": "assistant", "tool_calls": [WIRE_CALL]}
    assert sent[3] == {"content": "21 C in Paris.", "role": "assistant"}
    assert sent[5] == {
        "content": None,
        "role": "assistant",
        "tool_calls": [WIRE_CALL],
        "reasoning_content": "R-now",
    }
    assert all("R-" not in str(m.get("content")) for m in sent)


def test_reasoning_goes_back_everywhere_with_preserve_thinking() -> None:
    sent = _messages(_history(), model="qwen3.7-plus", preserve_thinking=True)
    assert [m.get("reasoning_content") for m in sent] == [
        None,
        "R-old-tool",
        None,
        "R-old",
        None,
        "R-now",
        None,
    ]
    assert sent[3]["content"] == "21 C in Paris."


def test_reasoning_from_v1_content_blocks() -> None:
    v1 = AIMessage(
        [
            {"type": "reasoning", "reasoning": "R-v1"},
            {"type": "text", "text": "Paris."},
        ],
        response_metadata={"output_version": "v1"},
    )
    messages = [HumanMessage("Capital of France?"), v1, HumanMessage("Sure?")]
    # A text-only model that reads earlier reasoning.
    kept = _messages(messages, model="qwen3.7-max", preserve_thinking=True)
    assert kept[1] == {
        "content": "Paris.",
        "role": "assistant",
        "reasoning_content": "R-v1",
    }
    dropped = _messages(messages, model="qwen3.7-max")
    assert dropped[1] == {"content": "Paris.", "role": "assistant"}


def test_reasoning_without_sources_is_not_invented() -> None:
    dicts = [{"role": "assistant", "content": "x"}]
    assert normalise_messages(
        dicts, [], None, preserve_thinking=True, thinking=None
    ) == [{"role": "assistant", "content": "x"}]


def test_dicts_are_not_modified() -> None:
    dicts = [
        {"role": "user", "content": [{"type": "text", "text": "a"}]},
        {"role": "system", "content": "s"},
    ]
    snapshot = [dict(d) for d in dicts]
    normalise_messages(
        dicts,
        [HumanMessage("a"), SystemMessage("s")],
        catalog.lookup("qwen-plus"),
        preserve_thinking=False,
        thinking=False,
    )
    assert dicts == snapshot


# --- partial mode --------------------------------------------------------------------


def test_partial_mode() -> None:
    sent = _messages(
        [
            HumanMessage("Complete the function."),
            AIMessage("def fib(n):\n", additional_kwargs={"partial": True}),
        ]
    )
    assert sent[-1] == {
        "content": "def fib(n):\n",
        "role": "assistant",
        "partial": True,
    }


def test_partial_must_be_last() -> None:
    with pytest.raises(ValueError, match="only the final AIMessage"):
        _messages(
            [
                HumanMessage("a"),
                AIMessage("b", additional_kwargs={"partial": True}),
                HumanMessage("c"),
            ]
        )


def test_partial_needs_a_model_that_supports_it() -> None:
    with pytest.raises(ValueError, match="qwen-long does not support partial"):
        _messages(
            [HumanMessage("a"), AIMessage("b", additional_kwargs={"partial": True})],
            model="qwen-long",
        )


def test_partial_needs_thinking_off() -> None:
    messages = [HumanMessage("a"), AIMessage("b", additional_kwargs={"partial": True})]
    with pytest.raises(ValueError, match="pass enable_thinking=False"):
        _messages(messages, model="qwen3.7-plus")
    sent = _messages(messages, model="qwen3.7-plus", enable_thinking=False)
    assert sent[-1]["partial"] is True


def test_partial_on_unknown_model_is_sent() -> None:
    model = ChatQwen(api_key=KEY, base_url="http://127.0.0.1:9/v1", model="m")
    messages = [HumanMessage("a"), AIMessage("b", additional_kwargs={"partial": True})]
    assert model._get_request_payload(messages)["messages"][-1]["partial"] is True


# --- roles some models reject -----------------------------------------------------


def test_qwq_rejects_system_message() -> None:
    # qwq-plus is retired on DashScope (2026-10-10); its rules still apply on
    # other hosts, where the name is not checked.
    chat = ChatQwen(api_key=KEY, model="qwq-plus", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ValueError, match="Put the instructions in the user message"):
        chat._get_request_payload([SystemMessage("Be brief."), HumanMessage("hi")])
    assert chat._get_request_payload([HumanMessage("hi")])["messages"] == [
        {"content": "hi", "role": "user"}
    ]


@pytest.mark.parametrize(
    "messages",
    [
        [SystemMessage("Translate."), HumanMessage("Hallo")],
        [HumanMessage("Hallo"), AIMessage("Hello"), HumanMessage("Welt")],
        [],
    ],
)
def test_qwen_mt_takes_exactly_one_user_message(messages: list[BaseMessage]) -> None:
    with pytest.raises(ValueError, match="translates exactly one user message"):
        _messages(messages, model="qwen-mt-plus")


def test_qwen_mt_single_user_message() -> None:
    sent = _messages(
        [HumanMessage("Hallo")],
        model="qwen-mt-plus",
        translation_options={"source_lang": "auto", "target_lang": "English"},
    )
    assert sent == [{"content": "Hallo", "role": "user"}]


def test_history_tool_calls_carry_their_index() -> None:
    calls = [
        {"name": "weather", "args": {"city": "Hangzhou"}, "id": "call_1"},
        {"name": "weather", "args": {"city": "Beijing"}, "id": "call_2"},
    ]
    sent = _messages(
        [
            HumanMessage("Weather in Hangzhou and Beijing?"),
            AIMessage("", tool_calls=calls),
            ToolMessage("sunny", tool_call_id="call_1"),
            ToolMessage("rain", tool_call_id="call_2"),
        ]
    )
    assert [(c["id"], c["index"]) for c in sent[1]["tool_calls"]] == [
        ("call_1", 0),
        ("call_2", 1),
    ]
    assert sent[1]["tool_calls"][1]["function"] == {
        "name": "weather",
        "arguments": '{"city": "Beijing"}',
    }


# --- reasoning that comes back summarised or encrypted ------------------------------

ENCRYPTED = "Plan: call weather. [Some reasoning content is encrypted]"


@pytest.mark.parametrize("where", ["additional_kwargs", "content_blocks"])
def test_encrypted_reasoning_goes_back_verbatim_in_a_tool_loop(where: str) -> None:
    if where == "additional_kwargs":
        ai = AIMessage(
            "", tool_calls=[CALL], additional_kwargs={"reasoning_content": ENCRYPTED}
        )
    else:
        ai = AIMessage(
            [{"type": "reasoning", "reasoning": ENCRYPTED}], tool_calls=[CALL]
        )
    sent = _messages(
        [HumanMessage("Weather?"), ai, ToolMessage("sunny", tool_call_id="call_1")],
        model="qwen3.7-plus",
    )
    assert sent[1]["reasoning_content"] == ENCRYPTED
    assert ENCRYPTED not in str(sent[1].get("content"))


# --- the message list DashScope reads ---------------------------------------------


def test_message_list_rules() -> None:
    user = {"role": "user", "content": "hi"}
    with pytest.raises(ValueError, match="No messages to send"):
        check_message_list([], dashscope=False)
    check_message_list([{"role": "system", "content": "x"}], dashscope=False)
    with pytest.raises(ValueError, match="needs a user message"):
        check_message_list([{"role": "system", "content": "x"}], dashscope=True)
    check_message_list(
        [user, {"role": "assistant", "content": "de", "partial": True}],
        dashscope=True,
    )
    loop = [
        user,
        {"role": "assistant", "content": "", "tool_calls": [WIRE_CALL, WIRE_CALL]},
        {"role": "tool", "content": "a", "tool_call_id": "call_1"},
        {"role": "tool", "content": "b", "tool_call_id": "call_1"},
    ]
    check_message_list(loop, dashscope=True)
    with pytest.raises(ValueError, match="Message 2 is a ToolMessage"):
        check_message_list(
            [user, {"role": "assistant", "content": "x"}, loop[2]], dashscope=True
        )
