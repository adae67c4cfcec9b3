"""A RAG-style chain run twice: with ChatOpenAI and with ChatQwen.

The retriever is a tiny keyword matcher so the example needs no embeddings. The
only line that changes between providers is the model.
"""

from __future__ import annotations

import os

from _mode import chat_kwargs
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from langchain_openai import ChatOpenAI

from langchain_qwen import ChatQwen
from langchain_qwen.testing import text_completion

DOCS = [
    Document(
        "Model Studio keys belong to one region: a Beijing key fails in Singapore."
    ),
    Document("ChatQwen reads DASHSCOPE_API_KEY and never OPENAI_API_KEY."),
    Document("QwQ models think before answering and only answer when streamed."),
]


def retrieve(question: str) -> str:
    words = {w.strip("?.,").lower() for w in question.split()}
    hits = [d.page_content for d in DOCS if words & set(d.page_content.lower().split())]
    return "\n".join(hits) or "(nothing found)"


def rag_chain(model: BaseChatModel):  # noqa: ANN201 - a runnable of any shape
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Answer from the context only.\n\nContext:\n{context}"),
            ("human", "{question}"),
        ]
    )
    return (
        {"context": RunnableLambda(retrieve), "question": RunnablePassthrough()}
        | prompt
        | model
        | StrOutputParser()
    )


def main() -> None:
    question = "Why does my Beijing key fail in Singapore?"
    answer = "Because Model Studio keys belong to one region."
    with chat_kwargs(text_completion(answer), text_completion(answer)) as kwargs:
        if kwargs:  # offline: both providers talk to the same replay server
            openai_model: BaseChatModel | None = ChatOpenAI(
                model="qwen-plus",
                base_url=kwargs["base_url"],
                api_key=kwargs["api_key"],
            )
        elif os.environ.get("OPENAI_API_KEY"):
            openai_model = ChatOpenAI(model="gpt-4o-mini")
        else:
            openai_model = None
            print("[ChatOpenAI] skipped: OPENAI_API_KEY is not set")
        if openai_model is not None:
            print("[ChatOpenAI]", rag_chain(openai_model).invoke(question))
        print(
            "[ChatQwen]  ",
            rag_chain(ChatQwen(model="qwen-plus", **kwargs)).invoke(question),
        )


if __name__ == "__main__":
    main()
