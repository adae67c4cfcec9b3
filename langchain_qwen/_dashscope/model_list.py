"""The live model list: ask the endpoint's `GET /models`, compare, keep the answer.

DashScope's `GET /compatible-mode/v1/models` answers with every id the key may
call (chat and non-chat mixed, no capabilities). `live_models` fetches it with
the user's key and region and says, per id, whether the catalogue knows it and
what it knows. `save_listing` keeps the answer in the user's cache directory
(`$XDG_CACHE_HOME/langchain-qwen/models-<region>.json`, else
`~/.cache/langchain-qwen/...`) with its date; with `DASHSCOPE_MODEL_CACHE=1`,
`catalog.check_model` then accepts the listed ids of that region even when the
catalogue does not know them. Reading the cache is local file I/O; building a
`ChatQwen` never touches the network.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
from pydantic import SecretStr

from langchain_qwen import errors
from langchain_qwen._dashscope.clients import QwenOpenAI
from langchain_qwen._dashscope.connection import resolve_connection
from langchain_qwen.catalogue import catalog

CACHE_ENV = "DASHSCOPE_MODEL_CACHE"
"""Set to `1` to let validation trust saved listings (opt-in)."""

_TRUE = frozenset(("1", "true", "yes", "on"))
_LISTING_KEYS = frozenset(("region", "base_url", "fetched", "ids"))


@dataclass(frozen=True)
class ListedModel:
    """One id of a listing, with what the catalogue says about it.

    Attributes:
        id: The model id as the endpoint lists it.
        owned_by: The `owned_by` field of the listing, if any.
        info: The catalogue entry the id belongs to, or `None` if unknown.
        status: `"active"`, `"deprecated"`, `"retired"` (in this region) or
            `"unknown"`.
        offered: Whether the catalogue lists the model for this region (`None`
            for an unknown id).
    """

    id: str
    owned_by: str | None
    info: catalog.ModelInfo | None
    status: catalog.Status
    offered: bool | None

    @property
    def known(self) -> bool:
        """Whether the catalogue knows the id (alias or snapshot)."""
        return self.info is not None


@dataclass(frozen=True)
class Listing:
    """A `/models` answer for one region.

    Attributes:
        region: The canonical region, or `None` for a non-DashScope host.
        base_url: The endpoint asked.
        fetched: When it was fetched (UTC, ISO 8601).
        models: The listed ids, sorted, with the catalogue's view of each.
    """

    region: str | None
    base_url: str
    fetched: str
    models: tuple[ListedModel, ...] = field(default=())

    @property
    def ids(self) -> list[str]:
        """The listed ids."""
        return [m.id for m in self.models]

    def missing(self) -> list[str]:
        """Catalogue aliases of this region that the listing does not have.

        Returns:
            The aliases, sorted (empty for a non-DashScope host).
        """
        if self.region is None:
            return []
        listed = set(self.ids)
        return [
            name
            for name in catalog.list_models(self.region)
            if name not in listed
            and (info := catalog.lookup(name)) is not None
            and info.status(self.region) != "retired"
        ]


def describe(
    ids: Sequence[str] | Mapping[str, str | None], region: str | None
) -> tuple[ListedModel, ...]:
    """Compare ids with the catalogue.

    Args:
        ids: The ids, or a mapping from id to `owned_by`.
        region: The canonical region they were listed in, or `None`.

    Returns:
        One `ListedModel` per id, sorted by id.
    """
    owners = dict(ids) if isinstance(ids, Mapping) else dict.fromkeys(ids)
    models = []
    for model_id in sorted(owners):
        info = catalog.lookup(model_id)
        models.append(
            ListedModel(
                id=model_id,
                owned_by=owners[model_id],
                info=info,
                status=info.status(region) if info else "unknown",
                offered=None
                if info is None or region is None
                else region in info.regions,
            )
        )
    return tuple(models)


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
        translated = errors.translate(exc, ctx)
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


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """The directory saved listings live in.

    Args:
        env: The environment to read; `os.environ` when `None`.

    Returns:
        `$XDG_CACHE_HOME/langchain-qwen`, else `~/.cache/langchain-qwen`.
    """
    env = os.environ if env is None else env
    root = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "langchain-qwen"


def cache_path(region: str, env: Mapping[str, str] | None = None) -> Path:
    """The file a region's listing is saved to.

    Args:
        region: A canonical region name.
        env: The environment to read; `os.environ` when `None`.

    Returns:
        `<cache_dir>/models-<region>.json`.
    """
    return cache_dir(env) / f"models-{region}.json"


def save_listing(listing: Listing, path: Path | None = None) -> Path:
    """Keep a listing (ids and date, never the key) for validation to trust.

    Args:
        listing: A DashScope listing (its region must be known).
        path: Where to write; `cache_path(listing.region)` when `None`.

    Returns:
        The path written.

    Raises:
        ValueError: If the listing has no region (a non-DashScope host).
    """
    if listing.region is None and path is None:
        raise ValueError(
            f"{listing.base_url} is not a DashScope host: pass a path to save "
            "its listing."
        )
    target = path if path is not None else cache_path(str(listing.region))
    target.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "region": listing.region,
        "base_url": listing.base_url,
        "fetched": listing.fetched,
        "ids": listing.ids,
    }
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    tmp.replace(target)
    return target


def read_listing(path: Path) -> tuple[str | None, str, list[str]]:
    """Read a saved listing, or a raw `GET /models` answer.

    Args:
        path: A file written by `save_listing`, or the JSON body of `/models`
            (`{"object": "list", "data": [{"id": ...}, ...]}`).

    Returns:
        `(region, fetched, ids)`; region and date are `None`/`""` for a raw
        answer.

    Raises:
        ValueError: If the file is neither.
    """
    data: Any = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and set(data) == _LISTING_KEYS:
        ids = data["ids"]
        if isinstance(ids, list) and all(isinstance(i, str) for i in ids):
            return data["region"], str(data["fetched"]), ids
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        ids = [m.get("id") for m in data["data"] if isinstance(m, dict)]
        if all(isinstance(i, str) for i in ids):
            return None, "", ids
    raise ValueError(
        f"{path} is neither a saved listing nor a GET /models answer "
        '({"object": "list", "data": [{"id": ...}]}).'
    )


def trusted_ids(
    region: str, env: Mapping[str, str] | None = None
) -> tuple[str, frozenset[str]] | None:
    """The saved listing of `region`, when the user opted in to trust it.

    Args:
        region: A canonical region name.
        env: The environment to read; `os.environ` when `None`.

    Returns:
        `(fetched, ids)`, or `None` when `DASHSCOPE_MODEL_CACHE` is not set to a
        true value or no readable listing of that region is saved.
    """
    env = os.environ if env is None else env
    if env.get(CACHE_ENV, "").strip().lower() not in _TRUE:
        return None
    path = cache_path(region, env)
    try:
        stat = path.stat()
    except OSError:
        return None
    return _read_trusted(str(path), stat.st_mtime_ns, region)


_TRUSTED: dict[tuple[str, int], tuple[str, frozenset[str]] | None] = {}


def _read_trusted(
    path: str, mtime: int, region: str
) -> tuple[str, frozenset[str]] | None:
    # Re-read only when the file changes: construction stays cheap.
    key = (path, mtime)
    if key not in _TRUSTED:
        try:
            saved_region, fetched, ids = read_listing(Path(path))
        except (OSError, ValueError):
            result = None
        else:
            result = (fetched, frozenset(ids)) if saved_region == region else None
        _TRUSTED[key] = result
    return _TRUSTED[key]


__all__ = [
    "CACHE_ENV",
    "ListedModel",
    "Listing",
    "cache_dir",
    "cache_path",
    "describe",
    "live_models",
    "read_listing",
    "save_listing",
    "trusted_ids",
]
