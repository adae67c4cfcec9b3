"""The catalogue's one loader and validator, for chat, embedding and rerank models.

`load` decodes a kind's data file (`data/models.json`,
`data/embedding_models.json`, `data/rerank_models.json`); `parse_entries`
checks a decoded document and builds its entries (`catalogue.entries`),
refusing a document that does not hold together (unknown fields, bad dates,
names that collide, successors that do not exist). The three documents share
one shape: `schema_version`, `kind`, `models`; each entry has `name`,
`regions`, `source`, `date`, an optional `lifecycle` (`catalogue.lifecycle`),
and the facts of its kind. The chat document adds its region list, name
grammar and retired families.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, cast, get_args

from langchain_qwen.catalogue.entries import (
    CAPABILITIES,
    REGIONS,
    SCHEMA_VERSION,
    EmbeddingModelInfo,
    Entry,
    Kind,
    ModelInfo,
    ModelKind,
    RerankModelInfo,
    RetiredFamily,
    Thinking,
)
from langchain_qwen.catalogue.lifecycle import is_iso_date, parse_lifecycle

if TYPE_CHECKING:
    # Imported where used: only names the catalogue does not list need it.
    from langchain_qwen.catalogue import names as _names

FILES: Mapping[ModelKind, str] = MappingProxyType(
    {
        "chat": "models.json",
        "embedding": "embedding_models.json",
        "rerank": "rerank_models.json",
    }
)
"""Each kind's data file under `langchain_qwen/data/`."""

# The fields each kind's entries must carry (null allowed where the type says
# so) and may carry, besides the common ones. Listing them here (rather than
# trusting the file) turns a hand-edit mistake into a clear error on first use
# instead of a wrong answer later.
_COMMON_REQUIRED = frozenset(("name", "regions", "source", "date"))
_COMMON_OPTIONAL = frozenset(("lifecycle",))
_BOOL_FIELDS = (*CAPABILITIES, "stream_only", "thinking_requires_stream")
_CHAT_STRINGS = ("family", "kind", "thinking")
_SNAPSHOT_FORMS = ("latest", "dated", "legacy")
_FIELDS: Mapping[ModelKind, tuple[frozenset[str], frozenset[str]]] = {
    "chat": (
        frozenset(
            (*_BOOL_FIELDS, *_CHAT_STRINGS, "context_window", "max_output_tokens")
        )
        | {"snapshots"},
        frozenset(("reasoning_effort", "release_date", "max_output_tokens_thinking")),
    ),
    "embedding": (
        frozenset(
            ("max_batch", "max_input_tokens", "dimensions", "default_dimensions")
        ),
        frozenset(),
    ),
    "rerank": (
        frozenset(("max_documents", "max_document_tokens", "max_request_tokens")),
        frozenset(),
    ),
}
_TOP_LEVEL = frozenset(("schema_version", "kind", "date", "notes", "models"))
_CHAT_TOP_LEVEL = frozenset(("regions", "name_grammar", "retired_families"))

_T = TypeVar("_T")


def _fail(where: str, problem: str, kind: ModelKind = "chat") -> ValueError:
    return ValueError(
        f"Invalid model catalogue (langchain_qwen/data/{FILES[kind]}): "
        f"{where}: {problem}"
    )


def load(kind: ModelKind) -> Any:
    """Decode a kind's data file (unchecked: `parse_entries` checks it).

    Args:
        kind: `"chat"`, `"embedding"` or `"rerank"`.

    Returns:
        The decoded JSON document.
    """
    # importlib.resources reads the file from a wheel or a zip as well as from a
    # source checkout.
    path = resources.files("langchain_qwen.data").joinpath(FILES[kind])
    return json.loads(path.read_text(encoding="utf-8"))


def _share(pool: dict[Any, Any], value: _T) -> _T:
    """The object in `pool` equal to `value` (`value` itself, the first time)."""
    shared: _T = pool.setdefault(value, value)
    return shared


def _positive_int(
    raw: Mapping[str, Any], key: str, where: str, kind: ModelKind, *, null: bool
) -> Any:
    value = raw.get(key)
    # bool is a subclass of int: reject it explicitly.
    if (value is None and not null) or (
        value is not None
        and (isinstance(value, bool) or not isinstance(value, int) or value <= 0)
    ):
        what = "a positive integer or null" if null else "a positive integer"
        raise _fail(where, f"{key} must be {what}", kind)
    return value


