"""LangChain integration for Qwen models on Alibaba Cloud Model Studio (DashScope)."""

from typing import TYPE_CHECKING

from langchain_qwen._version import __version__
from langchain_qwen.catalogue.catalog import ModelInfo, list_models, lookup
from langchain_qwen.catalogue.lifecycle import (
    DeprecatedModelWarning,
    QwenModelWarning,
    UnknownModelWarning,
)
from langchain_qwen.chat_models import ChatQwen
from langchain_qwen.errors import (
    BillingError,
    ContentModerationError,
    MalformedResponseError,
    QuotaExceededError,
    QwenAuthenticationError,
    QwenConnectionError,
    QwenContextOverflowError,
    QwenError,
    QwenInvalidRequestError,
    QwenModelNotFoundError,
    QwenPermissionDeniedError,
    QwenServerError,
    QwenTimeoutError,
    StreamInterruptedError,
    ThrottlingError,
)
from langchain_qwen.regions import REGIONS

if TYPE_CHECKING:
    from langchain_qwen._dashscope.model_list import live_models
    from langchain_qwen.batch import (
        BatchProgress,
        QwenBatchError,
        QwenBatchJob,
        QwenEmbeddingsBatchJob,
        asubmit_batch,
        submit_batch,
        submit_embeddings_batch,
    )
    from langchain_qwen.caching import mark_cache, with_cache_control
    from langchain_qwen.embeddings import QwenEmbeddings
    from langchain_qwen.rerank import QwenRerank

# Imported on first use (`__getattr__`): a chat-only program never pays for
# the batch, caching, embeddings, rerank and live-list modules (about a third
# of this package's own import time).
_LAZY = {
    "BatchProgress": "batch",
    "QwenBatchError": "batch",
    "QwenBatchJob": "batch",
    "QwenEmbeddingsBatchJob": "batch",
    "asubmit_batch": "batch",
    "submit_batch": "batch",
    "submit_embeddings_batch": "batch",
    "mark_cache": "caching",
    "with_cache_control": "caching",
    "QwenCacheMiddleware": "caching",
    "QwenEmbeddings": "embeddings",
    "live_models": "_dashscope.model_list",
    "QwenRerank": "rerank",
}

__all__ = [
    "REGIONS",
    "BatchProgress",
    "BillingError",
    "ChatQwen",
    "ContentModerationError",
    "DeprecatedModelWarning",
    "MalformedResponseError",
    "ModelInfo",
    "QuotaExceededError",
    "QwenAuthenticationError",
    "QwenBatchError",
    "QwenBatchJob",
    "QwenConnectionError",
    "QwenContextOverflowError",
    "QwenEmbeddings",
    "QwenEmbeddingsBatchJob",
    "QwenError",
    "QwenInvalidRequestError",
    "QwenModelNotFoundError",
    "QwenModelWarning",
    "QwenPermissionDeniedError",
    "QwenRerank",
    "QwenServerError",
    "QwenTimeoutError",
    "StreamInterruptedError",
    "ThrottlingError",
    "UnknownModelWarning",
    "__version__",
    "asubmit_batch",
    "list_models",
    "live_models",
    "lookup",
    "mark_cache",
    "submit_batch",
    "submit_embeddings_batch",
    "with_cache_control",
]


# QwenCacheMiddleware is importable by name but left out of `__all__`, so that
# `from langchain_qwen import *` works without langchain installed (it
# subclasses langchain's AgentMiddleware, built on first use).
def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib  # noqa: PLC0415

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
