"""Batch: a night's worth of questions as one DashScope batch job, at half price.

Submits chat inputs (plain and structured) and texts to embed, saves the job,
resumes it as another process would, waits with progress and reads the results
in input order. Runs against DashScope when DASHSCOPE_API_KEY is set (a
Singapore key batches qwen-plus; embeddings batch in Beijing only, so that part
runs offline only); otherwise against the local replay server, whose batch
clock this script advances itself.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from langchain_qwen import (
    BatchProgress,
    ChatQwen,
    QwenBatchJob,
    submit_batch,
    submit_embeddings_batch,
)
from langchain_qwen.testing import DashScopeServer, scripted_handler, text_completion


class City(BaseModel):
    name: str
    population_millions: int


def main() -> None:
    with ExitStack() as stack:
        live = bool(os.environ.get("DASHSCOPE_API_KEY"))
        tick: Callable[[BatchProgress], Any]
        if live:
            print("Mode: live DashScope (DASHSCOPE_API_KEY is set).")
            connection: dict[str, str] = {}
            poll = 60.0

            def tick(progress: BatchProgress) -> None:
                print(f"  {progress.status}: {progress.completed}/{progress.total}")

        else:
            server = stack.enter_context(DashScopeServer(handler=scripted_handler))
            print(
                f"Mode: OFFLINE replay on {server.base_url} "
                "(set DASHSCOPE_API_KEY to use DashScope)."
            )
            connection = {"base_url": server.base_url, "api_key": "sk-offline"}
            # Batch lines take the replay queue in input order, then the handler.
            server.enqueue(
                text_completion("The Nile."),
                text_completion("Mount Everest."),
                text_completion("The Sahara."),
            )
            poll = 0.0

            def tick(progress: BatchProgress) -> None:
                print(f"  {progress.status}: {progress.completed}/{progress.total}")
                server.batches.advance()  # the replay server's clock

        model = ChatQwen(model="qwen-plus", temperature=0, **connection)
        questions = ["Name a river.", "Name a mountain.", "Name a desert."]
        job = submit_batch(model, questions)
        print(f"[submitted] {job.id} with {len(questions)} requests")

        # Save the job, then pick it up again as a later process would.
        path = Path(tempfile.mkdtemp()) / "job.json"
        job.save(path)
        job = QwenBatchJob.load(path, model=model)
        final = job.wait(poll_interval=poll, on_progress=tick)
        print(f"[final] {final.status}")
        for question, answer in zip(questions, job.results(), strict=True):
            if isinstance(answer, Exception):
                print(f"[error] {question} -> {answer}")
                continue
            tokens = (answer.usage_metadata or {}).get("total_tokens")
            print(f"[answer] {question} -> {answer.content!r} ({tokens} tokens)")

        structured = model.with_structured_output(City)
        job = submit_batch(
            structured, ["Tokyo, 37 million people", "Lagos, 15 million"]
        )
        job.wait(poll_interval=poll, on_progress=tick, progress=False)
        print("[structured]", job.results())

        if not live:
            texts = ["batch inference", "context caching", "rerankers"]
            job = submit_embeddings_batch(texts, dimensions=64, **connection)
            job.wait(poll_interval=poll, on_progress=tick, progress=False)
            vectors = job.results(raise_on_error=True)
            print(
                f"[embeddings] {len(vectors)} vectors of {len(vectors[0])} dimensions"
            )


if __name__ == "__main__":
    main()