def _common(
    raw: Any, index: int, kind: ModelKind, pool: dict[Any, Any]
) -> tuple[str, dict[str, Any]]:
    """Check the fields every entry has; return its `where` and their values."""
    if not isinstance(raw, dict):
        raise _fail(f"models[{index}]", "an entry must be an object", kind)
    where = f"models[{index}] ({raw.get('name', '?')!r})"
    required, optional = _FIELDS[kind]
    missing = (_COMMON_REQUIRED | required) - raw.keys()
    if missing:
        names = ", ".join(sorted(missing))
        raise _fail(
            where, f"missing fields {sorted(missing)} ({names} must be given)", kind
        )
    unknown = raw.keys() - _COMMON_REQUIRED - _COMMON_OPTIONAL - required - optional
    if unknown:
        raise _fail(where, f"unknown fields {sorted(unknown)}", kind)
    for key in ("name", "source", "date"):
        if not isinstance(raw[key], str) or not raw[key]:
            raise _fail(where, f"{key!r} must be a non-empty string", kind)
    if not is_iso_date(raw["date"]):
        raise _fail(where, f"date {raw['date']!r} is not YYYY-MM-DD", kind)
    regions = raw["regions"]
    if not isinstance(regions, list) or not regions:
        raise _fail(where, "'regions' must be a non-empty list", kind)
    bad = [r for r in regions if r not in REGIONS]
    if bad:
        raise _fail(
            where,
            f"unknown regions {bad}; regions must be a list of {', '.join(REGIONS)}",
            kind,
        )
    try:
        lifecycle = parse_lifecycle(raw.get("lifecycle"), REGIONS)
    except ValueError as exc:
        raise _fail(where, str(exc), kind) from None
    return where, {
        "name": raw["name"],
        # Chat entries repeat the same region sets and dates, and the catalogue
        # stays in memory for good: keep one object of each.
        "regions": _share(
            pool, frozenset(regions) if kind == "chat" else tuple(regions)
        ),
        "source": raw["source"],
        "date": _share(pool, raw["date"]),
        "lifecycle": lifecycle,
    }


def _chat_entry(
    raw: dict[str, Any], where: str, common: dict[str, Any], pool: dict[Any, Any]
) -> ModelInfo:
    for key in _BOOL_FIELDS:
        value = raw[key]
        if not isinstance(value, bool) and not (value is None and key in CAPABILITIES):
            what = "true, false or null" if key in CAPABILITIES else "true or false"
            raise _fail(where, f"{key!r} must be {what}")
    for key in _CHAT_STRINGS:
        if not isinstance(raw[key], str) or not raw[key]:
            raise _fail(where, f"{key!r} must be a non-empty string")
    for key in ("context_window", "max_output_tokens", "max_output_tokens_thinking"):
        _positive_int(raw, key, where, "chat", null=True)
    if raw["kind"] not in get_args(Kind):
        raise _fail(where, f"kind {raw['kind']!r} is not one of {get_args(Kind)}")
    if raw["thinking"] not in get_args(Thinking):
        raise _fail(
            where, f"thinking {raw['thinking']!r} is not one of {get_args(Thinking)}"
        )
    snapshots = raw["snapshots"]
    if (
        not isinstance(snapshots, dict)
        or set(snapshots) != set(_SNAPSHOT_FORMS)
        or not all(isinstance(v, bool) for v in snapshots.values())
    ):
        raise _fail(where, f"'snapshots' must map {list(_SNAPSHOT_FORMS)} to booleans")
    levels, default_level = _reasoning_effort(raw.get("reasoning_effort"), where)
    release = raw.get("release_date")
    if release is not None and not is_iso_date(release):
        raise _fail(where, f"release_date {release!r} is not YYYY-MM-DD")
    return ModelInfo(
        **common,
        family=_share(pool, raw["family"]),
        kind=_share(pool, raw["kind"]),
        latest=snapshots["latest"],
        dated=snapshots["dated"],
        legacy=snapshots["legacy"],
        thinking=_share(pool, raw["thinking"]),
        context_window=raw["context_window"],
        max_output_tokens=raw["max_output_tokens"],
        max_output_tokens_thinking=raw.get("max_output_tokens_thinking"),
        reasoning_effort_levels=_share(pool, levels),
        reasoning_effort_default=default_level,
        release_date=release,
        **{key: raw[key] for key in _BOOL_FIELDS},
    )


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


def _embedding_entry(
    raw: dict[str, Any], where: str, common: dict[str, Any], pool: dict[Any, Any]
) -> EmbeddingModelInfo:
    dims = raw["dimensions"]
    if dims is not None and (
        not isinstance(dims, list)
        or not dims
        or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in dims
        )
    ):
        raise _fail(
            where,
            "dimensions must be a non-empty list of integers or null",
            "embedding",
        )
    default = _positive_int(raw, "default_dimensions", where, "embedding", null=True)
    if dims is not None and default is not None and default not in dims:
        raise _fail(where, "default_dimensions must be one of dimensions", "embedding")
    return EmbeddingModelInfo(
        **common,
        max_batch=_positive_int(raw, "max_batch", where, "embedding", null=False),
        max_input_tokens=_positive_int(
            raw, "max_input_tokens", where, "embedding", null=False
        ),
        dimensions=tuple(dims) if dims is not None else None,
        default_dimensions=default,
    )


def _rerank_entry(
    raw: dict[str, Any], where: str, common: dict[str, Any], pool: dict[Any, Any]
) -> RerankModelInfo:
    limits = ("max_documents", "max_document_tokens", "max_request_tokens")
    return RerankModelInfo(
        **common,
        **{key: _positive_int(raw, key, where, "rerank", null=True) for key in limits},
    )


