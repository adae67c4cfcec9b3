"""The model catalogue: which Qwen models exist, where, and what they can do.

The facts live in `data/models.json`, each entry with its source and date; this
module loads them once (lazily, so importing it stays cheap), validates them,
and answers questions about them: resolve a name or snapshot to its entry,
check a name against a region with helpful suggestions, list the models of a
region, and describe a model as a LangChain model profile.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args

from langchain_qwen.catalogue.lifecycle import (
    DeprecatedModelWarning,
    Lifecycle,
    QwenModelWarning,
    UnknownModelWarning,
    is_iso_date,
    parse_lifecycle,
    warn_once,
)
from langchain_qwen.regions import canonical_region

if TYPE_CHECKING:
    # Imported where used: only names the catalogue does not list need it.
    from langchain_qwen.catalogue import names as _names

Thinking = Literal["none", "optional_off", "optional_on", "always"]
"""How a model thinks.

`none`: never (the model rejects `enable_thinking`); `optional_off` and
`optional_on`: a hybrid model whose thinking is off or on unless the request
says otherwise; `always`: a thinking-only model (it rejects
`enable_thinking: false`).
"""

Kind = Literal["commercial", "open_source", "third_party"]
"""Who makes the model: Alibaba's hosted-only models, open weights, or others."""

REGIONS: tuple[str, ...] = (
    "singapore",
    "us",
    "beijing",
    "hongkong",
    "frankfurt",
    "tokyo",
)
"""The canonical region names the catalogue uses (aliases live in `regions`)."""

Status = Literal["active", "deprecated", "retired", "unknown"]
"""A model's lifecycle status, as `model.profile["status"]` reports it.

`unknown`: the name is not in the catalogue but fits DashScope's id grammar, so
it is let through with its capability checks off.
"""

SCHEMA_VERSION = 2

# The fields every entry must carry, with the JSON types they must have. Listing
# them here (rather than trusting the file) turns a hand-edit mistake into a
# clear error on first use instead of a wrong answer later.
_BOOL_FIELDS = (
    "tools",
    "tool_choice_required",
    "image_inputs",
    "video_inputs",
    "audio_inputs",
    "thinking_budget",
    "preserve_thinking",
    "stream_only",
    "thinking_requires_stream",
    "json_object",
    "json_schema",
    "n_gt_1",
    "partial",
)
_STR_FIELDS = ("name", "family", "kind", "thinking", "source", "date")
_OPTIONAL_INT_FIELDS = ("context_window", "max_output_tokens")
_SNAPSHOT_FORMS = ("latest", "dated", "legacy")
_REQUIRED_FIELDS = frozenset(
    (*_BOOL_FIELDS, *_STR_FIELDS, *_OPTIONAL_INT_FIELDS, "regions", "snapshots")
)
# Fields an entry may leave out; each has the default of its `ModelInfo` field.
_OPTIONAL_FIELDS = frozenset(("reasoning_effort", "release_date", "lifecycle"))
_TOP_LEVEL = frozenset(
    (
        "schema_version",
        "date",
        "regions",
        "notes",
        "name_grammar",
        "retired_families",
        "models",
    )
)
# Snapshot suffixes. Each match is checked as a real calendar date too, so a
# typo such as `qwen-plus-2025-13-99` is an unknown model, not a snapshot.
_DATED = re.compile(r"^(?P<base>.+)-(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$")
_LEGACY = re.compile(r"^(?P<base>.+)-(?P<m>\d{2})(?P<d>\d{2})$")
_US_SUFFIX = "-us"
_LATEST_SUFFIX = "-latest"


