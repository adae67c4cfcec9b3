"""Catalogue entries: the one shape of a model's facts, for every kind of model.

`Entry` holds what every model has (id, regions, lifecycle, source and date);
`ModelInfo` (chat), `EmbeddingModelInfo` and `RerankModelInfo` add the facts of
their kind. `catalogue.schema` reads and checks them from `data/`;
`catalogue.catalog` (chat) and `catalogue.kinds` (embedding, rerank) answer
questions about them.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from langchain_qwen.catalogue.lifecycle import Lifecycle
from langchain_qwen.regions import REGIONS as _REGION_TABLE

Thinking = Literal["none", "optional_off", "optional_on", "always"]
"""How a model thinks.

`none`: never (the model rejects `enable_thinking`); `optional_off` and
`optional_on`: a hybrid model whose thinking is off or on unless the request
says otherwise; `always`: a thinking-only model (it rejects
`enable_thinking: false`).
"""

Kind = Literal["commercial", "open_source", "third_party"]
"""Who makes the model: Alibaba's hosted-only models, open weights, or others."""

REGIONS: tuple[str, ...] = tuple(_REGION_TABLE)
"""The canonical region names the catalogue uses, in `data/regions.json`'s order
(aliases live in `regions`)."""

ModelKind = Literal["chat", "embedding", "rerank"]
"""The kinds of model the catalogue holds, one data file each."""

Status = Literal["active", "deprecated", "retired", "unknown"]
"""A model's lifecycle status, as `model.profile["status"]` reports it.

`unknown`: the name is not in the catalogue but fits DashScope's id grammar, so
it is let through with its capability checks off.
"""

SCHEMA_VERSION = 2
"""The catalogue documents' `schema_version` (chat, embedding and rerank alike)."""

CAPABILITIES: tuple[str, ...] = (
    "tools",
    "tool_choice_required",
    "image_inputs",
    "video_inputs",
    "audio_inputs",
    "thinking_budget",
    "preserve_thinking",
    "json_object",
    "json_schema",
    "n_gt_1",
    "partial",
)
"""What a model can do: `true`, `false` (a documented no, cited in the entry's
`source`) or `null` (unknown). Only `false` is refused; unknown is let through."""

# Snapshot suffixes. Each match is checked as a real calendar date too, so a
# typo such as `qwen-plus-2025-13-99` is an unknown model, not a snapshot.
_DATED = re.compile(r"^(?P<base>.+)-(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$")
_LEGACY = re.compile(r"^(?P<base>.+)-(?P<m>\d{2})(?P<d>\d{2})$")
_US_SUFFIX = "-us"
_LATEST_SUFFIX = "-latest"


@dataclass(frozen=True)
class Entry:
    """What the catalogue knows about every model, whatever its kind.

    Attributes:
        name: The id users pass, e.g. `"qwen-plus"` or `"text-embedding-v4"`.
        regions: Canonical names of the regions that offer the model.
        source: A short citation of the entry's facts (public pages).
        date: The date (YYYY-MM-DD) at which the cited sources were current.
        lifecycle: The retirement or deprecation, if Alibaba announced one
            (`None`: the model is active).
    """

    name: str
    regions: Collection[str]
    source: str
    date: str
    lifecycle: Lifecycle | None

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


