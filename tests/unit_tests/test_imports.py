import re
from pathlib import Path

from langchain_qwen import __all__, __version__

EXPECTED_ALL = [
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
    # Batch API and context caching
    "BatchProgress",
    "QwenBatchError",
    "QwenBatchJob",
    # Catalogue warnings and the live model list
    "DeprecatedModelWarning",
    "QwenModelWarning",
    "UnknownModelWarning",
    "live_models",
    "QwenEmbeddingsBatchJob",
    "asubmit_batch",
    "mark_cache",
    "submit_batch",
    "submit_embeddings_batch",
    "with_cache_control",
]


def test_all_imports() -> None:
    assert sorted(EXPECTED_ALL) == sorted(__all__)


def test_cache_middleware_is_importable_but_not_starred() -> None:
    # `import *` must not need langchain (an optional dependency).
    from langchain_qwen import QwenCacheMiddleware  # noqa: PLC0415

    assert QwenCacheMiddleware.__name__ == "QwenCacheMiddleware"
    assert "QwenCacheMiddleware" not in __all__


def test_version_matches_pyproject() -> None:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    match = re.search(r'^version = "([^"]+)"$', pyproject.read_text(), re.MULTILINE)
    assert match is not None
    assert match.group(1) == __version__
