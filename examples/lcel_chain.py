"""An LCEL chain: prompt | ChatQwen | parser, invoked, batched and streamed."""

from __future__ import annotations

from _mode import chat_kwargs
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_qwen import ChatQwen
from langchain_qwen.testing import text_completion


def main() -> None:
    # Offline, each answer is keyed by the language the prompt names: `batch`
    # sends its two requests at once, in no fixed order.
    offline = {
        "French": text_completion("Bonjour, le monde !"),
        "German": text_completion("Hallo Welt!"),
        "Spanish": text_completion("Hola, mundo!"),
        "Italian": text_completion("Ciao, mondo!"),
    }
    with chat_kwargs(scripts=offline) as kwargs:
        prompt = ChatPromptTemplate.from_messages(
            [
                (
                    "system",
                    "Translate the user's text into {language}. "
                    "Reply with the translation only.",
                ),
                ("human", "{text}"),
            ]
        )
        chain = (
            prompt
            | ChatQwen(model="qwen-plus", temperature=0.2, **kwargs)
            | StrOutputParser()
        )

        print("[invoke]", chain.invoke({"language": "French", "text": "Hello, world!"}))
        print(
            "[batch] ",
            chain.batch(
                [
                    {"language": "German", "text": "Hello, world!"},
                    {"language": "Spanish", "text": "Hello, world!"},
                ]
            ),
        )
        print("[stream]", end=" ")
        for piece in chain.stream({"language": "Italian", "text": "Hello, world!"}):
            print(piece, end="", flush=True)
        print()


if __name__ == "__main__":
    main()
