"""The unknown-name policy: a typo, or a model newer than the catalogue?

DashScope ships models every month, so a name the catalogue does not list is not
automatically wrong. A name is let through (with one warning, see `catalog`)
when it is spelled the way DashScope spells ids: a family head (`qwen3.9`,
`deepseek`, `glm`, `kimi`, ... from the data's `name_grammar`), then hyphenated
parts that are each a known word (`max`, `flash`, `instruct`, ...), a size
(`27b`, `a3b`, `2.4t`), a vendor version (`v5`, `k4`, `6`) or a real date
(`2026-12-01`, `0902`, `2507`). Everything else is refused with suggestions:
a misspelt word (`plsu`), a date that does not exist (`2025-02-30`), and any
name within two letter edits of a known name whose numbers are the same
(`qwen3-maxx`); names that differ from a known one only in numbers
(`qwen3.9-flash`, `qwen5-max`) are new versions, not typos.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from langchain_qwen.catalogue.lifecycle import real_date

_DATE = re.compile(r"-(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?=-us$|$)")
_QWEN_HEAD = re.compile(r"^(?P<head>qwen)(?:\d+(?:\.\d+)?)?$")
_SIZE = re.compile(r"^(?:\d+(?:\.\d+)?[bkmt]|a\d+(?:\.\d+)?b)$")
_FOUR_DIGITS = re.compile(r"^\d{4}$")
_NUMBERS = re.compile(r"\d+(?:\.\d+)*")
# The version part each third-party head takes next: deepseek-v4 / -r1,
# glm-5.1, kimi-k3.
_VENDOR_VERSION = {
    "deepseek": re.compile(r"^[vr]\d+(?:\.\d+)*$"),
    "glm": re.compile(r"^\d+(?:\.\d+)*v?$"),
    "kimi": re.compile(r"^k\d+(?:\.\d+)*$"),
}


@dataclass(frozen=True)
class Grammar:
    """The shape of DashScope ids, from the data's `name_grammar`.

    Attributes:
        heads: Family heads (`qwen` also takes a version: `qwen3.8`).
        words: The words a later part of an id may be.
    """

    heads: frozenset[str]
    words: frozenset[str]


def _four_digits_ok(token: str) -> bool:
    # DashScope uses both MMDD (qwen3.8-max-0902) and YYMM (...-thinking-2507).
    month_day = real_date(2000, int(token[:2]), int(token[2:]))
    year_month = 24 <= int(token[:2]) <= 39 and 1 <= int(token[2:]) <= 12
    return month_day or year_month


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, cut short once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def words_of(names: Iterable[str], heads: Iterable[str]) -> frozenset[str]:
    """The words used in known names (beside heads, sizes, versions and dates)."""
    head_set = set(heads)
    words: set[str] = set()
    for name in names:
        for token in name.split("-")[1:]:
            if token.isalpha() and token not in head_set:
                words.add(token)
    return frozenset(words)


def close_names(
    name: str,
    candidates: Iterable[str],
    *,
    known: Callable[[str], bool],
    split: Callable[[str], tuple[str, str] | None] | None = None,
) -> list[str]:
    """Up to three known names close to an unknown one, for "Did you mean".

    The lower-case form comes first (DashScope ids are lower case), then
    `difflib`'s close matches. With `split`, a snapshot's stem is matched and
    its suffix kept where the close alias has that snapshot.

    Args:
        name: The unknown name.
        candidates: The names to suggest from.
        known: Whether a name is in the catalogue.
        split: Splits a snapshot name into stem and suffix (`None`: not one).

    Returns:
        The suggestions, best first.
    """
    suggestions: list[str] = []
    if name.lower() != name and known(name.lower()):
        suggestions.append(name.lower())
    parts = split(name) if split is not None else None
    stem, suffix = parts if parts is not None else (name, "")
    for close in difflib.get_close_matches(stem, list(candidates), n=3, cutoff=0.6):
        candidate = close + suffix
        if suffix and not known(candidate):
            # The alias has no such snapshot form: offer the alias itself.
            candidate = close
        if candidate not in suggestions:
            suggestions.append(candidate)
    return suggestions[:3]


def near_miss(model: str, known: Iterable[str]) -> str | None:
    """A known name within two letter edits of `model`, with the same numbers.

    Args:
        model: The unknown name.
        known: The catalogue's aliases.

    Returns:
        The closest such name, or `None`.
    """
    numbers = _NUMBERS.findall(model)
    best: tuple[int, str] | None = None
    for name in known:
        if _NUMBERS.findall(name) != numbers:
            continue
        d = _distance(model, name, 2)
        if 0 < d <= 2 and (best is None or (d, name) < best):
            best = (d, name)
    return best[1] if best else None


def problem(model: str, grammar: Grammar, known: Iterable[str]) -> str | None:
    """Say why an unknown name looks like a typo, or `None` if it fits.

    Args:
        model: A name `catalog.lookup` did not find.
        grammar: The id grammar.
        known: The catalogue's aliases (for near misses).

    Returns:
        A short reason to refuse the name, or `None` to let it through.
    """
    if model != model.lower():
        return "DashScope model ids are lower case"
    if not re.fullmatch(r"[a-z0-9.-]+", model) or "--" in model:
        return "it has characters DashScope ids do not use"
    date = _DATE.search(model)
    rest = model
    if date is not None:
        if not real_date(int(date["y"]), int(date["m"]), int(date["d"])):
            return f"{date.group(0)[1:]} is not a real date"
        rest = model[: date.start()] + model[date.end() :]
    tokens = rest.split("-")
    if "" in tokens:
        return "it has an empty part"
    head = _QWEN_HEAD.match(tokens[0])
    head_name = head["head"] if head else tokens[0]
    if head_name not in grammar.heads:
        return f"{tokens[0]!r} does not start a DashScope model family"
    parts = tokens[1:]
    vendor = _VENDOR_VERSION.get(head_name)
    if vendor is not None:
        if not parts or not vendor.match(parts[0]):
            return f"{head_name} ids continue with a version such as " + (
                "'v4'"
                if head_name == "deepseek"
                else "'5.1'"
                if head_name == "glm"
                else "'k3'"
            )
        parts = parts[1:]
    elif not parts:
        return "a family name alone is not a model id"
    seen: set[str] = set()
    for token in parts:
        if _SIZE.match(token):
            continue
        if _FOUR_DIGITS.match(token):
            if not _four_digits_ok(token):
                return f"-{token} is not a real MMDD date"
            continue
        if token not in grammar.words:
            return f"{token!r} is not a word DashScope ids use"
        if token in seen:
            return f"{token!r} appears twice"
        seen.add(token)
    close = near_miss(model, known)
    if close is not None:
        return f"it is one or two letters away from {close!r}"
    return None


__all__ = ["Grammar", "near_miss", "problem", "words_of"]