@dataclass(frozen=True)
class ModelInfo:
    """What the catalogue knows about one model alias and its snapshots.

    Attributes:
        name: The alias users type, e.g. `"qwen-plus"`.
        family: A human family name, e.g. `"Qwen-Plus"`.
        kind: `"commercial"`, `"open_source"` or `"third_party"`.
        regions: Canonical names of the regions that offer the model.
        latest: Whether `<name>-latest` exists.
        dated: Whether dated snapshots `<name>-YYYY-MM-DD` exist (for a `-us`
            alias: `<base>-YYYY-MM-DD-us`).
        legacy: Whether short snapshot aliases `<name>-MMDD` exist.
        tools: Whether the model supports function calling.
        tool_choice_required: Whether it accepts `tool_choice: "required"`.
        image_inputs: Whether it accepts images.
        video_inputs: Whether it accepts video (frames or files).
        audio_inputs: Whether it accepts audio.
        thinking: How it thinks; see `Thinking`.
        thinking_budget: Whether it accepts `thinking_budget`.
        preserve_thinking: Whether it accepts `preserve_thinking`.
        stream_only: Whether it rejects every non-streamed call.
        thinking_requires_stream: Whether a non-streamed call with thinking on
            is rejected.
        json_object: Whether `response_format` `json_object` is supported.
        json_schema: Whether `response_format` `json_schema` is supported.
        n_gt_1: Whether `n` may be 2 to 4.
        partial: Whether prefix continuation (`partial: true`) is supported.
        context_window: The context window in tokens, if known.
        max_output_tokens: The output limit in tokens, if known.
        source: A short citation of the facts above.
        date: The date (YYYY-MM-DD) at which the cited sources were current.
        reasoning_effort_levels: The `reasoning_effort` values the model takes
            (empty: it takes none).
        reasoning_effort_default: The level used when the request names none.
        release_date: The public release date (YYYY-MM-DD), if known.
        lifecycle: The retirement or deprecation, if Alibaba announced one.
    """

    name: str
    family: str
    kind: Kind
    regions: frozenset[str]
    latest: bool
    dated: bool
    legacy: bool
    tools: bool
    tool_choice_required: bool
    image_inputs: bool
    video_inputs: bool
    audio_inputs: bool
    thinking: Thinking
    thinking_budget: bool
    preserve_thinking: bool
    stream_only: bool
    thinking_requires_stream: bool
    json_object: bool
    json_schema: bool
    n_gt_1: bool
    partial: bool
    context_window: int | None
    max_output_tokens: int | None
    source: str
    date: str
    reasoning_effort_levels: tuple[str, ...] = ()
    reasoning_effort_default: str | None = None
    release_date: str | None = None
    lifecycle: Lifecycle | None = None

    def status(self, region: str | None = None) -> Status:
        """The lifecycle status, in `region` if given (retirements are regional).

        Args:
            region: A canonical region name, or `None` for anywhere.

        Returns:
            `"retired"`, `"deprecated"` or `"active"`.
        """
        life = self.lifecycle
        if life is None:
            return "active"
        if (
            life.status == "retired"
            and region is not None
            and region not in life.regions
        ):
            return "active"
        return life.status

    @property
    def input_kinds(self) -> tuple[str, ...]:
        """The kinds of input the model takes, text first."""
        kinds = (
            ("image", self.image_inputs),
            ("video", self.video_inputs),
            ("audio", self.audio_inputs),
        )
        return ("text", *(kind for kind, on in kinds if on))

    @property
    def thinking_default(self) -> bool:
        """Whether the model thinks when the request does not say."""
        return self.thinking in ("optional_on", "always")

    @property
    def can_think(self) -> bool:
        """Whether the model can produce reasoning at all."""
        return self.thinking != "none"


def _fail(where: str, problem: str) -> ValueError:
    return ValueError(
        f"Invalid model catalogue (langchain_qwen/data/models.json): {where}: {problem}"
    )


