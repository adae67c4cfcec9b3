"""DashScope's Batch API for LangChain inputs: chat and embeddings at half price."""

from langchain_qwen.batch.job import ProgressCallback, QwenBatchError
from langchain_qwen.batch.jobs import (
    QwenBatchJob,
    QwenEmbeddingsBatchJob,
    asubmit_batch,
    submit_batch,
    submit_embeddings_batch,
)
from langchain_qwen.batch.rules import BatchProgress

__all__ = [
    "BatchProgress",
    "ProgressCallback",
    "QwenBatchError",
    "QwenBatchJob",
    "QwenEmbeddingsBatchJob",
    "asubmit_batch",
    "submit_batch",
    "submit_embeddings_batch",
]
