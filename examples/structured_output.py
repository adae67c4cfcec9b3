"""Structured extraction with with_structured_output (DashScope's json_schema)."""

from __future__ import annotations

from _mode import chat_kwargs
from pydantic import BaseModel, Field

from langchain_qwen import ChatQwen
from langchain_qwen.testing import text_completion


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str = Field(description="Full name")
    born: int = Field(description="Year of birth")
    known_for: str = Field(description="What the person is known for, in a few words")


def main() -> None:
    # Offline, what the model answers under DashScope's json_schema mode.
    answer = (
        '{"name": "Ada Lovelace", "born": 1815, '
        '"known_for": "the first published algorithm"}'
    )
    with chat_kwargs(text_completion(answer), text_completion(answer)) as kwargs:
        model = ChatQwen(model="qwen-plus", **kwargs)
        extractor = model.with_structured_output(Person)  # json_schema for qwen-plus
        text = (
            "Ada Lovelace, born in 1815, is known for writing the first published "
            "algorithm intended for Charles Babbage's Analytical Engine."
        )
        person = extractor.invoke(f"Extract the person from this text: {text}")
        print("[parsed]", repr(person))

        raw = model.with_structured_output(Person, include_raw=True).invoke(
            f"Extract the person from this text: {text}"
        )
        print("[raw content]", raw["raw"].content)
        print("[parsing error]", raw["parsing_error"])


if __name__ == "__main__":
    main()