def _entry_from_json(
    raw: Any, index: int, shared: dict[Any, Any] | None = None
) -> ModelInfo:
    """Build one `ModelInfo` from a JSON entry, checking every field.

    Args:
        raw: The decoded JSON entry.
        index: Its position, for error messages.
        shared: Values already used by other entries (equal values become one
            object); filled in as entries are built.

    Returns:
        The entry as a `ModelInfo`.

    Raises:
        ValueError: If a field is missing, unknown or of the wrong type.
    """
    if not isinstance(raw, dict):
        raise _fail(f"models[{index}]", "an entry must be an object")
    where = f"models[{index}] ({raw.get('name', '?')!r})"
    missing = _REQUIRED_FIELDS - raw.keys()
    if missing:
        raise _fail(where, f"missing fields {sorted(missing)}")
    unknown = raw.keys() - _REQUIRED_FIELDS - _OPTIONAL_FIELDS
    if unknown:
        raise _fail(where, f"unknown fields {sorted(unknown)}")
    for key in _BOOL_FIELDS:
        if not isinstance(raw[key], bool):
            raise _fail(where, f"{key!r} must be true or false")
    for key in _STR_FIELDS:
        if not isinstance(raw[key], str) or not raw[key]:
            raise _fail(where, f"{key!r} must be a non-empty string")
    for key in _OPTIONAL_INT_FIELDS:
        value = raw[key]
        # bool is a subclass of int: reject it explicitly.
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value <= 0
        ):
            raise _fail(where, f"{key!r} must be a positive integer or null")
    if raw["kind"] not in get_args(Kind):
        raise _fail(where, f"kind {raw['kind']!r} is not one of {get_args(Kind)}")
    if raw["thinking"] not in get_args(Thinking):
        raise _fail(
            where, f"thinking {raw['thinking']!r} is not one of {get_args(Thinking)}"
        )
    regions = raw["regions"]
    if not isinstance(regions, list) or not regions:
        raise _fail(where, "'regions' must be a non-empty list")
    bad = [r for r in regions if r not in REGIONS]
    if bad:
        raise _fail(where, f"unknown regions {bad}; valid: {', '.join(REGIONS)}")
    snapshots = raw["snapshots"]
    if (
        not isinstance(snapshots, dict)
        or set(snapshots) != set(_SNAPSHOT_FORMS)
        or not all(isinstance(v, bool) for v in snapshots.values())
    ):
        raise _fail(where, f"'snapshots' must map {list(_SNAPSHOT_FORMS)} to booleans")
    try:
        datetime.date.fromisoformat(raw["date"])
    except ValueError:
        raise _fail(where, f"date {raw['date']!r} is not YYYY-MM-DD") from None
    levels, default_level = _reasoning_effort(raw.get("reasoning_effort"), where)
    release = raw.get("release_date")
    if release is not None and not is_iso_date(release):
        raise _fail(where, f"release_date {release!r} is not YYYY-MM-DD")
    # Entries repeat the same region sets, families, kinds and dates, and the
    # catalogue stays in memory for good: keep one object of each.
    pool = shared if shared is not None else {}
    return ModelInfo(
        name=raw["name"],
        family=_share(pool, raw["family"]),
        kind=_share(pool, raw["kind"]),
        regions=_share(pool, frozenset(regions)),
        latest=snapshots["latest"],
        dated=snapshots["dated"],
        legacy=snapshots["legacy"],
        tools=raw["tools"],
        tool_choice_required=raw["tool_choice_required"],
        image_inputs=raw["image_inputs"],
        video_inputs=raw["video_inputs"],
        audio_inputs=raw["audio_inputs"],
        thinking=_share(pool, raw["thinking"]),
        thinking_budget=raw["thinking_budget"],
        preserve_thinking=raw["preserve_thinking"],
        stream_only=raw["stream_only"],
        thinking_requires_stream=raw["thinking_requires_stream"],
        json_object=raw["json_object"],
        json_schema=raw["json_schema"],
        n_gt_1=raw["n_gt_1"],
        partial=raw["partial"],
        context_window=raw["context_window"],
        max_output_tokens=raw["max_output_tokens"],
        source=raw["source"],
        date=_share(pool, raw["date"]),
        reasoning_effort_levels=_share(pool, levels),
        reasoning_effort_default=default_level,
        release_date=release,
        lifecycle=_lifecycle(raw.get("lifecycle"), where),
    )


_T = TypeVar("_T")


def _share(pool: dict[Any, Any], value: _T) -> _T:
    """The object in `pool` equal to `value` (`value` itself, the first time)."""
    shared: _T = pool.setdefault(value, value)
    return shared


def _lifecycle(raw: Any, where: str) -> Lifecycle | None:
    try:
        return parse_lifecycle(raw, REGIONS)
    except ValueError as exc:
        raise _fail(where, str(exc)) from None


def _reasoning_effort(raw: Any, where: str) -> tuple[tuple[str, ...], str | None]:
    """Read `{"levels": [...], "default": ...}` (absent: no `reasoning_effort`)."""
    if raw is None:
        return (), None
    levels = raw.get("levels") if isinstance(raw, dict) else None
    default = raw.get("default") if isinstance(raw, dict) else None
    if (
        not isinstance(levels, list)
        or not levels
        or not all(isinstance(v, str) and v for v in levels)
        or set(raw) - {"levels", "default"}
        or (default is not None and default not in levels)
    ):
        raise _fail(
            where,
            "'reasoning_effort' must be {\"levels\": [non-empty strings], "
            '"default": one of them or null}',
        )
    return tuple(levels), default


