"""Model lifecycle: retired and deprecated entries, and the warnings about names.

DashScope retires models on notice (a snapshot 30 days after it, a mainline
model 3 months after). The catalogue records the notices it knows in each
entry's `lifecycle`, one shape for chat, embedding and rerank models (status,
date, regions, successor, the notice as `source`); `catalog.check_model` turns
them into an error (retired) or a warning (deprecated), `kinds.check_*` into an
error (retired). Warnings come once per name per process.
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

_KEYS = {
    "retired": frozenset(("status", "date", "regions", "successor", "source")),
    "deprecated": frozenset(("status", "announced", "retires", "successor", "source")),
}


class QwenModelWarning(UserWarning):
    """A warning about the model name a `ChatQwen` was given."""


class UnknownModelWarning(QwenModelWarning):
    """The name is not in the catalogue: its capability checks are off."""


class DeprecatedModelWarning(QwenModelWarning):
    """The model is deprecated: DashScope has announced its retirement."""


# (kind, name) pairs already warned about: each warns once per process.
_WARNED: set[tuple[str, str]] = set()


def warn_once(kind: type[QwenModelWarning], name: str, message: str) -> None:
    """Warn about `name` unless this kind of warning was already given for it.

    Args:
        kind: The warning class.
        name: The model name.
        message: The text.
    """
    if (kind.__name__, name) in _WARNED:
        return
    _WARNED.add((kind.__name__, name))
    warnings.warn(message, kind, stacklevel=4)


@dataclass(frozen=True)
class Lifecycle:
    """An entry's retirement or deprecation, from an Alibaba notice.

    Attributes:
        status: `"retired"` or `"deprecated"`.
        date: The retirement date (retired) or the announcement date
            (deprecated), YYYY-MM-DD.
        regions: The regions it applies to (deprecated: every region).
        successor: The model to use instead, if the data names one.
        retires: For a deprecated model, the announced retirement date.
        source: The notice cited.
    """

    status: Literal["retired", "deprecated"]
    date: str
    regions: frozenset[str]
    successor: str | None
    retires: str | None
    source: str


def real_date(year: int, month: int, day: int) -> bool:
    """Whether the numbers make a real calendar date (snapshot suffixes, `-0229`)."""
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def is_iso_date(value: Any) -> bool:
    """Whether `value` is a `YYYY-MM-DD` string of a real date."""
    if not isinstance(value, str):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def parse_lifecycle(raw: Any, regions: Collection[str]) -> Lifecycle | None:
    """Read an entry's `lifecycle` (absent: the model is active).

    Args:
        raw: The decoded JSON value, or `None`.
        regions: The canonical region names.

    Returns:
        The lifecycle, or `None`.

    Raises:
        ValueError: With the problem, if the value does not follow the schema.
    """
    if raw is None:
        return None
    status = raw.get("status") if isinstance(raw, dict) else None
    keys = _KEYS.get(status) if isinstance(status, str) else None
    if keys is None or set(raw) != keys:
        if keys is None:
            needs = "status must be 'retired' or 'deprecated'"
        elif status == "retired":
            # `retired_on` named the retired date in the first embedding and
            # rerank files; the message still says where it went.
            needs = (
                "a retired model needs retired_on (its 'date', YYYY-MM-DD), "
                "regions, successor and source"
            )
        else:
            needs = "a deprecated model needs announced, retires, successor, source"
        raise ValueError(
            f"'lifecycle': {needs}; it must be {{status: 'retired', date, regions, "
            "successor, source} or {status: 'deprecated', announced, retires, "
            "successor, source}"
        )
    date = raw["date"] if status == "retired" else raw["announced"]
    retires = raw.get("retires")
    where = raw.get("regions", list(regions))
    if (
        not is_iso_date(date)
        or (retires is not None and not is_iso_date(retires))
        or not isinstance(where, list)
        or not where
        or any(r not in regions for r in where)
        or not (raw["successor"] is None or isinstance(raw["successor"], str))
        or not isinstance(raw["source"], str)
        or not raw["source"]
    ):
        raise ValueError(f"'lifecycle' has a bad value: {raw!r}")
    return Lifecycle(
        status="retired" if status == "retired" else "deprecated",
        date=date,
        regions=frozenset(where),
        successor=raw["successor"],
        retires=retires,
        source=raw["source"],
    )


__all__ = [
    "DeprecatedModelWarning",
    "Lifecycle",
    "QwenModelWarning",
    "UnknownModelWarning",
    "is_iso_date",
    "parse_lifecycle",
    "real_date",
    "warn_once",
]
