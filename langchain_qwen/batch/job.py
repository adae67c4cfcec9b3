"""What every DashScope batch job shares: polling, progress, result files, errors.

`batch.py` builds the chat and embedding jobs on this base and submits them.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, TextIO

import openai

from langchain_qwen._dashscope.clients import _httpx
from langchain_qwen._dashscope.stream_guard import translating
from langchain_qwen._dashscope.translate import translate
from langchain_qwen.batch import rules
from langchain_qwen.batch.rules import BatchKind, BatchProgress
from langchain_qwen.errors import ErrorContext, QwenError, classify

ProgressCallback = Callable[[BatchProgress], Any]
"""Called with a `BatchProgress` after every poll of `wait`."""


class QwenBatchError(QwenError):
    """A batch job failed as a whole, or an input has no result.

    Attributes:
        batch_id: The batch the error belongs to.
    """

    batch_id: str | None = None


# --------------------------------------------------------------------------
# Errors of single lines and of whole batches
# --------------------------------------------------------------------------


@functools.cache
def _status_errors() -> openai.OpenAI:
    # Only its status -> exception-class mapping is used; it never sends.
    return openai.OpenAI(api_key="unused", base_url="http://batch.invalid")


def _line_error(error: Any, status: int | None, ctx: ErrorContext) -> BaseException:
    """A result line's error, translated as a live call's error would be."""
    inner = error if isinstance(error, Mapping) else {"message": str(error)}
    envelope: dict[str, Any] = {"error": dict(inner)}
    if inner.get("request_id"):
        envelope["request_id"] = inner["request_id"]
    if status is not None and status >= 400:
        response = _httpx.Response(
            status,
            json=envelope,
            request=_httpx.Request("POST", ctx.base_url or "http://batch"),
        )
        exc: BaseException = _status_errors()._make_status_error(
            str(inner.get("message") or "batch request failed"),
            body=envelope["error"],
            response=response,
        )
    else:
        exc = ValueError(envelope["error"])
    new = translate(exc, ctx)
    if new is None:  # pragma: no cover - translate handles both shapes
        return exc
    if status is None and isinstance(new, QwenError):
        new.status_code = None
    return new


def _batch_failure(batch: Any, ctx: ErrorContext) -> QwenBatchError:
    errors = getattr(batch, "errors", None)
    data = list(getattr(errors, "data", None) or [])
    first = data[0] if data else None
    code = getattr(first, "code", None)
    message = getattr(first, "message", None) or f"batch ended {batch.status!r}"
    line = getattr(first, "line", None)
    kind = classify(None, code, message)
    where = f" (line {line})" if line is not None else ""
    text = (
        f"Batch {batch.id} {batch.status}: {message}{where}"
        + (f" (code: {code})" if code else "")
        + "\nHint: no input of this batch ran; fix the input and submit again."
    )
    cls = type("QwenBatchError", (QwenBatchError, kind), {}) if kind else QwenBatchError
    err = cls(text)
    err.code = code
    err.error_message = message
    err.batch_id = batch.id
    err.hint = "fix the input and submit again"
    return err


def _missing(batch_id: str, index: int, status: str) -> QwenBatchError:
    err = QwenBatchError(
        f"Batch {batch_id}: input {index} has no result (the batch is {status!r})."
        "\nHint: inputs that did not run before a batch expired or was cancelled "
        "must be submitted again."
    )
    err.batch_id = batch_id
    return err


# --------------------------------------------------------------------------
# The job
# --------------------------------------------------------------------------


class _ProgressBar:
    """A one-line progress bar on a terminal's stderr, drawn in place."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    @classmethod
    def make(cls, progress: bool | None) -> _ProgressBar:
        show = sys.stderr.isatty() if progress is None else progress
        return cls(sys.stderr if show else None)

    def update(self, batch_id: str, p: BatchProgress) -> None:
        if self._stream is None:
            return
        filled = int(p.fraction * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        done = p.completed + p.failed
        failed = f", {p.failed} failed" if p.failed else ""
        self._stream.write(
            f"\r{batch_id} [{bar}] {done}/{p.total}{failed} {p.status:<11}"
        )
        self._stream.flush()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.write("\n")
            self._stream.flush()


class _BatchJob:
    """What chat and embedding batch jobs share: polling, files, errors."""

    kind: ClassVar[BatchKind]

    def __init__(
        self,
        batch_id: str,
        *,
        client: Any,
        async_client: Any,
        context: ErrorContext,
        count: int | None = None,
        model_name: str | None = None,
    ) -> None:
        self.id = batch_id
        self._client = client
        self._async_client = async_client
        self._ctx = context
        self._count = count
        self._model_name = model_name
        self.info: Any = None
        """The last `openai.types.Batch` read (`None` before the first)."""

    def __repr__(self) -> str:
        status = getattr(self.info, "status", "unknown")
        return f"{type(self).__name__}(id={self.id!r}, status={status!r})"

    # -- saving ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """What a later process needs to resume the job (no key, no secrets)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "count": self._known_count(),
            "model": self._model_name,
            "base_url": self._ctx.base_url,
            "region": self._ctx.region,
        }

    def save(self, path: str | Path) -> None:
        """Write `to_dict()` as JSON to `path`."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    def _known_count(self) -> int | None:
        if self._count is not None:
            return self._count
        total = rules.progress_of(self.info).total if self.info is not None else 0
        return total or None

    # -- status ---------------------------------------------------------------

    def refresh(self) -> BatchProgress:
        """Ask DashScope where the job stands.

        Returns:
            The job's progress.
        """
        with translating(self._ctx):
            self.info = self._client.batches.retrieve(self.id)
        return rules.progress_of(self.info)

    async def arefresh(self) -> BatchProgress:
        """Async `refresh`."""
        with translating(self._ctx):
            self.info = await self._async_client.batches.retrieve(self.id)
        return rules.progress_of(self.info)

    def status(self) -> str:
        """Refresh and return DashScope's status string."""
        return self.refresh().status

    def cancel(self) -> BatchProgress:
        """Ask DashScope to cancel the job; finished inputs keep their results."""
        with translating(self._ctx):
            self.info = self._client.batches.cancel(self.id)
        return rules.progress_of(self.info)

    async def acancel(self) -> BatchProgress:
        """Async `cancel`."""
        with translating(self._ctx):
            self.info = await self._async_client.batches.cancel(self.id)
        return rules.progress_of(self.info)

    def wait(
        self,
        *,
        poll_interval: float = 30.0,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        progress: bool | None = None,
    ) -> BatchProgress:
        """Poll until the job reaches a final state.

        Args:
            poll_interval: Seconds between polls.
            timeout: Give up after this many seconds (`None`: never). The job
                keeps running on DashScope; resume it later by id.
            on_progress: Called with the progress after every poll.
            progress: Draw a progress bar on stderr: `True` always, `False`
                never, `None` (default) only when stderr is a terminal.

        Returns:
            The final progress (`status` is `completed`, `failed`, `expired`
            or `cancelled`).

        Raises:
            TimeoutError: `timeout` passed first.
        """
        bar = _ProgressBar.make(progress)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                current = self.refresh()
                bar.update(self.id, current)
                if on_progress is not None:
                    on_progress(current)
                if current.done:
                    return current
                if deadline is not None and time.monotonic() >= deadline:
                    raise self._timeout(timeout, current)
                time.sleep(poll_interval)
        finally:
            bar.close()

    async def await_(
        self,
        *,
        poll_interval: float = 30.0,
        timeout: float | None = None,
        on_progress: Callable[[BatchProgress], Any | Awaitable[Any]] | None = None,
        progress: bool | None = None,
    ) -> BatchProgress:
        """Async `wait` (`on_progress` may be a coroutine function)."""
        bar = _ProgressBar.make(progress)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                current = await self.arefresh()
                bar.update(self.id, current)
                if on_progress is not None:
                    result = on_progress(current)
                    if inspect.isawaitable(result):
                        await result
                if current.done:
                    return current
                if deadline is not None and time.monotonic() >= deadline:
                    raise self._timeout(timeout, current)
                await asyncio.sleep(poll_interval)
        finally:
            bar.close()

    def _timeout(self, timeout: float | None, current: BatchProgress) -> TimeoutError:
        return TimeoutError(
            f"Batch {self.id} is still {current.status!r} after {timeout} s "
            f"({current.completed + current.failed}/{current.total} done). It keeps "
            f"running on DashScope: call wait() again, or resume it later with "
            f"{type(self).__name__}.resume({self.id!r}, ...)."
        )

    # -- results --------------------------------------------------------------

    def _finished_info(self) -> Any:
        if self.info is None or not rules.progress_of(self.info).done:
            self.refresh()
        current = rules.progress_of(self.info)
        if not current.done:
            msg = (
                f"Batch {self.id} is {current.status!r}, not finished: call "
                "wait() first."
            )
            raise RuntimeError(msg)
        if current.status == "failed":
            raise _batch_failure(self.info, self._ctx)
        return self.info

    def _download(self, file_id: str | None) -> list[dict[str, Any]]:
        if not file_id:
            return []
        with translating(self._ctx):
            text = self._client.files.content(file_id).text
        return rules.read_lines(text)

    async def _adownload(self, file_id: str | None) -> list[dict[str, Any]]:
        if not file_id:
            return []
        with translating(self._ctx):
            response = await self._async_client.files.content(file_id)
        return rules.read_lines(response.text)

    def _collect(self, records: list[dict[str, Any]], info: Any) -> list[Any]:
        count = self._known_count()
        if count is None:
            indices = [rules.index_of(r.get("custom_id"), None) for r in records]
            count = max((i for i in indices if i is not None), default=-1) + 1
        out: list[Any] = [_missing(self.id, i, info.status) for i in range(count)]
        for record in records:
            index = rules.index_of(record.get("custom_id"), count)
            if index is None:
                continue
            status, body, error = rules.line_outcome(record)
            if error:
                out[index] = _line_error(error, status, self._ctx)
                continue
            try:
                out[index] = self._convert(body)
            except Exception as exc:
                out[index] = exc
        return out

    def _convert(self, body: Any) -> Any:
        raise NotImplementedError

    def _finish(self, items: list[Any], raise_on_error: bool) -> list[Any]:
        if raise_on_error:
            for item in items:
                if isinstance(item, BaseException):
                    raise item
        return items

    def results(self, *, raise_on_error: bool = False) -> list[Any]:
        """The results in input order, once the job has finished.

        Args:
            raise_on_error: Raise the first input's error instead of returning
                exceptions in the list.

        Returns:
            One item per input: the result, or the exception that input got
            (a `QwenError` from DashScope's error file, a parsing error, or a
            `QwenBatchError` for an input that never ran).

        Raises:
            RuntimeError: The job has not finished.
            QwenBatchError: The job failed as a whole (e.g. invalid input file).
        """
        info = self._finished_info()
        records = self._download(info.output_file_id)
        records += self._download(info.error_file_id)
        return self._finish(self._collect(records, info), raise_on_error)

    async def aresults(self, *, raise_on_error: bool = False) -> list[Any]:
        """Async `results`."""
        if self.info is None or not rules.progress_of(self.info).done:
            await self.arefresh()
        info = self._finished_info()
        records = await self._adownload(info.output_file_id)
        records += await self._adownload(info.error_file_id)
        return self._finish(self._collect(records, info), raise_on_error)
