"""The catalogue of embedding and rerank models: what exists, where, with which limits.

The facts live in `data/embedding_models.json` and `data/rerank_models.json`,
each entry with its source and date; this module loads them once, checks their
shape, and answers questions about them: look a name up, check a name against a
region (close names suggested, a retired model named with its successor), and
list the models of a region. The chat catalogue is `catalog`.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal, TypeVar

from langchain_qwen.regions import REGIONS, canonical_region

Status = Literal["active", "deprecated", "retired"]
"""A model's lifecycle: `retired` models are refused with their successor named."""

_STATUSES = ("active", "deprecated", "retired")


@dataclass(frozen=True)
class _Entry:
    name: str
    regions: tuple[str, ...]
    status: Status
    retired_on: datetime.date | None
    successor: str | None
    source: str
    date: str


@dataclass(frozen=True)
class EmbeddingModelInfo(_Entry):
    """One embedding model of the catalogue.

    Attributes:
        name: The model id, e.g. `"text-embedding-v4"`.
        regions: The canonical regions that offer it.
        status: `active`, `deprecated` or `retired`.
        retired_on: The retirement date, for a retired model.
        successor: The model to use instead, for a retired model.
        source: Where the facts come from.
        date: When they were read.
        max_batch: The most texts one request takes.
        max_input_tokens: The most tokens one text may have.
        dimensions: The `dimensions` values the model takes (`None`: not
            documented, so not checked).
        default_dimensions: The vector size without `dimensions`, if known.
    """

    max_batch: int
    max_input_tokens: int
    dimensions: tuple[int, ...] | None
    default_dimensions: int | None


@dataclass(frozen=True)
class RerankModelInfo(_Entry):
    """One rerank model of the catalogue.

    Attributes:
        name: The model id, e.g. `"qwen3-rerank"`.
        regions: The canonical regions that offer it.
        status: `active`, `deprecated` or `retired`.
        retired_on: The retirement date, for a retired model.
        successor: The model to use instead, for a retired model.
        source: Where the facts come from.
        date: When they were read.
        max_documents: The most documents one request takes (`None`: unknown).
        max_document_tokens: The most tokens the query or one document may
            have (`None`: unknown).
        max_request_tokens: The most tokens of one request (`None`: unknown).
    """

    max_documents: int | None
    max_document_tokens: int | None
    max_request_tokens: int | None


_Info = TypeVar("_Info", EmbeddingModelInfo, RerankModelInfo)


def _fail(where: str, problem: str) -> ValueError:
    return ValueError(f"model catalogue: {where}: {problem}")


