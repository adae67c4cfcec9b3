"""LangChain integration for Qwen models on Alibaba Cloud Model Studio (DashScope)."""

from langchain_qwen._version import __version__
from langchain_qwen.catalog import ModelInfo, list_models, lookup
from langchain_qwen.chat_models import ChatQwen
from langchain_qwen.embeddings import QwenEmbeddings
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
from langchain_qwen.rerank import QwenRerank

__all__ = [
    "REGIONS",
    "BillingError",
    "ChatQwen",
    "ContentModerationError",
    "MalformedResponseError",
    "ModelInfo",
    "QuotaExceededError",
    "QwenAuthenticationError",
    "QwenConnectionError",
    "QwenContextOverflowError",
    "QwenEmbeddings",
    "QwenError",
    "QwenInvalidRequestError",
    "QwenModelNotFoundError",
    "QwenPermissionDeniedError",
    "QwenRerank",
    "QwenServerError",
    "QwenTimeoutError",
    "StreamInterruptedError",
    "ThrottlingError",
    "__version__",
    "list_models",
    "lookup",
]
