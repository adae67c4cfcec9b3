"""ChatQwen's settings: region, endpoint, key and default model, from arguments and env.

Runs as ChatQwen's before-validator, ahead of the parent's own
`validate_environment`, which then builds the clients as usual (cached httpx
clients, proxies and socket options kept). The parent is always handed an
explicit base URL and key, so it never falls back to `OPENAI_API_BASE`,
`OPENAI_API_KEY` or a gateway.
"""

from __future__ import annotations

from typing import Any, cast

from langchain_qwen._chat.payload import check_model_name
from langchain_qwen._dashscope.connection import CATALOGUE_HOSTS, resolve_connection
from langchain_qwen._dashscope.keys import one_key
from langchain_qwen.catalogue import catalog
from langchain_qwen.regions import DEFAULT_REGION, REGIONS, batch_chat

_US_TIMEOUT = 600.0


def _pop_first(values: dict[str, Any], *names: str) -> Any:
    """Pop every name from `values`; return the first one that was not `None`."""
    found = None
    for name in names:
        value = values.pop(name, None)
        if found is None:
            found = value
    return found


def resolve_settings(values: Any) -> Any:
    """Resolve region, endpoint, key and model into the parent's fields.

    Args:
        values: The constructor's input (anything but a dict passes through).

    Returns:
        The input with `openai_api_base`, `openai_api_key`, `region`,
        `model_name` (and `timeout`, `stream_usage` defaults) set.

    Raises:
        ValueError: For a bad region, base URL, model name or a retired model.
    """
    if not isinstance(values, dict):
        return values
    values = dict(values)
    # `dashscope_api_key`: ChatTongyi's name for it (and the community
    # embeddings' and reranker's), accepted as the same key.
    api_key = one_key(
        _pop_first(values, "api_key", "openai_api_key"),
        values.pop("dashscope_api_key", None),
    )
    connection = resolve_connection(
        base_url=_pop_first(values, "base_url", "openai_api_base"),
        region=values.get("region"),
        workspace_id=values.get("workspace_id"),
        # A SecretStr (or anything else) is the parent's to read.
        api_key=api_key,
    )
    values["openai_api_base"] = connection.base_url
    values["region"] = connection.region
    values["openai_api_key"] = api_key if api_key is not None else connection.api_key

    model = _pop_first(values, "model", "model_name")
    if model is not None:
        check_model_name(model)
    if model is None:
        model = REGIONS[connection.region or DEFAULT_REGION].default_model
    values["model_name"] = model
    if values.get("validate_model", True) and connection.kind in CATALOGUE_HOSTS:
        # Raises for typos and retired models; warns for unknown names.
        catalog.check_model(model, cast("str", connection.region))
    # Virginia's DashScope domain allows requests up to 600 s; Batch Chat
    # queues a request for up to an hour while the client waits.
    if values.get("timeout") is None and values.get("request_timeout") is None:
        if connection.kind == "batch_chat":
            values["timeout"] = batch_chat().timeout
        elif connection.region == "us" and connection.kind is not None:
            values["timeout"] = _US_TIMEOUT

    if values.get("stream_usage") is None:
        values["stream_usage"] = True
    return values
