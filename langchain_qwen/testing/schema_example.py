"""A deterministic value that validates against a JSON schema.

The offline replay server answers a forced tool call or a `json_schema` response
format with such a value, so that code under test gets arguments and objects of
the right shape without a model. Pure functions, standard library only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["schema_example"]

# Deeper than this, optional properties are left out and arrays stay empty, so
# that a recursive schema (a tree of nodes, say) still yields a finite value.
_MAX_DEPTH = 12

_FORMATS: dict[str, str] = {
    "date": "2025-01-01",
    "date-time": "2025-01-01T00:00:00Z",
    "time": "00:00:00",
    "duration": "P1D",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "uri": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}

_TYPE_ORDER = ("object", "array", "string", "integer", "number", "boolean", "null")


def schema_example(schema: Mapping[str, Any] | bool, *, text: str = "") -> Any:
    """A value that the given JSON schema accepts, the same for the same input.

    Values are drawn from `text` (say, the user's message) where they can be:
    strings get `text` itself, fitted to `minLength`/`maxLength`, and numbers
    the numbers written in `text`, in order, each used when it fits the field
    (an integer field takes only whole numbers) and its bounds; other numbers
    get the value nearest to 0 within their bounds. Objects get every property
    (required or not), arrays one item (or `minItems`), booleans `True`.
    `enum` and `const` pick their first value, `format` a valid example (e.g.
    a date), `anyOf`/`oneOf` their first branch that is not `null`; `$ref`
    into `$defs`/`definitions` is followed. `pattern` is not honoured.

    Args:
        schema: A JSON schema (a pydantic model's `model_json_schema()`, a
            tool's `parameters`, ...). `True` or `{}` accept anything.
        text: Where string and number values come from, e.g. the user's
            message; a placeholder when empty.

    Returns:
        A JSON-compatible value.
    """
    root = schema if isinstance(schema, Mapping) else {}
    return _Example(root, text or "example").value(schema, depth=0)


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")


class _Example:
    def __init__(self, root: Mapping[str, Any], text: str) -> None:
        self._root = root
        self._text = text
        self._numbers = [float(n) for n in _NUMBER.findall(text)]

    def value(self, schema: Mapping[str, Any] | bool, *, depth: int) -> Any:
        if not isinstance(schema, Mapping):
            # `true` accepts anything; `false` accepts nothing, so any value will do.
            return self._text
        schema = self._resolve(schema)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            branches = schema.get(key)
            if branches:
                rest = {k: v for k, v in schema.items() if k != key}
                return self.value({**rest, **_first_not_null(branches)}, depth=depth)
        if schema.get("allOf"):
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                merged = _merge(merged, self._resolve(part) if part else {})
            return self.value(merged, depth=depth)
        kind = _type_of(schema)
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, depth)
        if kind == "string":
            return self._string(schema)
        if kind == "integer":
            return int(self._number(schema, integer=True))
        if kind == "number":
            return self._number(schema, integer=False)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        # No type information at all: a default, if given, is the safest answer.
        return schema.get("default", self._text)

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen: set[str] = set()
        while isinstance(ref := schema.get("$ref"), str):
            if ref in seen:
                msg = f"circular $ref: {ref}"
                raise ValueError(msg)
            seen.add(ref)
            target = _follow(self._root, ref)
            # Keywords beside $ref (a description, say) apply too.
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **rest}
        return schema

    def _object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        result: dict[str, Any] = {}
        for name, sub in properties.items():
            if depth >= _MAX_DEPTH and name not in required:
                continue
            result[name] = self.value(sub, depth=depth + 1)
        for name in sorted(required - set(properties)):
            # Required but undescribed: any value is valid.
            result[name] = self._text
        return result

    def _array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        prefix = list(schema.get("prefixItems") or ())
        values = [self.value(s, depth=depth + 1) for s in prefix]
        items = schema.get("items")
        low = int(schema.get("minItems", 0))
        high = schema.get("maxItems")
        wanted = max(low, len(prefix) + (1 if depth < _MAX_DEPTH else 0))
        if high is not None:
            wanted = min(wanted, int(high))
        if isinstance(items, Mapping) or items is True:
            values.extend(
                self.value(items, depth=depth + 1) for _ in range(wanted - len(values))
            )
        return values[:wanted] if high is not None else values

    def _number(self, schema: Mapping[str, Any], *, integer: bool) -> float:
        if self._numbers:
            candidate = self._numbers.pop(0)
            if (not integer or candidate.is_integer()) and _fits(schema, candidate):
                return candidate
        return _number(schema, integer=integer)

    def _string(self, schema: Mapping[str, Any]) -> str:
        fmt = schema.get("format")
        value = _FORMATS.get(fmt, self._text) if isinstance(fmt, str) else self._text
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        if len(value) < low:
            value += "x" * (low - len(value))
        if high is not None:
            value = value[: int(high)]
        return value


def _follow(root: Mapping[str, Any], ref: str) -> Mapping[str, Any]:
    if not ref.startswith("#"):
        msg = f"only local $ref values are supported, got {ref!r}"
        raise ValueError(msg)
    node: Any = root
    for part in ref.lstrip("#").split("/"):
        if not part:
            continue
        key = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or key not in node:
            msg = f"$ref {ref!r} does not resolve within the schema"
            raise ValueError(msg)
        node = node[key]
    if not isinstance(node, Mapping):
        msg = f"$ref {ref!r} does not point to a schema"
        raise ValueError(msg)
    return node


def _first_not_null(branches: list[Any]) -> Mapping[str, Any]:
    for branch in branches:
        if isinstance(branch, Mapping) and branch.get("type") != "null":
            return branch
    first = branches[0]
    return first if isinstance(first, Mapping) else {}


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**a, **b}
    if "properties" in a and "properties" in b:
        merged["properties"] = {**a["properties"], **b["properties"]}
    if "required" in a and "required" in b:
        merged["required"] = [*a["required"], *b["required"]]
    return merged


def _type_of(schema: Mapping[str, Any]) -> str | None:
    declared = schema.get("type")
    if isinstance(declared, list):
        candidates = [t for t in declared if t != "null"] or declared
        declared = min(candidates, key=_TYPE_ORDER.index) if candidates else None
    if isinstance(declared, str):
        return declared
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return None


def _number(schema: Mapping[str, Any], *, integer: bool) -> float:
    """The value nearest to 0 within the bounds, moved to a `multipleOf`."""
    low, low_open = _bound(schema, "minimum", "exclusiveMinimum")
    high, high_open = _bound(schema, "maximum", "exclusiveMaximum")
    if integer:
        if math.isfinite(low):
            low = (
                math.floor(low) + 1 if low_open and low.is_integer() else math.ceil(low)
            )
        if math.isfinite(high):
            high = (
                math.ceil(high) - 1
                if high_open and high.is_integer()
                else math.floor(high)
            )
        value = float(min(max(0, low), high))
    elif (
        low <= 0 <= high
        and not (low_open and low == 0)
        and not (high_open and high == 0)
    ):
        value = 0.0
    elif low > 0 or (low_open and low == 0):
        # Inside an open bound by a step that cannot overshoot the other bound.
        value = low + min(1.0, (high - low) / 2) if low_open else low
    else:
        value = high - min(1.0, (high - low) / 2) if high_open else high
    multiple = schema.get("multipleOf")
    if multiple:
        step = float(multiple)
        up = math.ceil(value / step) * step
        value = up if up <= high else math.floor(value / step) * step
    return value


def _bound(
    schema: Mapping[str, Any], inclusive: str, exclusive: str
) -> tuple[float, bool]:
    """A bound and whether it is open; draft 4's boolean `exclusive*` included."""
    sign = -1 if inclusive == "minimum" else 1
    closed = schema.get(inclusive)
    opened = schema.get(exclusive)
    if isinstance(opened, bool):
        return (
            (float(closed), opened) if closed is not None else (sign * math.inf, False)
        )
    candidates: list[tuple[float, bool]] = []
    if closed is not None:
        candidates.append((float(closed), False))
    if opened is not None:
        candidates.append((float(opened), True))
    if not candidates:
        return sign * math.inf, False
    # The tighter bound wins; at a tie the open one is tighter.
    if sign < 0:
        return max(candidates, key=lambda c: (c[0], c[1]))
    return min(candidates, key=lambda c: (c[0], not c[1]))


def _fits(schema: Mapping[str, Any], value: float) -> bool:
    low, low_open = _bound(schema, "minimum", "exclusiveMinimum")
    high, high_open = _bound(schema, "maximum", "exclusiveMaximum")
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    multiple = schema.get("multipleOf")
    return above and below and (not multiple or (value / float(multiple)).is_integer())
