from langchain_qwen import __all__

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
    "QwenError",
    "QwenInvalidRequestError",
    "QwenModelNotFoundError",
    "QwenPermissionDeniedError",
    "QwenServerError",
    "QwenTimeoutError",
    "StreamInterruptedError",
    "ThrottlingError",
    "__version__",
    "list_models",
    "lookup",
]


def test_all_imports() -> None:
    assert sorted(EXPECTED_ALL) == sorted(__all__)
