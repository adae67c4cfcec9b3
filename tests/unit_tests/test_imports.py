from langchain_qwen import __all__

EXPECTED_ALL = [
    "REGIONS",
    "ChatQwen",
    "ModelInfo",
    "__version__",
    "list_models",
    "lookup",
]


def test_all_imports() -> None:
    assert sorted(EXPECTED_ALL) == sorted(__all__)
