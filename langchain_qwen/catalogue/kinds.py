"""Embedding and rerank models: look a name up, check it, list a region's models.

The facts live in `data/embedding_models.json` and `data/rerank_models.json`,
in the catalogue's one shape (`catalogue.entries`: `EmbeddingModelInfo`,
`RerankModelInfo`, with the common `lifecycle`), read and checked once by the
catalogue's one loader (`catalogue.schema`). This module answers questions
about them: look a name up, check a name against a region (close names
suggested, a retired model named with its successor), and list the models of a
region. The chat catalogue is `catalog`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, TypeVar

from langchain_qwen.catalogue.entries import (
    EmbeddingModelInfo,
    ModelKind,
    RerankModelInfo,
)
from langchain_qwen.catalogue.schema import load, parse_kind
from langchain_qwen.regions import canonical_region

_Info = TypeVar("_Info", EmbeddingModelInfo, RerankModelInfo)


def _load(kind: ModelKind) -> Mapping[str, Any]:
    return parse_kind(load(kind), kind)


@functools.cache
def _embeddings() -> Mapping[str, EmbeddingModelInfo]:
    return _load("embedding")


@functools.cache
def _reranks() -> Mapping[str, RerankModelInfo]:
    return _load("rerank")


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
        if info.status(wanted) != "retired"
        and (wanted is None or wanted in info.regions)
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
    life = info.lifecycle
    if life is not None and info.status(region) == "retired":
        instead = (
            f"use {life.successor!r} instead"
            if life.successor
            else "the catalogue names no successor"
        )
        msg = (
            f"The {what} model {name!r} was retired on {life.date} and "
            f"DashScope no longer serves it: {instead}"
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


__all__ = [
    "EmbeddingModelInfo",
    "RerankModelInfo",
    "check_embedding_model",
    "check_rerank_model",
    "embedding_model",
    "list_embedding_models",
    "list_rerank_models",
    "parse_kind",
    "rerank_model",
]
