"""Saved `/models` listings: where they live, reading them, and when they are trusted.

`save_listing` keeps a live listing in the user's cache directory
(`$XDG_CACHE_HOME/langchain-qwen/models-<region>.json`, else
`~/.cache/langchain-qwen/...`) with its date; with `DASHSCOPE_MODEL_CACHE=1`,
`catalog.check_model` then accepts the listed ids of that region even when the
catalogue does not know them. Local file I/O only: no network.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_qwen.catalogue.listed import Listing

CACHE_ENV = "DASHSCOPE_MODEL_CACHE"
"""Set to `1` to let validation trust saved listings (opt-in)."""

_TRUE = frozenset(("1", "true", "yes", "on"))
_LISTING_KEYS = frozenset(("region", "base_url", "fetched", "ids"))


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
    "cache_dir",
    "cache_path",
    "read_listing",
    "save_listing",
    "trusted_ids",
]
