"""The live model list: ask the endpoint's `GET /models`, compare it with the catalogue.

DashScope's `GET /compatible-mode/v1/models` answers with every id the key may
call (chat and non-chat mixed, no capabilities). `live_models` fetches it with
the user's key and region and says, per id, whether the catalogue knows it and
what it knows (`catalogue.listed`); `catalogue.saved_listings.save_listing` keeps the
answer for validation to trust. Building a `ChatQwen` never touches the network.
"""

from __future__ import annotations

import datetime

import openai
from pydantic import SecretStr

from langchain_qwen import errors
from langchain_qwen._dashscope.clients import QwenOpenAI
from langchain_qwen._dashscope.connection import resolve_connection
from langchain_qwen._dashscope.translate import translate
from langchain_qwen.catalogue.listed import Listing, describe


def live_models(
    *,
    region: str | None = None,
    base_url: str | None = None,
    workspace_id: str | None = None,
    api_key: str | SecretStr | None = None,
    timeout: float = 30.0,
    max_retries: int = 2,
) -> Listing:
    """Fetch the endpoint's `GET /models` and compare it with the catalogue.

    The endpoint and key follow the same rules as `ChatQwen` (`region`,
    `workspace_id`, `base_url`, `DASHSCOPE_*` variables).

    Args:
        region: The region name or alias.
        base_url: An explicit OpenAI-compatible base URL.
        workspace_id: A workspace id (its workspace-dedicated domain).
        api_key: The key; `DASHSCOPE_API_KEY` when not given.
        timeout: Seconds to wait for the answer.
        max_retries: Retries on throttling and server faults.

    Returns:
        The listing.

    Raises:
        ValueError: For a bad region, base URL or a missing key.
        langchain_qwen.QwenError: When the endpoint answers with an error (for
            example `QwenAuthenticationError` for a key of another region).
    """
    connection = resolve_connection(
        base_url=base_url, region=region, workspace_id=workspace_id, api_key=api_key
    )
    key = connection.api_key
    secret = key.get_secret_value() if isinstance(key, SecretStr) else key
    client = QwenOpenAI(
        api_key=secret,
        base_url=connection.base_url,
        timeout=timeout,
        max_retries=max_retries,
    )
    try:
        page = client.models.list()
        owners = {m.id: getattr(m, "owned_by", None) for m in page}
    except openai.OpenAIError as exc:
        ctx = errors.ErrorContext(
            base_url=connection.base_url,
            region=connection.region,
            model="(GET /models)",
            max_retries=max_retries,
            timeout=timeout,
            secrets=(secret,),
        )
        translated = translate(exc, ctx)
        if translated is None:
            raise
        raise translated from exc
    finally:
        client.close()
    fetched = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return Listing(
        connection.region,
        connection.base_url,
        fetched,
        describe(owners, connection.region),
    )


__all__ = ["live_models"]