def _optional_int(raw: Mapping[str, Any], key: str, where: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _fail(where, f"{key} must be a positive integer or null")
    return value


def _common(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _fail(where, "must be an object")
    for key in ("name", "status", "source", "date"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _fail(where, f"{key} must be a non-empty string")
    regions = raw.get("regions")
    if not isinstance(regions, list) or not all(r in REGIONS for r in regions):
        raise _fail(where, f"regions must be a list of {', '.join(REGIONS)}")
    status = raw["status"]
    if status not in _STATUSES:
        raise _fail(where, f"status must be one of {', '.join(_STATUSES)}")
    retired_on = None
    if status == "retired":
        try:
            retired_on = datetime.date.fromisoformat(raw.get("retired_on", ""))
        except (TypeError, ValueError):
            raise _fail(
                where, "a retired model needs retired_on (YYYY-MM-DD)"
            ) from None
        if not isinstance(raw.get("successor"), str):
            raise _fail(where, "a retired model needs a successor")
    return {
        "name": raw["name"],
        "regions": tuple(regions),
        "status": status,
        "retired_on": retired_on,
        "successor": raw.get("successor"),
        "source": raw["source"],
        "date": raw["date"],
    }


def _embedding_entry(raw: Any, where: str) -> EmbeddingModelInfo:
    common = _common(raw, where)
    max_batch = _optional_int(raw, "max_batch", where)
    max_tokens = _optional_int(raw, "max_input_tokens", where)
    if max_batch is None or max_tokens is None:
        raise _fail(where, "max_batch and max_input_tokens are required")
    dims = raw.get("dimensions")
    if dims is not None and (
        not isinstance(dims, list)
        or not dims
        or not all(isinstance(d, int) and d > 0 for d in dims)
    ):
        raise _fail(where, "dimensions must be a non-empty list of integers or null")
    default = _optional_int(raw, "default_dimensions", where)
    if dims is not None and default is not None and default not in dims:
        raise _fail(where, "default_dimensions must be one of dimensions")
    return EmbeddingModelInfo(
        **common,
        max_batch=max_batch,
        max_input_tokens=max_tokens,
        dimensions=tuple(dims) if dims is not None else None,
        default_dimensions=default,
    )


def _rerank_entry(raw: Any, where: str) -> RerankModelInfo:
    common = _common(raw, where)
    return RerankModelInfo(
        **common,
        max_documents=_optional_int(raw, "max_documents", where),
        max_document_tokens=_optional_int(raw, "max_document_tokens", where),
        max_request_tokens=_optional_int(raw, "max_request_tokens", where),
    )


def parse_kind(data: Any, kind: Literal["embedding", "rerank"]) -> Mapping[str, Any]:
    """Validate one kind's catalogue file and index it by name.

    Args:
        data: The parsed JSON.
        kind: Which kind the file must hold.

    Returns:
        The entries by name.

    Raises:
        ValueError: The data is malformed (the message says where).
    """
    if not isinstance(data, Mapping) or data.get("schema_version") != 1:
        raise _fail(kind, "schema_version must be 1")
    if data.get("kind") != kind:
        raise _fail(kind, f"kind must be {kind!r}")
    models = data.get("models")
    if not isinstance(models, list) or not models:
        raise _fail(kind, "models must be a non-empty list")
    build = _embedding_entry if kind == "embedding" else _rerank_entry
    index: dict[str, Any] = {}
    for i, raw in enumerate(models):
        info = build(raw, f"{kind} models[{i}]")
        if info.name in index:
            raise _fail(f"{kind} models[{i}]", f"duplicate name {info.name!r}")
        index[info.name] = info
    return MappingProxyType(index)


def _load(file: str, kind: Literal["embedding", "rerank"]) -> Mapping[str, Any]:
    text = resources.files("langchain_qwen.data").joinpath(file).read_text("utf-8")
    return parse_kind(json.loads(text), kind)


@functools.cache
def _embeddings() -> Mapping[str, EmbeddingModelInfo]:
    return _load("embedding_models.json", "embedding")


@functools.cache
def _reranks() -> Mapping[str, RerankModelInfo]:
    return _load("rerank_models.json", "rerank")


def embedding_model(name: str) -> EmbeddingModelInfo | None:
    """Look an embedding model up.

    Args:
        name: The model id.

    Returns:
        Its entry, or `None` when the catalogue does not know it.
    """
    return _embeddings().get(name)


def rerank_model(name: str) -> RerankModelInfo | None:
    """Look a rerank model up.

    Args:
        name: The model id.

    Returns:
        Its entry, or `None` when the catalogue does not know it.
    """
    return _reranks().get(name)


def _listed(index: Mapping[str, _Info], region: str | None) -> list[str]:
    wanted = canonical_region(region) if region is not None else None
    return [
        info.name
        for info in index.values()
        if info.status != "retired" and (wanted is None or wanted in info.regions)
    ]


def list_embedding_models(region: str | None = None) -> list[str]:
    """List the embedding models in service (of a region, if given).

    Args:
        region: A region name or alias; all regions when `None`.

    Returns:
        Model ids, in catalogue order.
    """
    return _listed(_embeddings(), region)


def list_rerank_models(region: str | None = None) -> list[str]:
    """List the rerank models in service (of a region, if given).

    Args:
        region: A region name or alias; all regions when `None`.

    Returns:
        Model ids, in catalogue order.
    """
    return _listed(_reranks(), region)


def _check(
    index: Mapping[str, _Info], what: str, name: str, region: str | None
) -> _Info:
    info = index.get(name)
    if info is None:
        from langchain_qwen.catalogue import names  # noqa: PLC0415

        suggestions = names.close_names(name, index, known=index.__contains__)
        hint = (
            f" Did you mean {', '.join(repr(s) for s in suggestions[:3])}?"
            if suggestions
            else f" Known {what} models: {', '.join(_listed(index, None))}."
        )
        msg = (
            f"Unknown {what} model {name!r}.{hint} If the model is newer than "
            "this package's catalogue, pass validate_model=False to skip the check."
        )
        raise ValueError(msg)
    if info.status == "retired":
        msg = (
            f"The {what} model {name!r} was retired on {info.retired_on} and "
            f"DashScope no longer serves it: use {info.successor!r} instead"
        )
        if region is not None:
            here = _listed(index, region)
            msg += f" (models in {region}: {', '.join(here) or 'none'})"
        raise ValueError(msg + ".")
    if region is not None and region not in info.regions:
        here = _listed(index, region)
        offered = (
            f" {what.capitalize()} models offered in {region}: "
            f"{', '.join(repr(m) for m in here)}."
            if here
            else f" The catalogue lists no {what} model for {region}."
        )
        msg = (
            f"The {what} model {name!r} is not offered in region {region!r}; it "
            f"is offered in: {', '.join(info.regions)}.{offered} Keys belong to "
            "one region: pass region=... for the region of your key. If the "
            "catalogue is out of date, pass validate_model=False to skip the check."
        )
        raise ValueError(msg)
    return info


def check_embedding_model(name: str, region: str | None) -> EmbeddingModelInfo:
    """Check an embedding model's name, lifecycle and region.

    Args:
        name: The model id.
        region: A canonical region, or `None` to check only the name.

    Returns:
        The model's entry.

    Raises:
        ValueError: Unknown (close names suggested), retired (successor
            named), or not offered in the region (the regions that offer it
            and the models this region has named).
    """
    return _check(_embeddings(), "embedding", name, region)


def check_rerank_model(name: str, region: str | None) -> RerankModelInfo:
    """Check a rerank model's name, lifecycle and region.

    Args:
        name: The model id.
        region: A canonical region, or `None` to check only the name.

    Returns:
        The model's entry.

    Raises:
        ValueError: Unknown (close names suggested), retired (successor
            named), or not offered in the region.
    """
    return _check(_reranks(), "rerank", name, region)
