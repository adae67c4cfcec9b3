"""Arguments of the classes users migrate from, for the non-chat classes.

`QwenEmbeddings` and `QwenRerank` forbid unknown arguments. Those that
`OpenAIEmbeddings`, `DashScopeEmbeddings` and `DashScopeRerank` took are either
renamed to ours (same meaning) or refused with the replacement named, instead
of pydantic's bare "extra inputs are not permitted".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Same meaning, another name: moved to ours.
RENAMED: Mapping[str, str] = {
    "openai_api_key": "api_key",
    "openai_api_base": "base_url",
}

_NO_TIKTOKEN = (
    "the input limit is checked with Qwen's own tokenizer, per model; "
    "check_embedding_ctx_length=False turns the check off"
)

# No equivalent: what to do instead.
REFUSED: Mapping[str, str] = {
    "client": "the SDK clients are built for you: pass http_client=... "
    "(and http_async_client=...) for proxies or certificates",
    "async_client": "pass http_async_client=... (an httpx.AsyncClient)",
    "openai_proxy": "pass http_client=httpx.Client(proxy=...) and "
    "http_async_client=httpx.AsyncClient(proxy=...)",
    "openai_organization": "DashScope has no organizations: use workspace_id=... "
    "for a workspace's own domain",
    "deployment": "an Azure OpenAI setting: use model=... and region=... (or "
    "base_url=...)",
    "openai_api_version": "an Azure OpenAI setting: not used by DashScope",
    "openai_api_type": "an Azure OpenAI setting: not used by DashScope",
    "embedding_ctx_length": _NO_TIKTOKEN,
    "tiktoken_enabled": _NO_TIKTOKEN,
    "tiktoken_model_name": _NO_TIKTOKEN,
    "allowed_special": _NO_TIKTOKEN,
    "disallowed_special": _NO_TIKTOKEN,
    "headers": "pass default_headers={...}",
    "default_query": "DashScope's embeddings and rerank APIs take no query "
    "parameters: pass request fields in model_kwargs={...}",
    "skip_empty": "empty texts are refused before sending: drop them first "
    "(DashScope refuses empty input)",
    "retry_min_seconds": "retries use the openai SDK's backoff (with "
    "Retry-After); set max_retries=...",
    "retry_max_seconds": "retries use the openai SDK's backoff (with "
    "Retry-After); set max_retries=...",
    "text_type": "DashScope's compatible endpoint has no query/document switch "
    "(text_type is its native API's): embed_query and embed_documents embed "
    "the same way",
}


def translate(values: dict[str, Any], cls_name: str) -> dict[str, Any]:
    """Rename migrants' arguments to ours; refuse those with no equivalent.

    Args:
        values: The constructor's input (a copy is returned).
        cls_name: The class, for the message.

    Returns:
        The input with renamed arguments.

    Raises:
        ValueError: An argument with no equivalent (the message names what to
            use), or one given under both names.
    """
    out = dict(values)
    for old, new in RENAMED.items():
        if old in out:
            value = out.pop(old)
            if out.get(new) is not None and value is not None:
                msg = f"Pass {new}=... or {old}=..., not both."
                raise ValueError(msg)
            if value is not None:
                out[new] = value
    refused = [name for name in REFUSED if name in out]
    if refused:
        reasons = "; ".join(f"{name}: {REFUSED[name]}" for name in refused)
        msg = f"{cls_name} does not take {', '.join(refused)} ({reasons})."
        raise ValueError(msg)
    return out
