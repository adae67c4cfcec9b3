"""DashScope regions and endpoints: pure functions, no I/O.

A Model Studio API key belongs to one region, and each region has its own
OpenAI-compatible endpoint. This module knows the regions, their aliases and
hosts, and resolves which endpoint a `ChatQwen` talks to.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, cast
from urllib.parse import urlsplit

COMPAT_PATH = "/compatible-mode/v1"

HostKind = Literal["shared", "workspace", "trial", "token_plan", "coding"]
"""The kind of DashScope host a base URL points at.

`token_plan` and `coding` are separate billing plans: their keys and model sets
differ from pay-as-you-go, so the catalogue's region lists do not apply to them.
"""


@dataclass(frozen=True)
class Region:
    """One Model Studio region.

    Attributes:
        name: The canonical name, e.g. `"singapore"`.
        aliases: Other names accepted for it (lower case).
        region_id: The cloud region id used in `maas.aliyuncs.com` hosts.
        shared_host: The legacy shared DashScope host, or `None` when the region
            is reachable only through a workspace-dedicated domain.
        workspace_domains: Whether `{workspace}.{region_id}.maas.aliyuncs.com`
            serves this region.
        default_model: The model used when none is given.
    """

    name: str
    aliases: tuple[str, ...]
    region_id: str
    shared_host: str | None
    workspace_domains: bool
    default_model: str


def _load() -> Mapping[str, Any]:
    # importlib.resources reads the file from a wheel or a zip as well as from a
    # source checkout.
    text = (
        resources.files("langchain_qwen.data")
        .joinpath("regions.json")
        .read_text(encoding="utf-8")
    )
    return cast("Mapping[str, Any]", json.loads(text))


_DATA = _load()

REGIONS: dict[str, Region] = {
    raw["name"]: Region(
        raw["name"],
        tuple(raw["aliases"]),
        raw["region_id"],
        raw["shared_host"],
        raw["workspace_domains"],
        raw["default_model"],
    )
    for raw in _DATA["regions"]
}
"""The regions, from `data/regions.json` (its `source` and `date` name the pages)."""

DEFAULT_REGION: str = _DATA["default_region"]

_BY_ALIAS: dict[str, str] = {
    alias: r.name for r in REGIONS.values() for alias in (r.name, *r.aliases)
}
_BY_REGION_ID: dict[str, str] = {r.region_id: r.name for r in REGIONS.values()}
_BY_SHARED_HOST: dict[str, str] = {
    r.shared_host: r.name for r in REGIONS.values() if r.shared_host
}
# The Coding Plan hosts and their regions (`data/regions.json`).
_CODING_HOSTS: dict[str, str] = dict(_DATA["coding_hosts"]["hosts"])
# `{label}.{region-id}.maas.aliyuncs.com`: the label is a workspace id, or one of
# the reserved labels of the trial and token-plan domains.
_MAAS_HOST = re.compile(
    r"^(?P<label>[a-z0-9-]+)\.(?P<rid>[a-z0-9-]+)\.maas\.aliyuncs\.com$"
)
# The Qwen Cloud rebrand's hosts: `{region-id}.maas.qwencloudapi.com` (the
# region's public domain) and `{label}.{region-id}.maas.qwencloudapi.com` (the
# same labels as under maas.aliyuncs.com).
_QWENCLOUD_HOST = re.compile(
    r"^(?:(?P<label>[a-z0-9-]+)\.)?(?P<rid>[a-z0-9-]+)\.maas\.qwencloudapi\.com$"
)
# Workspace ids are DNS labels (for example `ws-1a2b3c` or `llm-abc123`).
_WORKSPACE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def valid_region_names() -> str:
    """Return the valid region names with their aliases, for error messages.

    Returns:
        A human-readable list such as `singapore (intl, international, ...)`.
    """
    return "; ".join(f"{r.name} ({', '.join(r.aliases)})" for r in REGIONS.values())


def canonical_region(name: str) -> str:
    """Map a region name or alias to its canonical name.

    Args:
        name: A region name or alias, case-insensitive.

    Returns:
        The canonical region name.

    Raises:
        ValueError: If the name is not a known region or alias.
    """
    key = name.strip().lower()
    if key in _BY_ALIAS:
        return _BY_ALIAS[key]
    close = difflib.get_close_matches(key, list(_BY_ALIAS), n=3, cutoff=0.6)
    # Name the canonical region of each close alias once: "bejing" -> beijing.
    canonical = list(dict.fromkeys(_BY_ALIAS[c] for c in close))
    hint = (
        f" Did you mean {', '.join(repr(c) for c in canonical)}?" if canonical else ""
    )
    msg = (
        f"Unknown DashScope region {name!r}.{hint} Valid regions: "
        f"{valid_region_names()}."
    )
    raise ValueError(msg)


@dataclass(frozen=True)
class HostInfo:
    """What a base URL says about the DashScope deployment behind it.

    Attributes:
        region: The canonical region the host belongs to.
        kind: The kind of host.
    """

    region: str
    kind: HostKind


def host_info(base_url: str) -> HostInfo | None:
    """Tell which DashScope region and kind of host a base URL points at.

    Args:
        base_url: Any URL.

    Returns:
        The region and host kind, or `None` when the host is not a known DashScope
        host (a self-hosted server, a proxy, a loopback test server).
    """
    host = (urlsplit(base_url).hostname or "").lower()
    if host in _BY_SHARED_HOST:
        return HostInfo(_BY_SHARED_HOST[host], "shared")
    if host in _CODING_HOSTS:
        return HostInfo(_CODING_HOSTS[host], "coding")
    match = _MAAS_HOST.match(host) or _QWENCLOUD_HOST.match(host)
    if match and match["rid"] in _BY_REGION_ID:
        region = _BY_REGION_ID[match["rid"]]
        label = match["label"]
        kind: HostKind = (
            "shared"
            if label is None
            else "trial"
            if label == "trial"
            else "token_plan"
            if label == "token-plan"
            else "workspace"
        )
        return HostInfo(region, kind)
    return None


def _is_workspace_host(url: str, workspace_id: str) -> bool:
    """Whether `url` is the workspace-dedicated domain of `workspace_id`."""
    host = (urlsplit(url).hostname or "").lower()
    match = _MAAS_HOST.match(host) or _QWENCLOUD_HOST.match(host)
    return match is not None and match["label"] == workspace_id.strip().lower()


def endpoint_for(region: str, workspace_id: str | None = None) -> str:
    """Return the OpenAI-compatible endpoint of a region.

    Args:
        region: A canonical region name.
        workspace_id: A workspace id, to use the workspace-dedicated domain.

    Returns:
        The base URL, ending in `/compatible-mode/v1`.

    Raises:
        ValueError: If the region needs a workspace id and has none, or the
            workspace id is malformed.
    """
    info = REGIONS[region]
    if workspace_id is not None:
        ws = workspace_id.strip()
        if not _WORKSPACE_ID.match(ws):
            msg = (
                f"Invalid DashScope workspace id {workspace_id!r}: expected the id "
                "shown in the Model Studio console (lower-case letters, digits and "
                "hyphens, for example 'ws-1a2b3c4d')."
            )
            raise ValueError(msg)
        if not info.workspace_domains:
            msg = (
                f"Region {region!r} has no workspace-dedicated domain; drop "
                f"workspace_id (or DASHSCOPE_WORKSPACE_ID) to use "
                f"https://{info.shared_host}{COMPAT_PATH}."
            )
            raise ValueError(msg)
        return f"https://{ws}.{info.region_id}.maas.aliyuncs.com{COMPAT_PATH}"
    if info.shared_host is None:
        msg = (
            f"Region {region!r} is reachable only through a workspace-dedicated "
            "domain: pass workspace_id='<your workspace id>' (or set "
            "DASHSCOPE_WORKSPACE_ID), or pass base_url="
            f"'https://<workspace id>.{info.region_id}.maas.aliyuncs.com"
            f"{COMPAT_PATH}'."
        )
        raise ValueError(msg)
    return f"https://{info.shared_host}{COMPAT_PATH}"


@dataclass(frozen=True)
class Endpoint:
    """The endpoint a `ChatQwen` talks to, resolved from arguments and env.

    Attributes:
        base_url: The OpenAI-compatible base URL.
        region: The canonical region, or `None` for a non-DashScope host.
        kind: The DashScope host kind, or `None` for a non-DashScope host.
    """

    base_url: str
    region: str | None
    kind: HostKind | None

    @property
    def is_dashscope(self) -> bool:
        """Whether the endpoint is a DashScope host (and so needs a key)."""
        return self.kind is not None


def resolve_endpoint(
    *,
    base_url: str | None,
    region: str | None,
    workspace_id: str | None,
    env: Mapping[str, str],
) -> Endpoint:
    """Resolve the endpoint: first match wins.

    Order: `base_url`, `DASHSCOPE_BASE_URL`, `DASHSCOPE_API_BASE`, then the region
    (`region`, `DASHSCOPE_REGION`, `singapore`) with `workspace_id` (or
    `DASHSCOPE_WORKSPACE_ID`) choosing its workspace-dedicated domain.

    Args:
        base_url: The `base_url` argument, if given.
        region: The `region` argument, if given.
        workspace_id: The `workspace_id` argument, if given.
        env: The environment to read (normally `os.environ`).

    Returns:
        The resolved endpoint.

    Raises:
        ValueError: For an unknown region, a region that contradicts the base
            URL's host, or a region that needs a workspace id and has none.
    """
    region_source = "region" if region is not None else "DASHSCOPE_REGION"
    region_name = region if region is not None else env.get("DASHSCOPE_REGION") or None
    wanted = canonical_region(region_name) if region_name is not None else None

    url_source = "base_url"
    url = base_url
    for var in ("DASHSCOPE_BASE_URL", "DASHSCOPE_API_BASE"):
        if url is None and env.get(var):
            url, url_source = env[var], var
    if url is not None:
        url = url.rstrip("/")
        if workspace_id is not None and not _is_workspace_host(url, workspace_id):
            msg = (
                f"workspace_id={workspace_id!r} conflicts with {url_source}={url!r}: "
                "a workspace id only chooses the region's workspace domain. Drop "
                "one of the two."
            )
            raise ValueError(msg)
        info = host_info(url)
        if info is None:
            return Endpoint(url, wanted, None)
        if wanted is not None and wanted != info.region:
            msg = (
                f"{region_source}={region_name!r} contradicts {url_source}={url!r}, "
                f"which is a {info.region} host. Keys belong to one region: set the "
                "region that issued your key, or drop one of the two settings."
            )
            raise ValueError(msg)
        return Endpoint(url, info.region, info.kind)

    name = wanted or DEFAULT_REGION
    ws = workspace_id if workspace_id is not None else env.get("DASHSCOPE_WORKSPACE_ID")
    url = endpoint_for(name, ws or None)
    return Endpoint(url, name, "workspace" if ws else "shared")
