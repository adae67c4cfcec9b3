"""Catalogue entries: the shape of a chat model's facts, parsed and checked from JSON.

`parse_catalog` turns `data/models.json` into `ModelInfo` entries and refuses a
document that does not hold together (unknown fields, bad dates, aliases that
collide, successors that do not exist); `catalogue.catalog` loads it once and
answers questions about it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args

from langchain_qwen.catalogue.lifecycle import (
    Lifecycle,
    is_iso_date,
    parse_lifecycle,
)

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
