"""RAG with Qwen end to end: load, split, embed, retrieve, rerank, answer.

`QwenEmbeddings` fills an in-memory vector store, `QwenRerank` keeps the best
retrieved chunks, and `ChatQwen` answers from them. Runs against DashScope when
DASHSCOPE_API_KEY is set (region from DASHSCOPE_REGION); otherwise against the
local replay server, whose embeddings and reranker are deterministic stand-ins
(word overlap), and says so first.
"""

from __future__ import annotations

from _mode import chat_kwargs
from langchain_core.documents import Document
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_qwen import ChatQwen, QwenEmbeddings, QwenRerank
from langchain_qwen.testing import text_completion

HANDBOOK = """\
The Lantern Bay ferry leaves the north pier every hour from 6 am to 10 pm. \
Tickets are sold at the pier kiosk and on board; children under six ride free.

Bicycles are allowed on the ferry for a fee of two euros. Dogs ride free when \
they are on a leash. The crossing to Gull Island takes twenty-five minutes.

In winter (December to February) the ferry runs every two hours, and the last \
crossing leaves at 8 pm. Storm warnings cancel all crossings.

Gull Island has a lighthouse museum, open from 10 am to 5 pm except Mondays. \
The museum cafe serves fish soup and the island's famous blackberry tart.

Lost property is kept at the north pier kiosk for thirty days. Call the harbour \
office to ask whether an item was found on a crossing.
"""
QUESTION = "Can I take my bicycle on the ferry, and what does it cost?"


def load() -> list[Document]:
    return [Document(HANDBOOK, metadata={"source": "handbook.txt"})]


def split(docs: list[Document], max_chars: int = 300) -> list[Document]:
    """Split on blank lines, then pack paragraphs into chunks of max_chars."""
    chunks: list[Document] = []
    for doc in docs:
        current = ""
        for raw in doc.page_content.split("\n\n"):
            paragraph = raw.strip()
            if current and len(current) + len(paragraph) + 1 > max_chars:
                chunks.append(Document(current, metadata=dict(doc.metadata)))
                current = ""
            current = f"{current}\n{paragraph}".strip()
        if current:
            chunks.append(Document(current, metadata=dict(doc.metadata)))
    return chunks


def main() -> None:
    offline_answer = text_completion(
        "Yes: bicycles are allowed on the ferry for a fee of two euros."
    )
    with chat_kwargs(offline_answer) as kwargs:
        embeddings = QwenEmbeddings(model="text-embedding-v4", **kwargs)
        reranker = QwenRerank(top_n=2, **kwargs)
        chat = ChatQwen(model="qwen-plus", **kwargs)

        chunks = split(load(), max_chars=160)
        print(f"[chunks] {len(chunks)} chunks from {len(load())} document")
        store = InMemoryVectorStore.from_documents(chunks, embedding=embeddings)

        candidates = store.similarity_search(QUESTION, k=4)
        print("[retrieved]", [c.page_content[:40] for c in candidates])
        best = reranker.compress_documents(candidates, QUESTION)
        for doc in best:
            score = doc.metadata["relevance_score"]
            print(f"[reranked] {score:.3f} {doc.page_content[:60]}")

        prompt = ChatPromptTemplate.from_messages(
            [
                ("system", "Answer from the context only.\n\nContext:\n{context}"),
                ("human", "{question}"),
            ]
        )
        context = "\n\n".join(doc.page_content for doc in best)
        answer = (prompt | chat).invoke({"context": context, "question": QUESTION})
        print("[answer]", answer.content)


if __name__ == "__main__":
    main()