def parse_catalog(data: Any) -> Mapping[str, ModelInfo]:
    """Validate a decoded catalogue document and index it by alias.

    Args:
        data: The decoded `models.json` document.

    Returns:
        A read-only mapping from alias to `ModelInfo`.

    Raises:
        ValueError: If the document does not follow the catalogue schema.
    """
    if not isinstance(data, dict):
        raise _fail("document", "the top level must be an object")
    unknown = data.keys() - _TOP_LEVEL
    if unknown:
        raise _fail("document", f"unknown keys {sorted(unknown)}")
    if "name_grammar" in data:
        _grammar_parts(data)
    _retired_families_from_json(data)
    if "date" in data and not is_iso_date(data["date"]):
        raise _fail("date", f"{data['date']!r} is not YYYY-MM-DD")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise _fail(
            "schema_version",
            f"expected {SCHEMA_VERSION}, got {data.get('schema_version')!r}",
        )
    if tuple(data.get("regions", ())) != REGIONS:
        raise _fail("regions", f"expected {list(REGIONS)}, got {data.get('regions')!r}")
    models = data.get("models")
    if not isinstance(models, list) or not models:
        raise _fail("models", "must be a non-empty list")
    index: dict[str, ModelInfo] = {}
    shared: dict[Any, Any] = {}
    for i, raw in enumerate(models):
        info = _entry_from_json(raw, i, shared)
        if info.name in index:
            raise _fail(f"models[{i}]", f"duplicate name {info.name!r}")
        index[info.name] = info
    for info in index.values():
        successor = info.lifecycle.successor if info.lifecycle else None
        if successor is not None and successor not in index:
            raise _fail(info.name, f"successor {successor!r} is not in the catalogue")
    return MappingProxyType(index)


def _grammar_from_json(data: Any) -> _names.Grammar:
    from langchain_qwen.catalogue import names as _names  # noqa: PLC0415

    return _names.Grammar(*_grammar_parts(data))


def _grammar_parts(data: Any) -> tuple[frozenset[str], frozenset[str]]:
    """The `name_grammar`'s heads and words, checked."""
    raw = data.get("name_grammar") if isinstance(data, Mapping) else None
    if (
        not isinstance(raw, dict)
        or set(raw) != {"heads", "words", "source", "date"}
        or not all(isinstance(h, str) and h for h in raw["heads"])
        or not all(isinstance(w, str) and w for w in raw["words"])
    ):
        raise _fail(
            "name_grammar", "must be {heads: [...], words: [...], source, date}"
        )
    return frozenset(raw["heads"]), frozenset(raw["words"])


@dataclass(frozen=True)
class RetiredFamily:
    """Whole families DashScope retired, named by id prefix (no entry each).

    Attributes:
        prefixes: Id prefixes of the family, e.g. `"qwen2-"`.
        date: The retirement date (YYYY-MM-DD).
        source: A short citation.
    """

    prefixes: tuple[str, ...]
    date: str
    source: str


def _retired_families_from_json(data: Mapping[str, Any]) -> tuple[RetiredFamily, ...]:
    raw = data.get("retired_families", [])
    families = []
    for i, item in enumerate(raw if isinstance(raw, list) else [None]):
        if (
            not isinstance(item, dict)
            or set(item) != {"prefixes", "date", "source"}
            or not isinstance(item["prefixes"], list)
            or not item["prefixes"]
            or not all(isinstance(p, str) and p for p in item["prefixes"])
            or not is_iso_date(item["date"])
            or not isinstance(item["source"], str)
        ):
            raise _fail(
                f"retired_families[{i}]",
                "must be {prefixes: [non-empty strings], date: YYYY-MM-DD, source}",
            )
        families.append(
            RetiredFamily(tuple(item["prefixes"]), item["date"], item["source"])
        )
    return tuple(families)