@dataclass(frozen=True)
class ModelInfo(Entry):
    """What the catalogue knows about one chat model alias and its snapshots.

    Besides `Entry`'s fields (`name` is the alias users type, e.g.
    `"qwen-plus"`; `regions` a frozenset):

    Attributes:
        family: A human family name, e.g. `"Qwen-Plus"`.
        kind: `"commercial"`, `"open_source"` or `"third_party"`.
        latest: Whether `<name>-latest` exists.
        dated: Whether dated snapshots `<name>-YYYY-MM-DD` exist (for a `-us`
            alias: `<base>-YYYY-MM-DD-us`).
        legacy: Whether short snapshot aliases `<name>-MMDD` exist.
        tools: Whether the model supports function calling. This and the
            other capabilities (`CAPABILITIES`) are `None` when unknown.
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
        max_output_tokens: The output limit in tokens, if known (of a call
            without thinking, where the two differ).
        max_output_tokens_thinking: The output limit of a thinking call
            (reasoning and answer), where the sources give one.
        reasoning_effort_levels: The `reasoning_effort` values the model takes
            (empty: it takes none).
        reasoning_effort_default: The level used when the request names none.
        release_date: The public release date (YYYY-MM-DD), if known.
    """

    regions: frozenset[str]
    family: str
    kind: Kind
    latest: bool
    dated: bool
    legacy: bool
    tools: bool | None
    tool_choice_required: bool | None
    image_inputs: bool | None
    video_inputs: bool | None
    audio_inputs: bool | None
    thinking: Thinking
    thinking_budget: bool | None
    preserve_thinking: bool | None
    stream_only: bool
    thinking_requires_stream: bool
    json_object: bool | None
    json_schema: bool | None
    n_gt_1: bool | None
    partial: bool | None
    context_window: int | None
    max_output_tokens: int | None
    max_output_tokens_thinking: int | None = None
    reasoning_effort_levels: tuple[str, ...] = ()
    reasoning_effort_default: str | None = None
    release_date: str | None = None

    @property
    def input_kinds(self) -> tuple[str, ...]:
        """The kinds of input the model takes, text first."""
        kinds = (
            ("image", self.image_inputs),
            ("video", self.video_inputs),
            ("audio", self.audio_inputs),
        )
        return ("text", *(kind for kind, on in kinds if on is True))

    @property
    def thinking_default(self) -> bool:
        """Whether the model thinks when the request does not say."""
        return self.thinking in ("optional_on", "always")

    @property
    def can_think(self) -> bool:
        """Whether the model can produce reasoning at all."""
        return self.thinking != "none"


@dataclass(frozen=True)
class EmbeddingModelInfo(Entry):
    """One embedding model of the catalogue (`regions` a tuple, in data order).

    Besides `Entry`'s fields:

    Attributes:
        max_batch: The most texts one request takes.
        max_input_tokens: The most tokens one text may have.
        dimensions: The `dimensions` values the model takes (`None`: not
            documented, so not checked).
        default_dimensions: The vector size without `dimensions`, if known.
    """

    regions: tuple[str, ...]
    max_batch: int
    max_input_tokens: int
    dimensions: tuple[int, ...] | None
    default_dimensions: int | None


@dataclass(frozen=True)
class RerankModelInfo(Entry):
    """One rerank model of the catalogue (`regions` a tuple, in data order).

    Besides `Entry`'s fields:

    Attributes:
        max_documents: The most documents one request takes (`None`: unknown).
        max_document_tokens: The most tokens the query or one document may
            have (`None`: unknown).
        max_request_tokens: The most tokens of one request (`None`: unknown).
    """

    regions: tuple[str, ...]
    max_documents: int | None
    max_document_tokens: int | None
    max_request_tokens: int | None


_SNAPSHOT_TAIL = re.compile(r"latest|\d{4}-\d{2}-\d{2}|\d{4}")


@dataclass(frozen=True)
class RetiredFamily:
    """Whole families DashScope retired, by the ids they named (no entry each).

    Only the ids named are covered, so that a later generation of a family
    (a new `qwen-audio-...` model, say) is not refused with the old one.

    Attributes:
        prefixes: Prefixes of versioned generations, e.g. `"qwen2-"`: every id
            of that generation (a later one has another version, `qwen2.5-`).
        ids: Retired ids of unversioned families, e.g. `"qwen-audio-turbo"`,
            with their snapshots (`-latest`, `-YYYY-MM-DD`, `-MMDD`).
        date: The retirement date (YYYY-MM-DD).
        source: A short citation.
        successor: The model to use instead, where the source names one.
    """

    prefixes: tuple[str, ...]
    ids: tuple[str, ...]
    date: str
    source: str
    successor: str | None = None

    def covers(self, model: str) -> bool:
        """Whether `model` is one of the ids this retirement names.

        Args:
            model: A model name the catalogue does not list.

        Returns:
            `True` for a named id, one of its snapshots, or an id of a retired
            versioned generation.
        """
        if model.startswith(self.prefixes):
            return True
        return any(
            model == name
            or (
                model.startswith(name + "-")
                and _SNAPSHOT_TAIL.fullmatch(model[len(name) + 1 :]) is not None
            )
            for name in self.ids
        )
