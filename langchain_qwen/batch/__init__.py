"""DashScope's Batch API for LangChain inputs: chat and embeddings at half price."""

from langchain_qwen.batch.jobs import (
    BatchProgress,
    ProgressCallback,
    QwenBatchError,
    QwenBatchJob,
    QwenEmbeddingsBatchJob,
    asubmit_batch,
    submit_batch,
    submit_embeddings_batch,
)

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