@functools.cache
def retired_families() -> tuple[RetiredFamily, ...]:
    """The families the data retires by id prefix.

    Returns:
        The families, in data order.
    """
    return _retired_families_from_json(_document())


def _decode() -> Any:
    # importlib.resources reads the file from a wheel or a zip as well as from a
    # source checkout.
    text = (
        resources.files("langchain_qwen.data")
        .joinpath("models.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


@functools.cache
def _document() -> Mapping[str, Any]:
    # The top-level facts, without the entries: those are nearly all of the file
    # and live on as `_catalog`'s ModelInfo objects, so their decoded JSON is
    # not kept. Most programs never need this (unknown names, the CLI).
    return MappingProxyType(
        {key: value for key, value in _decode().items() if key != "models"}
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

    grammar = _grammar_from_json(_document())
    # Words of listed names count too, so the data never disagrees with itself.
    extra = _names.words_of(_catalog(), grammar.heads)
    return _names.Grammar(grammar.heads, grammar.words | extra)


@functools.cache
def _catalog() -> Mapping[str, ModelInfo]:
    # Decoded for this parse only (the cache keeps the result, once).
    return parse_catalog(_decode())


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


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
        if not _is_date(int(dated["y"]), int(dated["m"]), int(dated["d"])):
            return None
        return dated["base"], model[len(dated["base"]) :]
    legacy = _LEGACY.match(model)
    # A leap year, so that a legacy "0229" alias stays valid.
    if legacy is not None and _is_date(2000, int(legacy["m"]), int(legacy["d"])):
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
    suggestions: list[str] = []
    # A capitalised id is the commonest near miss: DashScope ids are lower case.
    if model.lower() != model and lookup(model.lower()) is not None:
        suggestions.append(model.lower())
    # A typo in the alias part of a snapshot: match the stem, keep the suffix.
    split = _split_snapshot(model)
    stem, suffix = split if split is not None else (model, "")
    for name in difflib.get_close_matches(stem, aliases, n=3, cutoff=0.6):
        candidate = name + suffix
        if lookup(candidate) is None:
            # The alias has no such snapshot form: offer the alias itself.
            candidate = name
        if candidate not in suggestions:
            suggestions.append(candidate)
    return suggestions[:3]


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
        if model.startswith(family.prefixes):
            raise ValueError(
                f"Model {model!r} belongs to a family DashScope retired on "
                f"{family.date} (Source: {family.source}.) Pick a current model "
                "(see langchain_qwen.list_models()), or pass validate_model=False "
                "if your account still has it."
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


def model_profile(info: ModelInfo, region: str | None = None) -> dict[str, Any]:
    """Describe a model as a LangChain `ModelProfile` dict.

    Args:
        info: The model's catalogue entry.
        region: The canonical region the model is used in (retirements are
            regional), or `None`.

    Returns:
        A dict with the keys of `langchain_core`'s `ModelProfile`; unknown
        limits are left out rather than guessed.
    """
    profile: dict[str, Any] = {
        "status": info.status(region),
        "release_date": info.release_date,
        "open_weights": info.kind == "open_source",
        "max_input_tokens": info.context_window,
        "max_output_tokens": info.max_output_tokens,
        "text_inputs": True,
        "image_inputs": info.image_inputs,
        # DashScope takes images as URLs or data URLs alike.
        "image_url_inputs": info.image_inputs,
        "audio_inputs": info.audio_inputs,
        "video_inputs": info.video_inputs,
        # Compat mode rejects OpenAI `type: file` parts.
        "pdf_inputs": False,
        "reasoning_output": info.can_think,
        "text_outputs": True,
        "tool_calling": info.tools,
        "tool_choice": info.tools,
        "structured_output": info.json_schema,
        "tool_call_streaming": info.tools,
        "reasoning_effort_levels": list(info.reasoning_effort_levels) or None,
        "reasoning_effort_default": info.reasoning_effort_default,
    }
    return {key: value for key, value in profile.items() if value is not None}


def unknown_profile() -> dict[str, Any]:
    """The profile of a name the catalogue does not list: nothing is claimed.

    Returns:
        `{"status": "unknown"}`.
    """
    return {"status": "unknown"}


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
        if getattr(info, capability)
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
    "model_profile",
    "models_with",
    "parse_catalog",
    "retired_families",
    "unknown_profile",
]
