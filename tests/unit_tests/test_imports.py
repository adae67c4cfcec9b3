import json
import re
from pathlib import Path

from langchain_qwen import __all__, __version__
from tests.conftest import run_fresh

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


# Modules a plain chat call on a listed model never needs: loaded by
# bind_tools, with_structured_output, a request with tools or a
# response_format, a streaming-only model's invoke, or a name the catalogue
# does not list (`_names`).
_ON_DEMAND = (
    "langchain_qwen._chat.answer_turn",
    "langchain_qwen.catalogue.names",
    "langchain_qwen._chat.stream_only",
    "langchain_qwen._chat.structured",
    "langchain_qwen._chat.tools",
)

_LOADED_BY_CALLS = """
import json, sys
from langchain_qwen import ChatQwen
def loaded():
    return sorted(m for m in sys.modules if m.startswith("langchain_qwen"))
model = ChatQwen(model="qwen-plus", api_key="sk-test")
model._get_request_payload([("user", "hi")])
plain = loaded()
model._get_request_payload(
    [("user", "hi")],
    tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}],
    response_format={"type": "json_object"},
)
print(json.dumps([plain, loaded()]))
"""


def test_a_plain_call_loads_no_tool_or_structured_rules() -> None:
    # A fresh interpreter: this one has imported everything already.
    out = run_fresh(_LOADED_BY_CALLS)
    plain, with_rules = (set(names) for names in json.loads(out))
    assert plain.isdisjoint(_ON_DEMAND)
    # A call that needs the rules loads them (so the check above means it).
    assert {
        "langchain_qwen._chat.tools",
        "langchain_qwen._chat.structured",
    } <= with_rules
