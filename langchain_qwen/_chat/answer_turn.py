"""An agent's answer turn on models without DashScope's `tool_choice: "required"`.

See `tools.answer_fallback`: the model is asked with `tool_choice="auto"`
first, and only when it answers in text, asked again with the answer tool
forced by name. Every reply calls a tool, as the agent's `"any"` asks.
"""

from __future__ import annotations

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda


def _calls_tool(message: BaseMessage) -> bool:
    # An invalid call (bad JSON arguments) is still a call: the agent repairs it.
    return isinstance(message, AIMessage) and bool(
        message.tool_calls or message.invalid_tool_calls
    )


def answer_or_force(
    free: Runnable[LanguageModelInput, AIMessage],
    forced: Runnable[LanguageModelInput, AIMessage],
) -> Runnable[LanguageModelInput, AIMessage]:
    """Ask `free`; if its reply calls no tool, ask `forced` the same input.

    Args:
        free: The model bound with `tool_choice="auto"` over every tool.
        forced: The model bound with the answer tool forced by name.

    Returns:
        A runnable whose reply always has a tool call (when the model obeys
        a forced choice). Each request is its own traced model run.
    """

    def ask(value: LanguageModelInput, config: RunnableConfig) -> AIMessage:
        message = free.invoke(value, config)
        return message if _calls_tool(message) else forced.invoke(value, config)

    async def aask(value: LanguageModelInput, config: RunnableConfig) -> AIMessage:
        message = await free.ainvoke(value, config)
        if _calls_tool(message):
            return message
        return await forced.ainvoke(value, config)

    return RunnableLambda(ask, afunc=aask, name="ChatQwenAnswerTurn")
