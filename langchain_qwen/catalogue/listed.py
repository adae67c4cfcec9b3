"""A `/models` listing beside the catalogue: per id, known or not, offered or not.

The live call that fetches a listing is `langchain_qwen._dashscope.model_list`;
saving and trusting one is `langchain_qwen.catalogue.saved_listings`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from langchain_qwen.catalogue import catalog


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


__all__ = ["ListedModel", "Listing", "describe"]