# Each kind's own fields, checked and added to the common ones.
_Builder = Callable[[dict[str, Any], str, dict[str, Any], dict[Any, Any]], Entry]
_BUILDERS: Mapping[ModelKind, _Builder] = {
    "chat": _chat_entry,
    "embedding": _embedding_entry,
    "rerank": _rerank_entry,
}


def parse_entries(data: Any, kind: ModelKind) -> Mapping[str, Entry]:
    """Validate a decoded catalogue document of one kind and index it by name.

    Args:
        data: The decoded document (`load(kind)`).
        kind: `"chat"`, `"embedding"` or `"rerank"`: the kind the document
            must hold (a chat document may leave `kind` out).

    Returns:
        A read-only mapping from name to entry (`ModelInfo`,
        `EmbeddingModelInfo` or `RerankModelInfo`).

    Raises:
        ValueError: If the document does not follow the catalogue schema (the
            message names the file, the entry and the problem).
    """
    if not isinstance(data, dict):
        raise _fail("document", "the top level must be an object", kind)
    unknown = data.keys() - _TOP_LEVEL - (_CHAT_TOP_LEVEL if kind == "chat" else set())
    if unknown:
        raise _fail("document", f"unknown keys {sorted(unknown)}", kind)
    if data.get("kind", "chat") != kind:
        raise _fail("kind", f"kind must be {kind!r}, got {data.get('kind')!r}", kind)
    if kind == "chat":
        if "name_grammar" in data:
            _grammar_parts(data)
        retired_families(data)
    if "date" in data and not is_iso_date(data["date"]):
        raise _fail("date", f"{data['date']!r} is not YYYY-MM-DD", kind)
    if data.get("schema_version") != SCHEMA_VERSION:
        raise _fail(
            "schema_version",
            f"expected {SCHEMA_VERSION}, got {data.get('schema_version')!r}",
            kind,
        )
    if kind == "chat" and tuple(data.get("regions", ())) != REGIONS:
        raise _fail("regions", f"expected {list(REGIONS)}, got {data.get('regions')!r}")
    models = data.get("models")
    if not isinstance(models, list) or not models:
        raise _fail("models", "must be a non-empty list", kind)
    index: dict[str, Entry] = {}
    pool: dict[Any, Any] = {}
    for i, raw in enumerate(models):
        where, common = _common(raw, i, kind, pool)
        info = _BUILDERS[kind](raw, where, common, pool)
        if info.name in index:
            raise _fail(f"models[{i}]", f"duplicate name {info.name!r}", kind)
        index[info.name] = info
    for info in index.values():
        successor = info.lifecycle.successor if info.lifecycle else None
        if successor is not None and successor not in index:
            raise _fail(
                info.name, f"successor {successor!r} is not in the catalogue", kind
            )
    return MappingProxyType(index)


def parse_catalog(data: Any) -> Mapping[str, ModelInfo]:
    """Validate a decoded chat catalogue (`data/models.json`) and index it by alias.

    Args:
        data: The decoded document.

    Returns:
        A read-only mapping from alias to `ModelInfo`.

    Raises:
        ValueError: If the document does not follow the catalogue schema.
    """
    return cast("Mapping[str, ModelInfo]", parse_entries(data, "chat"))


def parse_kind(data: Any, kind: ModelKind) -> Mapping[str, Any]:
    """Validate an embedding or rerank catalogue document and index it by name.

    Args:
        data: The decoded document.
        kind: Which kind the document must hold.

    Returns:
        The entries by name.

    Raises:
        ValueError: The data is malformed (the message says where).
    """
    return parse_entries(data, kind)


def grammar(data: Any) -> _names.Grammar:
    """The chat document's `name_grammar`, checked.

    Args:
        data: The decoded chat document.

    Returns:
        Its heads and words as a `names.Grammar`.
    """
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


def retired_families(data: Mapping[str, Any]) -> tuple[RetiredFamily, ...]:
    """The chat document's `retired_families`, checked.

    Args:
        data: The decoded chat document.

    Returns:
        The families, in data order.
    """
    raw = data.get("retired_families", [])
    families = []
    for i, item in enumerate(raw if isinstance(raw, list) else [None]):
        lists = [
            item.get(key, []) if isinstance(item, dict) else None
            for key in ("prefixes", "ids")
        ]
        if (
            not isinstance(item, dict)
            or not set(item) <= {"prefixes", "ids", "date", "source", "successor"}
            or not isinstance(item.get("successor", ""), str)
            or not all(isinstance(v, list) for v in lists)
            or not any(lists)
            or not all(isinstance(p, str) and p for v in lists for p in v)  # type: ignore[union-attr]
            or not is_iso_date(item["date"])
            or not isinstance(item["source"], str)
        ):
            raise _fail(
                f"retired_families[{i}]",
                "must be {prefixes and/or ids: [non-empty strings], date: "
                "YYYY-MM-DD, source}",
            )
        families.append(
            RetiredFamily(
                tuple(item.get("prefixes", [])),
                tuple(item.get("ids", [])),
                item["date"],
                item["source"],
                item.get("successor"),
            )
        )
    return tuple(families)


__all__ = [
    "FILES",
    "grammar",
    "load",
    "parse_catalog",
    "parse_entries",
    "parse_kind",
    "retired_families",
]
