"""The model catalogue: which Qwen models exist, where, and what they can do.

The facts live in `data/models.json`, each entry with its source and date, in
the catalogue's one entry shape (`catalogue.entries.ModelInfo`); this module
has them loaded and checked once by `catalogue.schema` (lazily, so importing it
stays cheap), and answers questions about them: resolve a name or snapshot to its entry,
check a name against a region with helpful suggestions, list the models of a
region, and describe a model as a LangChain model profile.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from langchain_qwen.catalogue import schema
from langchain_qwen.catalogue.entries import (
    _DATED,
    _LATEST_SUFFIX,
    _LEGACY,
    _US_SUFFIX,
    REGIONS,
    SCHEMA_VERSION,
    Kind,
    ModelInfo,
    RetiredFamily,
    Status,
    Thinking,
)
from langchain_qwen.catalogue.lifecycle import (
    DeprecatedModelWarning,
    Lifecycle,
    QwenModelWarning,
    UnknownModelWarning,
    real_date,
    warn_once,
)
from langchain_qwen.catalogue.schema import parse_catalog
from langchain_qwen.regions import canonical_region

if TYPE_CHECKING:
    # Imported where used: only names the catalogue does not list need it.
    from langchain_qwen.catalogue import names as _names


@functools.cache
def retired_families() -> tuple[RetiredFamily, ...]:
    """The families the data retires by id prefix.

    Returns:
        The families, in data order.
    """
    return schema.retired_families(_document())


@functools.cache
def _document() -> Mapping[str, Any]:
    # The top-level facts, without the entries: those are nearly all of the file
    # and live on as `_catalog`'s ModelInfo objects, so their decoded JSON is
    # not kept. Most programs never need this (unknown names, the CLI).
    return MappingProxyType(
        {key: value for key, value in schema.load("chat").items() if key != "models"}
    )


def data_date() -> str:
    """The date at which the catalogue's data was last brought up to date.

    Returns:
        A YYYY-MM-DD string.
    """
    return str(_document().get("date", ""))


@functools.cache
def _grammar() -> _names.Grammar:
    from langchain_qwen.catalogue import names as _names  # noqa: PLC0415

    data = schema.grammar(_document())
    # Words of listed names count too, so the data never disagrees with itself.
    extra = _names.words_of(_catalog(), data.heads)
    return _names.Grammar(data.heads, data.words | extra)


@functools.cache
def _catalog() -> Mapping[str, ModelInfo]:
    # Decoded for this parse only (the cache keeps the result, once).
    return parse_catalog(schema.load("chat"))


def _split_snapshot(model: str) -> tuple[str, str] | None:
    """Split a snapshot name into its stem and a well-formed snapshot suffix.

    Returns:
        `(stem, suffix)` where suffix is `-latest`, `-YYYY-MM-DD`, `-MMDD` or
        `-YYYY-MM-DD-us` (then the alias is `stem + "-us"`), or `None` when the
        name ends in none of them (or in a date that does not exist).
    """
    if model.endswith(_LATEST_SUFFIX):
        return model.removesuffix(_LATEST_SUFFIX), _LATEST_SUFFIX
    # US-only snapshots put the date before the region suffix:
    # qwen-plus-us -> qwen-plus-2025-12-01-us.
    us = model.endswith(_US_SUFFIX)
    dated = _DATED.match(model.removesuffix(_US_SUFFIX) if us else model)
    if dated is not None:
        if not real_date(int(dated["y"]), int(dated["m"]), int(dated["d"])):
            return None
        return dated["base"], model[len(dated["base"]) :]
    legacy = _LEGACY.match(model)
    # A leap year, so that a legacy "0229" alias stays valid.
    if legacy is not None and real_date(2000, int(legacy["m"]), int(legacy["d"])):
        return legacy["base"], model[len(legacy["base"]) :]
    return None


def lookup(model: str) -> ModelInfo | None:
    """Find the catalogue entry a model name belongs to.

    The name is matched exactly (DashScope ids are lower case), then as a
    snapshot of an alias whose entry allows that form: `<alias>-latest`,
    `<alias>-YYYY-MM-DD`, `<alias>-MMDD`, or for a `-us` alias
    `<base>-YYYY-MM-DD-us` (e.g. `qwen-plus-2025-12-01-us`). Dates must be real
    calendar dates.

    Args:
        model: The model name as sent to DashScope.

    Returns:
        The entry, or `None` if the name is not in the catalogue.
    """
    catalog = _catalog()
    if model in catalog:
        return catalog[model]
    split = _split_snapshot(model)
    if split is None:
        return None
    stem, suffix = split
    if suffix == _LATEST_SUFFIX:
        info = catalog.get(stem)
        return info if info is not None and info.latest else None
    if suffix.endswith(_US_SUFFIX):
        info = catalog.get(stem + _US_SUFFIX)
        return info if info is not None and info.dated else None
    info = catalog.get(stem)
    if info is None or info.name.endswith(_US_SUFFIX):
        # A -us alias never takes a trailing date (qwen-plus-us-2025-12-01).
        return None
    allowed = info.dated if len(suffix) == len("-YYYY-MM-DD") else info.legacy
    return info if allowed else None


def _suggest(model: str, aliases: list[str]) -> list[str]:
    """Up to three known names close to an unknown one."""
    from langchain_qwen.catalogue import names as _names  # noqa: PLC0415

    # A typo in the alias part of a snapshot: match the stem, keep the suffix.
    return _names.close_names(
        model,
        aliases,
        known=lambda name: lookup(name) is not None,
        split=_split_snapshot,
    )


def _check_region(region: str) -> None:
    if region not in REGIONS:
        raise ValueError(
            f"Unknown region {region!r}. Valid regions: {', '.join(REGIONS)}."
        )


def _alternatives(info: ModelInfo, candidates: list[ModelInfo]) -> list[str]:
    """Order candidate replacements for `info`, best first.

    The regional twin comes first (`qwen3.7-plus` <-> `qwen3.7-plus-us`), then
    models that take the same inputs and are alike in being thinking-only (a
    text model should not be offered a vision model), then those whose context
    window is of a similar size (by order of magnitude, so `qwen-long` is offered
    the 1M-token models), then the closest names.
    """
    base = info.name.removesuffix(_US_SUFFIX)

    def magnitude(m: ModelInfo) -> int:
        # Digits of the smaller window: 1,000,000 and 1,048,576 count as equal.
        windows = (m.context_window or 0, info.context_window or 0)
        return len(str(min(windows)))

    def key(other: ModelInfo) -> tuple[int, int, int, float, str]:
        twin = {info.name, other.name} == {base, base + _US_SUFFIX}
        mismatches = sum(
            getattr(info, field) != getattr(other, field)
            for field in ("image_inputs", "video_inputs", "audio_inputs")
        ) + ((info.thinking == "always") != (other.thinking == "always"))
        similarity = difflib.SequenceMatcher(None, info.name, other.name).ratio()
        return (
            0 if twin else 1,
            mismatches,
            -magnitude(other),
            -similarity,
            other.name,
        )

    return [other.name for other in sorted(candidates, key=key)]


def check_model(model: str, region: str) -> ModelInfo | None:
    """Check a model name against the catalogue and a region.

    The policy for names the catalogue does not list (see `docs/models.md`): a
    name in a saved `/models` listing the user trusts (`model_list`), or one
    that fits DashScope's id grammar (`names`), is let through with one
    `UnknownModelWarning` and `None` is returned (its capability checks are
    off); anything else is a typo and is refused with suggestions. A listed
    model must be offered in the region and not retired there; a deprecated one
    warns once (`DeprecatedModelWarning`).

    Args:
        model: The model name (alias or snapshot).
        region: A canonical region name (see `REGIONS`).

    Returns:
        The model's catalogue entry, or `None` for an accepted unknown name.

    Raises:
        ValueError: If the region is unknown, the name looks like a typo (the
            message suggests close names), the region does not offer the model
            (the message names the regions that do and alternatives that this
            region offers), or the model is retired there (the message gives
            the date and the successor).
    """
    _check_region(region)
    info = lookup(model)
    catalog = _catalog()
    listing = _trusted_listing(region)
    listed = listing is not None and model in listing[1]
    if info is None:
        if listed:
            assert listing is not None
            warn_once(
                UnknownModelWarning,
                model,
                f"Model {model!r} is not in langchain-qwen's catalogue (data of "
                f"{data_date()}) but is in your saved {region} model listing of "
                f"{listing[0]}: it is used as given, with the catalogue's capability "
                "checks (thinking, tools, structured output, inputs) off.",
            )
            return None
        _refuse_or_accept_unknown(model, catalog)
        return None
    if region not in info.regions and not listed:
        _not_offered(model, info, region, catalog)
    status = info.status(region)
    life = info.lifecycle
    if status == "retired" and life is not None and not listed:
        instead = f" Use {life.successor!r} instead." if life.successor else ""
        raise ValueError(
            f"Model {model!r} was retired by DashScope on {life.date} in "
            f"{', '.join(r for r in REGIONS if r in life.regions)}.{instead} "
            f"(Source: {life.source}.) If your account still has it, pass "
            "validate_model=False."
        )
    if status == "deprecated" and life is not None:
        when = f", retiring on {life.retires}" if life.retires else ""
        instead = f"; move to {life.successor!r}" if life.successor else ""
        warn_once(
            DeprecatedModelWarning,
            info.name,
            f"Model {info.name!r} is deprecated (announced {life.date}{when})"
            f"{instead}.",
        )
    return info


def _refuse_or_accept_unknown(model: str, catalog: Mapping[str, ModelInfo]) -> None:
    """Raise for a typo; warn once and return for a plausible newer model."""
    from langchain_qwen.catalogue import names as _names  # noqa: PLC0415

    for family in retired_families():
        if family.covers(model):
            instead = (
                f"Use {family.successor!r} instead"
                if family.successor
                else "Pick a current model (see langchain_qwen.list_models())"
            )
            raise ValueError(
                f"Model {model!r} belongs to a family DashScope retired on "
                f"{family.date} (Source: {family.source}.) {instead}, or pass "
                "validate_model=False if your account still has it."
            )
    why = _names.problem(model, _grammar(), catalog)
    if why is not None:
        # Never suggest a retired model.
        active = [n for n, i in catalog.items() if i.status() != "retired"]
        suggestions = _suggest(model, active)
        close = _names.near_miss(model, active)
        if close is not None and close not in suggestions:
            suggestions.insert(0, close)
        hint = (
            f" Did you mean {', '.join(repr(s) for s in suggestions[:3])}?"
            if suggestions
            else ""
        )
        raise ValueError(
            f"Unknown Qwen model {model!r} ({why}).{hint} If the model is real and "
            "newer than this package's catalogue, pass validate_model=False, or "
            "save your key's model list with `python -m langchain_qwen models "
            "--live --save` and set DASHSCOPE_MODEL_CACHE=1."
        )
    warn_once(
        UnknownModelWarning,
        model,
        f"Model {model!r} is not in langchain-qwen's catalogue (data of "
        f"{data_date()}); it fits DashScope's id grammar, so it is used as given, "
        "with the catalogue's capability checks (thinking, tools, structured "
        "output, inputs, region) off. Upgrade langchain-qwen when it lists the "
        "model.",
    )


def _trusted_listing(region: str) -> tuple[str, frozenset[str]] | None:
    """The saved `/models` listing of `region`, if the user opted in to trust it."""
    from langchain_qwen.catalogue import saved_listings  # noqa: PLC0415 (file I/O, on demand)

    return saved_listings.trusted_ids(region)


def _not_offered(
    model: str, info: ModelInfo, region: str, catalog: Mapping[str, ModelInfo]
) -> None:
    offered = [
        m
        for m in catalog.values()
        if region in m.regions and m.status(region) != "retired"
    ]
    # Same family first (qwen-plus-us -> qwen-plus), then same kind.
    same_family = _alternatives(info, [m for m in offered if m.family == info.family])
    same_kind = _alternatives(
        info, [m for m in offered if m.kind == info.kind and m.family != info.family]
    )
    alternatives = (same_family + same_kind)[:3]
    where = ", ".join(r for r in REGIONS if r in info.regions)
    instead = (
        f" Models of the same family or kind offered in {region}: "
        f"{', '.join(repr(a) for a in alternatives)}."
        if alternatives
        else ""
    )
    shown = repr(model)
    if model != info.name:
        shown += f" (a snapshot of {info.name!r})"
    raise ValueError(
        f"Model {shown} is not offered in region {region!r}; it is offered in: "
        f"{where}.{instead} If the catalogue is out of date, pass "
        "validate_model=False to skip the check."
    )


def list_models(region: str | None = None) -> list[str]:
    """List catalogue aliases (snapshots are not listed).

    Args:
        region: A region name or alias (`"cn"`, `"intl"`, ...) to filter by, or
            `None` for all.

    Returns:
        The aliases, sorted.

    Raises:
        ValueError: If `region` is not a region name or alias.
    """
    if region is not None:
        # Users type the same names and aliases as for ChatQwen(region=...).
        region = canonical_region(region)
    return sorted(
        name
        for name, info in _catalog().items()
        if region is None or region in info.regions
    )


def models_with(
    capability: str,
    *,
    like: ModelInfo | None = None,
    region: str | None = None,
    limit: int = 4,
) -> list[str]:
    """Name catalogue models that have a capability, best alternatives first.

    Used in error messages ("models that accept images: ..."). Models of the
    same family as `like` come first, then ones that neither always think nor
    need streaming, then Alibaba's hosted models, then the closest names.

    Args:
        capability: A boolean `ModelInfo` field, e.g. `"image_inputs"`.
        like: The model the user has; its family and name guide the order.
        region: Only models offered in this canonical region; `None` for all.
        limit: How many names to return at most.

    Returns:
        Up to `limit` aliases.
    """
    name = like.name if like is not None else ""

    def key(info: ModelInfo) -> tuple[bool, bool, bool, float, str]:
        return (
            like is None or info.family != like.family,
            info.thinking == "always" or info.stream_only,
            info.kind != "commercial",
            -difflib.SequenceMatcher(None, name, info.name).ratio(),
            info.name,
        )

    candidates = [
        info
        for info in _catalog().values()
        if getattr(info, capability) is True
        and (region is None or region in info.regions)
        and info.status(region) != "retired"
        and info is not like
    ]
    return [info.name for info in sorted(candidates, key=key)[:limit]]


__all__ = [
    "REGIONS",
    "SCHEMA_VERSION",
    "DeprecatedModelWarning",
    "Kind",
    "Lifecycle",
    "ModelInfo",
    "QwenModelWarning",
    "RetiredFamily",
    "Status",
    "Thinking",
    "UnknownModelWarning",
    "check_model",
    "data_date",
    "list_models",
    "lookup",
    "models_with",
    "parse_catalog",
    "retired_families",
]
