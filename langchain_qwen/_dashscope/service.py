"""What the non-chat clients (embeddings, rerank) share: SDK clients and limits.

`QwenEmbeddings` and `QwenRerank` post JSON to DashScope through the same
`openai` SDK clients as `ChatQwen` (`_clients.QwenOpenAI` and
`QwenAsyncOpenAI`: DashScope's retry policy, the SDK's backoff), built on
langchain-openai's cached httpx clients, so connection pools, proxies from the
environment and socket options behave as for the chat model. Errors go through
`_dashscope.translate`, like every `ChatQwen` call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, cast

from langchain_openai.chat_models._client_utils import (
    _get_default_async_httpx_client,
    _get_default_httpx_client,
    _proxy_env_detected,
    _resolve_socket_options,
)
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    model_validator,
)

from langchain_qwen._dashscope import migrant_args
from langchain_qwen._dashscope.clients import QwenAsyncOpenAI, QwenOpenAI, _httpx
from langchain_qwen._dashscope.connection import CATALOGUE_HOSTS, resolve_connection
from langchain_qwen._dashscope.keys import one_key
from langchain_qwen.errors import ErrorContext
from langchain_qwen.regions import host_info

_SDK_DEFAULT_RETRIES = 2
# The SDK adds the `Authorization` header only to requests that ask for it.
_AUTH: Any = {"security": {"bearer_auth": True}}


def build_clients(
    *,
    base_url: str,
    api_key: SecretStr,
    timeout: Any,
    max_retries: int | None,
    default_headers: Mapping[str, str] | None,
    http_client: Any,
    http_async_client: Any,
) -> tuple[QwenOpenAI, QwenAsyncOpenAI]:
    """Build the sync and async SDK clients for one base URL.

    Args:
        base_url: The base URL the request paths are relative to.
        api_key: The key to send.
        timeout: The request timeout (as `ChatOpenAI` takes it).
        max_retries: The retry budget; the SDK's default when `None`.
        default_headers: Extra headers for every request.
        http_client: A user's `httpx` client, used as given.
        http_async_client: A user's async `httpx` client, used as given.

    Returns:
        The two clients.
    """
    # As langchain-openai does: a proxy in the environment keeps httpx's own
    # proxy detection, which a transport with socket options would switch off.
    sockets = () if _proxy_env_detected() else _resolve_socket_options(None)
    common: dict[str, Any] = {
        "api_key": api_key.get_secret_value(),
        "base_url": base_url,
        "timeout": timeout,
        "default_headers": dict(default_headers) if default_headers else None,
    }
    if max_retries is not None:
        common["max_retries"] = max_retries
    sync_client = QwenOpenAI(
        **common,
        http_client=http_client
        or _get_default_httpx_client(base_url, timeout, sockets),
    )
    async_client = QwenAsyncOpenAI(
        **common,
        http_client=http_async_client
        or _get_default_async_httpx_client(base_url, timeout, sockets),
    )
    return sync_client, async_client


def error_context(
    *,
    base_url: str,
    region: str | None,
    model: str,
    api_key: SecretStr,
    max_retries: int | None,
    timeout: Any,
    api: Literal["embeddings", "rerank"],
) -> ErrorContext:
    """Describe a call for error hints, as `ChatQwen` does.

    Args:
        base_url: The endpoint used.
        region: The canonical region, or `None`.
        model: The model asked for.
        api_key: The key (kept out of every message).
        max_retries: The retry budget, `None` for the SDK's default.
        timeout: The timeout setting.
        api: The API called, so hints name its own fixes.

    Returns:
        The context.
    """
    return ErrorContext(
        base_url=base_url,
        region=region,
        model=model,
        max_retries=_SDK_DEFAULT_RETRIES if max_retries is None else max_retries,
        timeout=timeout,
        secrets=(api_key.get_secret_value(),),
        api=api,
    )


def post_json(client: QwenOpenAI, path: str, body: Mapping[str, Any]) -> Any:
    """POST a JSON body through the SDK (its retries) and parse the answer.

    Args:
        client: The client.
        path: The path under the client's base URL, e.g. `"/embeddings"`.
        body: The request body.

    Returns:
        The parsed JSON answer.
    """
    response = client.post(
        path, body=dict(body), cast_to=_httpx.Response, options=_AUTH
    )
    return _parse(response)


async def apost_json(
    client: QwenAsyncOpenAI, path: str, body: Mapping[str, Any]
) -> Any:
    """The async form of `post_json`.

    Args:
        client: The client.
        path: The path under the client's base URL.
        body: The request body.

    Returns:
        The parsed JSON answer.
    """
    response = await client.post(
        path, body=dict(body), cast_to=_httpx.Response, options=_AUTH
    )
    return _parse(response)


def _parse(response: Any) -> Any:
    # The raw body, parsed once: no typed SDK objects built for thousands of floats.
    # A body that is not JSON raises json.JSONDecodeError, which `translate`
    # reports as a malformed response.
    return json.loads(response.content)


# --------------------------------------------------------------------------
# Token limits, checked before sending
# --------------------------------------------------------------------------

# The pieces Qwen's tokenizer splits text into before merging (its pre-tokenizer:
# words with one leading mark, single digits, runs of punctuation, runs of
# whitespace). No token spans two pieces, so their count is a lower bound on the
# token count whatever the vocabulary.
_LETTERS = r"[^\W\d_]"
_MARKS = r"(?:[^\s\w]|_)"
_PIECES = re.compile(
    rf"(?i:'s|'t|'re|'ve|'m|'ll|'d)|(?:[^\r\n\w]|_)?{_LETTERS}+|\d"
    rf"| ?{_MARKS}+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def min_tokens(text: str) -> int:
    """A lower bound on the number of tokens of `text` for Qwen's tokenizer.

    Args:
        text: Any text.

    Returns:
        A number that the real token count is never below.
    """
    return sum(1 for _ in _PIECES.finditer(text))


def surely_over(text: str, limit: int) -> bool:
    """Whether `text` certainly has more than `limit` tokens.

    A text of at most `limit` characters never is (a piece has at least one
    character), so ordinary inputs pay one `len`.

    Args:
        text: Any text.
        limit: The token limit.

    Returns:
        `True` only when even the lower bound exceeds the limit.
    """
    return len(text) > limit and min_tokens(text) > limit


class DashScopeService(BaseModel):
    """The settings every non-chat client shares, and how they are resolved.

    Region, workspace domain, base URL and key follow `ChatQwen`'s rules
    (`_connection.resolve_connection`); the SDK clients are built once, by
    `build_clients`. A subclass names its API (`_api`), may move the resolved
    base URL to its API's root (`_base_url_for`) and may pick a default model
    per region (`_default_model_for`).
    """

    # LangChain serialisation (`dumps`/`loads`), for the subclasses that are
    # `Serializable`: the key is written as a reference to DASHSCOPE_API_KEY.
    @classmethod
    def is_lc_serializable(cls) -> bool:
        """`dumps`/`loads` keep it (the key as a secret reference)."""
        return True

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Map the key field to its environment variable."""
        return {"api_key": "DASHSCOPE_API_KEY"}

    region: str | None = None
    """Canonical region name after resolution; `None` for a non-DashScope host."""

    workspace_id: str | None = None
    """Workspace id selecting the region's workspace-dedicated domain."""

    api_key: SecretStr = Field(default=SecretStr(""), repr=False)
    """The Model Studio key (from `DASHSCOPE_API_KEY` when not given)."""

    base_url: str | None = None
    """The API's base URL after resolution."""

    validate_model: bool = True
    """Check the model and the inputs' limits against the catalogue."""

    request_timeout: Any = Field(default=None, alias="timeout")
    """Timeout per request, in seconds (or an `httpx.Timeout`)."""

    max_retries: int | None = None
    """Retries of a failed request; the `openai` SDK's default (2) when `None`."""

    default_headers: dict[str, str] | None = None
    """Headers sent with every request."""

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra fields sent in every request body."""

    http_client: Any = Field(default=None, exclude=True)
    """A custom `httpx.Client` (proxies, certificates, ...)."""

    http_async_client: Any = Field(default=None, exclude=True)
    """A custom `httpx.AsyncClient`."""

    model_config = ConfigDict(
        populate_by_name=True,
        extra="forbid",
        protected_namespaces=(),
        # The input holds the key: never echo it in a validation error.
        hide_input_in_errors=True,
    )

    _api: ClassVar[Literal["embeddings", "rerank"]]
    _client: Any = PrivateAttr(default=None)
    _async_client: Any = PrivateAttr(default=None)

    @classmethod
    def _base_url_for(cls, compat_base_url: str) -> str:
        return compat_base_url

    @classmethod
    def _default_model_for(cls, region: str | None) -> str | None:
        return None

    @model_validator(mode="before")
    @classmethod
    def _resolve_service_settings(cls, values: Any) -> Any:
        """Resolve region, endpoint and key with the same rules as `ChatQwen`."""
        if not isinstance(values, dict):
            return values
        values = migrant_args.translate(values, cls.__name__)
        # `dashscope_api_key`: the community DashScope classes' name for it.
        values["api_key"] = one_key(
            values.get("api_key"), values.pop("dashscope_api_key", None)
        )
        key = values.get("api_key")
        if isinstance(key, SecretStr):
            key = key.get_secret_value()
        connection = resolve_connection(
            base_url=values.get("base_url"),
            region=values.get("region"),
            workspace_id=values.get("workspace_id"),
            api_key=key,
        )
        values["base_url"] = cls._base_url_for(connection.base_url)
        values["region"] = connection.region
        values["api_key"] = connection.api_key
        if values.get("model") is None and (
            default := cls._default_model_for(connection.region)
        ):
            values["model"] = default
        return values

    @property
    def _checks_catalogue(self) -> bool:
        """Whether the host serves the catalogue's models (names are checked)."""
        host = host_info(cast("str", self.base_url))
        return host is not None and host.kind in CATALOGUE_HOSTS

    def _connect(self) -> None:
        """Build the SDK clients; call once the settings are checked."""
        self._client, self._async_client = build_clients(
            base_url=cast("str", self.base_url),
            api_key=self.api_key,
            timeout=self.request_timeout,
            max_retries=self.max_retries,
            default_headers=self.default_headers,
            http_client=self.http_client,
            http_async_client=self.http_async_client,
        )

    def _context(self) -> ErrorContext:
        return error_context(
            base_url=cast("str", self.base_url),
            region=self.region,
            model=cast("str", getattr(self, "model", "")),
            api_key=self.api_key,
            max_retries=self.max_retries,
            timeout=self.request_timeout,
            api=self._api,
        )
