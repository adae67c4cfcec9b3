"""Pure rules of DashScope's Batch API: which models batch where, and the lines.

No I/O here beyond reading the packaged data: `batch.py` does the uploads and
polling. The facts (per-region model lists, endpoints, the completion window)
live in `data/batch_models.json` with their source and date.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from langchain_qwen.regions import REGIONS

BatchKind = Literal["chat", "embeddings"]

TERMINAL_STATUSES = frozenset({"completed", "failed", "expired", "cancelled"})
"""Batch states that do not change any more."""


@functools.cache
def batch_data() -> Mapping[str, Any]:
    """The decoded `data/batch_models.json` (read once)."""
    text = (
        resources.files("langchain_qwen.data")
        .joinpath("batch_models.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


def endpoint_for(kind: BatchKind) -> str:
    """The `endpoint` (and each line's `url`) DashScope documents for a kind."""
    return str(batch_data()["endpoints"][kind])


def batch_models(region: str, kind: BatchKind = "chat") -> tuple[str, ...]:
    """The models DashScope documents as batchable in a region.

    Args:
        region: A canonical region name (`"beijing"`, `"singapore"`, ...).
        kind: `"chat"` or `"embeddings"`.

    Returns:
        The model names; empty for a region without batch or not documented.
    """
    entry = batch_data()["regions"].get(region) or {}
    return tuple(entry.get(kind) or ())


def _batch_regions(kind: BatchKind) -> list[str]:
    return [r for r in batch_data()["regions"] if batch_models(r, kind)]


def _summary(kind: BatchKind) -> str:
    parts = [f"{r}: {', '.join(batch_models(r, kind))}" for r in _batch_regions(kind)]
    return "; ".join(parts)


def check_batch_model(
    model: str,
    region: str | None,
    *,
    kind: BatchKind = "chat",
    validate_model: bool = True,
    catalogued: bool = False,
) -> None:
    """Refuse a model or region that DashScope does not batch, before any request.

    - A region documented without batch (Virginia) is refused always.
    - A region the facts say nothing about (Hong Kong, Frankfurt, Tokyo) is
      refused unless `validate_model=False`.
    - A model missing from the region's list is refused unless
      `validate_model=False` (the list names exact ids, so snapshots too).
    - With no region (a proxy or a local server), a model that the chat
      catalogue knows but no region batches is refused (unless
      `validate_model=False`); unknown names pass.

    Args:
        model: The model the requests name.
        region: The canonical region of the endpoint, or `None`.
        kind: `"chat"` or `"embeddings"`.
        validate_model: The model's switch for catalogue checks.
        catalogued: Whether the model is a known DashScope model (for a
            region-less endpoint).

    Raises:
        ValueError: Naming the regions and models that do batch.
    """
    regions = batch_data()["regions"]
    where = f"Batch models ({kind}) by region: {_summary(kind)}."
    if region is not None:
        label = (
            f"{region} ({REGIONS[region].region_id})" if region in REGIONS else region
        )
        if region in regions and not any(regions[region].values()):
            msg = (
                f"DashScope offers no Batch API in {label}. "
                f"Use a key and endpoint of a region that does: {where}"
            )
            raise ValueError(msg)
        if region not in regions:
            if not validate_model:
                return
            msg = (
                f"DashScope documents no Batch API in {label}. "
                f"{where} Pass validate_model=False on the model to try anyway."
            )
            raise ValueError(msg)
        if validate_model and model not in batch_models(region, kind):
            msg = (
                f"Model {model!r} is not batchable in {label}. "
                f"{where} Pass validate_model=False on the model if DashScope's "
                "list has grown."
            )
            raise ValueError(msg)
        return
    known = any(model in batch_models(r, kind) for r in regions)
    if validate_model and catalogued and not known:
        msg = (
            f"Model {model!r} is not batchable in any region DashScope documents. "
            f"{where} Pass validate_model=False on the model to send it anyway."
        )
        raise ValueError(msg)


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch job stands.

    Attributes:
        status: DashScope's status: `validating`, `in_progress`,
            `finalizing`, `completed`, `failed`, `expired`, `cancelling` or
            `cancelled`.
        total: Requests in the job (0 until validated).
        completed: Requests that succeeded so far.
        failed: Requests that failed so far.
    """

    status: str
    total: int = 0
    completed: int = 0
    failed: int = 0

    @property
    def done(self) -> bool:
        """Whether the job has reached a final state."""
        return self.status in TERMINAL_STATUSES

    @property
    def fraction(self) -> float:
        """The share of requests finished (succeeded or failed), 0 to 1."""
        if self.total <= 0:
            return 1.0 if self.status == "completed" else 0.0
        return min(1.0, (self.completed + self.failed) / self.total)


def progress_of(batch: Any) -> BatchProgress:
    """Read a `BatchProgress` from an SDK `Batch` object or a dict."""

    def get(obj: Any, name: str) -> Any:
        return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)

    counts = get(batch, "request_counts") or {}
    return BatchProgress(
        status=str(get(batch, "status")),
        total=int(get(counts, "total") or 0),
        completed=int(get(counts, "completed") or 0),
        failed=int(get(counts, "failed") or 0),
    )


def request_line(index: int, kind: BatchKind, body: Mapping[str, Any]) -> bytes:
    """One JSONL line: `custom_id` (the input's index), `method`, `url`, `body`.

    Raises:
        TypeError: The body holds something JSON cannot carry.
    """
    line = {
        "custom_id": str(index),
        "method": "POST",
        "url": endpoint_for(kind),
        "body": body,
    }
    try:
        text = json.dumps(line, ensure_ascii=False, separators=(",", ":"))
    except TypeError as exc:
        msg = (
            f"Batch input {index} cannot be written as JSON ({exc}). Batch requests "
            "carry plain JSON bodies: pass schemas as dicts or Pydantic classes to "
            "bind_tools/with_structured_output, not SDK objects."
        )
        raise TypeError(msg) from exc
    return text.encode() + b"\n"


def chat_body(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The JSONL body for a ChatQwen payload, as the SDK would send it.

    `extra_body` is merged into the body (the SDK does the same on the wire);
    streaming settings are dropped: a batch's answers arrive as a file.

    Raises:
        ValueError: `n > 1` (one answer per input comes back).
    """
    body = {
        k: v
        for k, v in payload.items()
        if k not in {"extra_body", "stream", "stream_options"}
    }
    body.update(payload.get("extra_body") or {})
    if isinstance(body.get("n"), int) and body["n"] > 1:
        msg = "Batch jobs return one answer per input: n > 1 is not supported."
        raise ValueError(msg)
    return body


def index_of(custom_id: Any, count: int | None) -> int | None:
    """The input index a result line's `custom_id` names, or `None`."""
    try:
        index = int(str(custom_id))
    except ValueError:
        return None
    if index < 0 or (count is not None and index >= count):
        return None
    return index


def read_lines(text: str) -> list[dict[str, Any]]:
    """Parse a JSONL result file, skipping blank lines."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def line_outcome(record: Mapping[str, Any]) -> tuple[int | None, Any, Any]:
    """Split a result line into (status, body, error).

    Both OpenAI's shape (`response.status_code/body`, `error`) and a bare
    `error` object are read.
    """
    response = record.get("response") or {}
    status = response.get("status_code") if isinstance(response, Mapping) else None
    body = response.get("body") if isinstance(response, Mapping) else None
    error = record.get("error")
    if isinstance(body, Mapping) and body.get("error") and not error:
        error = body["error"]
    return (status if isinstance(status, int) else None), body, error


def check_texts(texts: Sequence[Any]) -> list[str]:
    """Refuse an empty list or empty texts for an embeddings batch."""
    if isinstance(texts, str):
        msg = "Pass a list of texts, not one string (e.g. [text])."
        raise TypeError(msg)
    items = list(texts)
    if not items:
        msg = "No texts to embed: pass a non-empty list."
        raise ValueError(msg)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            msg = f"Text {i} is {type(text).__name__}, not str."
            raise TypeError(msg)
        if not text.strip():
            msg = f"Text {i} is empty: DashScope rejects empty inputs; drop it first."
            raise ValueError(msg)
    return items
