"""DashScope's Batch API for LangChain inputs: chat and embeddings at half price.

`submit_batch` turns the inputs a `ChatQwen` (or a runnable made from it with
`bind`, `bind_tools` or `with_structured_output`) would take in `batch` into a
DashScope batch job: one JSONL line per input, each body built by ChatQwen's
own request shaping, uploaded with the model's own SDK client (so its key,
retries and typed errors apply). The returned job can be saved, resumed by id
in another process, waited on with progress, and read back in input order.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TextIO

import openai
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.runnables import (
    Runnable,
    RunnableBinding,
    RunnableParallel,
    RunnableSequence,
)
from pydantic import SecretStr

from langchain_qwen import _batch_rules as rules
from langchain_qwen import catalog
from langchain_qwen._batch_rules import BatchKind, BatchProgress
from langchain_qwen._clients import QwenAsyncOpenAI, QwenOpenAI, _httpx
from langchain_qwen._connection import resolve_connection
from langchain_qwen._stream_guard import context_for, translating
from langchain_qwen.chat_models import ChatQwen
from langchain_qwen.errors import ErrorContext, QwenError, classify, translate

ProgressCallback = Callable[[BatchProgress], Any]
"""Called with a `BatchProgress` after every poll of `wait`."""

_NOT_BODY_KWARGS = frozenset({"ls_structured_output_format"})
# langchain-core's private key for gateway data in generation_info; never shown.
_GATEWAY_KEY = "lc_gateway_metadata"


class QwenBatchError(QwenError):
    """A batch job failed as a whole, or an input has no result.

    Attributes:
        batch_id: The batch the error belongs to.
    """

    batch_id: str | None = None


# --------------------------------------------------------------------------
# What a runnable made from ChatQwen sends, and what it does with the answer
# --------------------------------------------------------------------------


@dataclass
class _Target:
    model: ChatQwen
    kwargs: dict[str, Any]
    # Turns the AIMessage into the runnable's own output (parsers), if any.
    after: Runnable | None = None
    # `include_raw`: the parallel step's key the message is fed under.
    raw_key: str | None = None


def _unpack_binding(runnable: Any) -> tuple[ChatQwen, dict[str, Any]] | None:
    layers: list[dict[str, Any]] = []
    while isinstance(runnable, RunnableBinding):
        layers.append(dict(runnable.kwargs))
        runnable = runnable.bound
    if not isinstance(runnable, ChatQwen):
        return None
    kwargs: dict[str, Any] = {}
    for layer in reversed(layers):  # the outermost binding wins, as in a call
        kwargs.update(layer)
    return runnable, kwargs


def _unpack(runnable: Any) -> _Target:
    found = _unpack_binding(runnable)
    if found is not None:
        return _Target(*found)
    if isinstance(runnable, RunnableSequence):
        first, rest = runnable.first, runnable.steps[1:]
        after = rest[0] if len(rest) == 1 else RunnableSequence(*rest)
        found = _unpack_binding(first)
        if found is not None:
            return _Target(*found, after=after)
        if isinstance(first, RunnableParallel) and len(first.steps__) == 1:
            (key, step), *_ = first.steps__.items()
            found = _unpack_binding(step)
            if found is not None:
                return _Target(*found, after=after, raw_key=key)
    msg = (
        "submit_batch takes a ChatQwen, or a runnable made from one with bind, "
        "bind_tools or with_structured_output; got "
        f"{type(runnable).__name__}. Build other chains around the results."
    )
    raise TypeError(msg)


def _chat_lines(target: _Target, inputs: Sequence[LanguageModelInput]) -> bytes:
    model = target.model
    kwargs = {k: v for k, v in target.kwargs.items() if k not in _NOT_BODY_KWARGS}
    stop = kwargs.pop("stop", None)
    lines: list[bytes] = []
    for i, input_ in enumerate(inputs):
        payload = model._get_request_payload(input_, stop=stop, **kwargs)
        body = rules.chat_body(payload)
        rules.check_batch_model(
            str(body.get("model")),
            model.region,
            kind="chat",
            validate_model=model.validate_model,
            catalogued=catalog.lookup(str(body.get("model"))) is not None,
        )
        lines.append(rules.request_line(i, "chat", body))
    return b"".join(lines)


def _check_inputs(inputs: Sequence[Any]) -> list[Any]:
    if isinstance(inputs, str):
        msg = "Pass a list of inputs (e.g. [prompt]), not one string."
        raise TypeError(msg)
    items = list(inputs)
    if not items:
        msg = "No inputs to batch: pass a non-empty list."
        raise ValueError(msg)
    return items


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


class QwenBatchJob(_BatchJob):
    """A DashScope batch job of chat requests.

    Setup:
        A `ChatQwen` whose model DashScope batches in its region (see
        `docs/batch.md`); the job uses the model's key, endpoint and retries.

    Instantiate:
        ```python
        from langchain_qwen import ChatQwen, submit_batch

        model = ChatQwen(model="qwen-plus", temperature=0)
        job = submit_batch(model, ["Hello", "What is 2 + 2?"])
        job.save("job.json")  # or keep job.id
        ```

    Resume (another process):
        ```python
        job = QwenBatchJob.resume(batch_id, model=model)
        job = QwenBatchJob.load("job.json", model=model)
        ```

    Wait and read:
        ```python
        job.wait(poll_interval=60, on_progress=print)  # bar on a terminal
        for item in job.results():
            print(item if isinstance(item, Exception) else item.content)
        ```

    Async:
        ```python
        job = await asubmit_batch(model, inputs)
        await job.await_(poll_interval=60)
        results = await job.aresults()
        ```
    """

    kind: ClassVar[BatchKind] = "chat"

    def __init__(self, batch_id: str, *, target: _Target, count: int | None) -> None:
        model = target.model
        super().__init__(
            batch_id,
            client=model.root_client,
            async_client=model.root_async_client,
            context=context_for(model, target.kwargs.get("model")),
            count=count,
            model_name=target.kwargs.get("model") or model.model_name,
        )
        self._target = target

    @classmethod
    def resume(
        cls, batch_id: str, *, model: Runnable, count: int | None = None
    ) -> QwenBatchJob:
        """Pick up a job by id, e.g. in another process; no request is sent.

        Args:
            batch_id: The job's id (`job.id`).
            model: The same runnable the job was submitted with (its client
                reads the job; its parsers, if any, shape the results).
            count: The number of inputs; read from the job when `None`.

        Returns:
            The job.
        """
        return cls(batch_id, target=_unpack(model), count=count)

    @classmethod
    def load(cls, path: str | Path, *, model: Runnable) -> QwenBatchJob:
        """Resume a job written by `save`."""
        data = json.loads(Path(path).read_text())
        if data.get("kind") != cls.kind:
            msg = f"{path} holds a {data.get('kind')!r} batch job, not a chat one."
            raise ValueError(msg)
        return cls.resume(data["id"], model=model, count=data.get("count"))

    def _convert(self, body: Any) -> Any:
        model = self._target.model
        with translating(partial(context_for, model, self._target.kwargs.get("model"))):
            result = model._create_chat_result(body)
        generation = result.generations[0]
        message = generation.message
        # As core's invoke does: finish reason, model name and id join the
        # message's own response metadata.
        info = {
            k: v
            for k, v in (generation.generation_info or {}).items()
            if k != _GATEWAY_KEY
        }
        message.response_metadata = {
            **(result.llm_output or {}),
            **info,
            **message.response_metadata,
        }
        if not isinstance(message, AIMessage):  # pragma: no cover - parent's type
            return message
        after = self._target.after
        if after is None:
            return message
        key = self._target.raw_key
        return after.invoke({key: message} if key is not None else message)

    def results(self, *, raise_on_error: bool = False) -> list[Any]:
        """The answers in input order, once the job has finished.

        Each item is what the submitted runnable returns for that input (an
        `AIMessage` with content, tool calls, reasoning, `usage_metadata` and
        `response_metadata`; the parsed object for `with_structured_output`,
        or with `include_raw=True` the `{"raw", "parsed", "parsing_error"}`
        dict), or the exception that input got.

        Args:
            raise_on_error: Raise the first error instead of returning it.

        Returns:
            One item per input.

        Raises:
            RuntimeError: The job has not finished.
            QwenBatchError: The job failed as a whole.
        """
        return super().results(raise_on_error=raise_on_error)


class QwenEmbeddingsBatchJob(_BatchJob):
    """A DashScope batch job of embedding requests; results are vectors.

    Instantiate:
        ```python
        from langchain_qwen import submit_embeddings_batch

        job = submit_embeddings_batch(texts, region="beijing")
        job.wait()
        vectors = job.results(raise_on_error=True)
        ```
    """

    kind: ClassVar[BatchKind] = "embeddings"

    @classmethod
    def resume(
        cls,
        batch_id: str,
        *,
        count: int | None = None,
        base_url: str | None = None,
        region: str | None = None,
        workspace_id: str | None = None,
        api_key: str | SecretStr | None = None,
        max_retries: int = 2,
        timeout: float | None = None,
    ) -> QwenEmbeddingsBatchJob:
        """Pick up an embeddings job by id; no request is sent.

        Args:
            batch_id: The job's id.
            count: The number of texts; read from the job when `None`.
            base_url: As for `ChatQwen`.
            region: As for `ChatQwen`.
            workspace_id: As for `ChatQwen`.
            api_key: As for `ChatQwen` (else `DASHSCOPE_API_KEY`).
            max_retries: Retries of each HTTP call.
            timeout: Seconds per HTTP call.

        Returns:
            The job.
        """
        conn = resolve_connection(
            base_url=base_url, region=region, workspace_id=workspace_id, api_key=api_key
        )
        key = conn.api_key
        secret = key.get_secret_value() if isinstance(key, SecretStr) else key
        options: dict[str, Any] = {
            "api_key": secret,
            "base_url": conn.base_url,
            "max_retries": max_retries,
        }
        if timeout is not None:
            options["timeout"] = timeout
        ctx = ErrorContext(
            base_url=conn.base_url,
            region=conn.region,
            model="",
            max_retries=max_retries,
            timeout=timeout,
            secrets=(secret,),
        )
        return cls(
            batch_id,
            client=QwenOpenAI(**options),
            async_client=QwenAsyncOpenAI(**options),
            context=ctx,
            count=count,
        )

    def _convert(self, body: Any) -> list[float]:
        return list(body["data"][0]["embedding"])

    def results(self, *, raise_on_error: bool = False) -> list[Any]:
        """The vectors in input order (or each text's exception).

        Args:
            raise_on_error: Raise the first error instead of returning it.

        Returns:
            One `list[float]` (or exception) per text.
        """
        return super().results(raise_on_error=raise_on_error)


# --------------------------------------------------------------------------
# Submitting
# --------------------------------------------------------------------------

_INPUT_NAME = "langchain-qwen-batch.jsonl"


def _create_args(kind: BatchKind, metadata: Mapping[str, str] | None) -> dict:
    args: dict[str, Any] = {
        "endpoint": rules.endpoint_for(kind),
        "completion_window": rules.batch_data()["completion_window"],
    }
    if metadata:
        args["metadata"] = dict(metadata)
    return args


def _prepare_chat(runnable: Runnable, inputs: Sequence[Any]) -> tuple[_Target, bytes]:
    items = _check_inputs(inputs)
    target = _unpack(runnable)
    return target, _chat_lines(target, items)


def submit_batch(
    runnable: Runnable,
    inputs: Sequence[LanguageModelInput],
    *,
    metadata: Mapping[str, str] | None = None,
) -> QwenBatchJob:
    """Submit chat inputs as one DashScope batch job (half the live price).

    Every input becomes the request `runnable.invoke(input)` would send: the
    model's parameters, bound kwargs, tools and structured-output settings
    are applied and checked by ChatQwen itself, before anything is uploaded.

    Args:
        runnable: A `ChatQwen`, or a runnable made from one with `bind`,
            `bind_tools` or `with_structured_output`.
        inputs: What `runnable.batch` takes: strings, message lists,
            `PromptValue`s.
        metadata: Job metadata passed to DashScope as given.

    Returns:
        The job (not yet finished).

    Raises:
        ValueError: A model or region DashScope does not batch, or a request
            ChatQwen refuses; nothing is sent.
        TypeError: A runnable not made from a `ChatQwen`.
    """
    target, data = _prepare_chat(runnable, inputs)
    client = target.model.root_client
    with translating(partial(context_for, target.model, target.kwargs.get("model"))):
        uploaded = client.files.create(
            file=(_INPUT_NAME, data, "application/jsonl"), purpose="batch"
        )
        batch = client.batches.create(
            input_file_id=uploaded.id, **_create_args("chat", metadata)
        )
    job = QwenBatchJob(batch.id, target=target, count=len(inputs))
    job.info = batch
    return job


async def asubmit_batch(
    runnable: Runnable,
    inputs: Sequence[LanguageModelInput],
    *,
    metadata: Mapping[str, str] | None = None,
) -> QwenBatchJob:
    """Async `submit_batch`."""
    target, data = _prepare_chat(runnable, inputs)
    client = target.model.root_async_client
    with translating(partial(context_for, target.model, target.kwargs.get("model"))):
        uploaded = await client.files.create(
            file=(_INPUT_NAME, data, "application/jsonl"), purpose="batch"
        )
        batch = await client.batches.create(
            input_file_id=uploaded.id, **_create_args("chat", metadata)
        )
    job = QwenBatchJob(batch.id, target=target, count=len(inputs))
    job.info = batch
    return job


def submit_embeddings_batch(
    texts: Sequence[str],
    *,
    model: str = "text-embedding-v4",
    dimensions: int | None = None,
    base_url: str | None = None,
    region: str | None = None,
    workspace_id: str | None = None,
    api_key: str | SecretStr | None = None,
    validate_model: bool = True,
    max_retries: int = 2,
    timeout: float | None = None,
    metadata: Mapping[str, str] | None = None,
) -> QwenEmbeddingsBatchJob:
    """Submit texts to embed as one DashScope batch job, one text a request.

    The endpoint and key follow the same rules as `ChatQwen` (`region`,
    `workspace_id`, `base_url`, `DASHSCOPE_*`).

    Args:
        texts: The texts, each non-empty.
        model: The embedding model (batchable in Beijing only, per the facts).
        dimensions: The vector size, sent when given.
        base_url: As for `ChatQwen`.
        region: As for `ChatQwen`.
        workspace_id: As for `ChatQwen`.
        api_key: As for `ChatQwen` (else `DASHSCOPE_API_KEY`).
        validate_model: `False` skips the batchable-model list check.
        max_retries: Retries of each HTTP call.
        timeout: Seconds per HTTP call.
        metadata: Job metadata passed to DashScope as given.

    Returns:
        The job; its `results()` are vectors in the order of `texts`.

    Raises:
        ValueError: Empty input, a bad `dimensions`, or a model or region
            DashScope does not batch; nothing is sent.
    """
    items = rules.check_texts(texts)
    if dimensions is not None and (
        not isinstance(dimensions, int)
        or isinstance(dimensions, bool)
        or dimensions <= 0
    ):
        msg = f"dimensions must be a positive integer, got {dimensions!r}."
        raise ValueError(msg)
    job = QwenEmbeddingsBatchJob.resume(
        "",
        count=len(items),
        base_url=base_url,
        region=region,
        workspace_id=workspace_id,
        api_key=api_key,
        max_retries=max_retries,
        timeout=timeout,
    )
    rules.check_batch_model(
        model,
        job._ctx.region,
        kind="embeddings",
        validate_model=validate_model,
        catalogued=model.startswith(("text-embedding-", "qwen3.7-text-embedding")),
    )
    lines = []
    for i, text in enumerate(items):
        body: dict[str, Any] = {
            "model": model,
            "input": text,
            "encoding_format": "float",
        }
        if dimensions is not None:
            body["dimensions"] = dimensions
        lines.append(rules.request_line(i, "embeddings", body))
    with translating(job._ctx):
        uploaded = job._client.files.create(
            file=(_INPUT_NAME, b"".join(lines), "application/jsonl"), purpose="batch"
        )
        batch = job._client.batches.create(
            input_file_id=uploaded.id, **_create_args("embeddings", metadata)
        )
    job.id = batch.id
    job.info = batch
    job._model_name = model
    return job


__all__ = [
    "BatchProgress",
    "QwenBatchError",
    "QwenBatchJob",
    "QwenEmbeddingsBatchJob",
    "asubmit_batch",
    "submit_batch",
    "submit_embeddings_batch",
]
