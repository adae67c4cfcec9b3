"""How to reach DashScope: endpoint and key, resolved once for every client class.

`ChatQwen`, and every other class that talks to Model Studio, hands its user
arguments to `resolve_connection`, so region, workspace domain, environment
variables and the key rules are decided in one place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from langchain_qwen._dashscope.keys import check_key
from langchain_qwen.regions import HostKind, resolve_endpoint

NO_KEY = "EMPTY"
"""The placeholder key for a keyless (self-hosted) endpoint."""

CATALOGUE_HOSTS = frozenset({"shared", "workspace", "trial"})
"""Host kinds whose model sets are the catalogue's; plan hosts have their own."""


@dataclass(frozen=True)
class Connection:
    """Where requests go and with which key.

    Attributes:
        base_url: The OpenAI-compatible base URL.
        region: The canonical region, or `None` for a non-DashScope host.
        kind: The DashScope host kind, or `None` for a non-DashScope host.
        api_key: The key to send (`NO_KEY` for a keyless endpoint).
    """

    base_url: str
    region: str | None
    kind: HostKind | None
    api_key: str | SecretStr = field(repr=False)

    @property
    def is_dashscope(self) -> bool:
        """Whether the endpoint is a DashScope host."""
        return self.kind is not None


def resolve_connection(
    *,
    base_url: str | None = None,
    region: str | None = None,
    workspace_id: str | None = None,
    api_key: str | SecretStr | None = None,
    env: Mapping[str, str] | None = None,
) -> Connection:
    """Resolve the endpoint and the key from arguments and the environment.

    The endpoint follows `regions.resolve_endpoint`. The key is `api_key`, else
    `DASHSCOPE_API_KEY`, which is sent only to a DashScope host or to a base URL
    that also came from the environment: an explicit `base_url` to some other
    server does not get it unasked. `OPENAI_API_KEY` is never read.

    Args:
        base_url: The `base_url` argument, if given.
        region: The `region` argument, if given.
        workspace_id: The `workspace_id` argument, if given.
        api_key: The key argument, if given.
        env: The environment to read; `os.environ` when `None`.

    Returns:
        The resolved connection.

    Raises:
        ValueError: For a bad region or base URL (see `resolve_endpoint`), no
            key for a DashScope host, or another provider's key for one
            (`keys.check_key`).
    """
    env = os.environ if env is None else env
    endpoint = resolve_endpoint(
        base_url=base_url, region=region, workspace_id=workspace_id, env=env
    )
    key = api_key
    source = "api_key"
    if key is None and (endpoint.is_dashscope or base_url is None):
        key = env.get("DASHSCOPE_API_KEY") or None
        source = "DASHSCOPE_API_KEY"
    if key is not None and endpoint.is_dashscope:
        check_key(key, source=source, host=endpoint.base_url)
    if key is None:
        if endpoint.is_dashscope:
            msg = (
                "No DashScope API key: pass api_key=... or set DASHSCOPE_API_KEY "
                f"to a Model Studio key issued in region {endpoint.region!r} "
                f"(endpoint {endpoint.base_url}). OPENAI_API_KEY is never used."
            )
            raise ValueError(msg)
        key = NO_KEY
    return Connection(endpoint.base_url, endpoint.region, endpoint.kind, key)
