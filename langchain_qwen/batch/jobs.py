"""Chat and embeddings batch jobs: `submit_batch` and `submit_embeddings_batch`.

`submit_batch` turns the inputs a `ChatQwen` (or a runnable made from it with
`bind`, `bind_tools` or `with_structured_output`) would take in `batch` into a
DashScope batch job: one JSONL line per input, each body built by the one
request pipeline (`_chat.pipeline`, through `ChatQwen._get_request_payload`),
uploaded with the model's own SDK client (so its key, retries and typed errors
apply). The returned job can be saved, resumed by id
in another process, waited on with progress, and read back in input order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.runnables import (
    Runnable,
    RunnableBinding,
    RunnableParallel,
    RunnableSequence,
)
from pydantic import SecretStr

from langchain_qwen._dashscope.clients import QwenAsyncOpenAI, QwenOpenAI
from langchain_qwen._dashscope.connection import resolve_connection
from langchain_qwen._dashscope.keys import one_key
from langchain_qwen._dashscope.stream_guard import context_for, translating
from langchain_qwen.batch import rules
from langchain_qwen.batch.job import _BatchJob
from langchain_qwen.batch.rules import BatchKind
from langchain_qwen.catalogue import catalog
from langchain_qwen.catalogue import kinds as model_kinds
from langchain_qwen.chat_models import ChatQwen
from langchain_qwen.embeddings import QwenEmbeddings
from langchain_qwen.errors import ErrorContext

_NOT_BODY_KWARGS = frozenset({"ls_structured_output_format"})
# langchain-core's private key for gateway data in generation_info; never shown.
_GATEWAY_KEY = "lc_gateway_metadata"


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
            result = model._create_chat_result(rules.with_assistant_role(body))
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
        dashscope_api_key: str | SecretStr | None = None,
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
            dashscope_api_key: The key under its community name.

        Returns:
            The job.
        """
        conn = resolve_connection(
            base_url=base_url,
            region=region,
            workspace_id=workspace_id,
            api_key=one_key(api_key, dashscope_api_key),
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
    embeddings: QwenEmbeddings | None = None,
    model: str | None = None,
    dimensions: int | None = None,
    base_url: str | None = None,
    region: str | None = None,
    workspace_id: str | None = None,
    api_key: str | SecretStr | None = None,
    validate_model: bool = True,
    max_retries: int = 2,
    timeout: float | None = None,
    metadata: Mapping[str, str] | None = None,
    dashscope_api_key: str | SecretStr | None = None,
) -> QwenEmbeddingsBatchJob:
    """Submit texts to embed as one DashScope batch job, one text a request.

    The endpoint and key follow the same rules as `ChatQwen` (`region`,
    `workspace_id`, `base_url`, `DASHSCOPE_*`).

    Args:
        texts: The texts, each non-empty.
        embeddings: A `QwenEmbeddings` whose model, dimensions, endpoint, key,
            retries and timeout the job uses (instead of the arguments below),
            so the batch embeds exactly as `embed_documents` would.
        model: The embedding model (batchable in Beijing only, per the facts);
            `text-embedding-v4` when neither it nor `embeddings` is given.
        dimensions: The vector size, sent when given.
        base_url: As for `ChatQwen`.
        region: As for `ChatQwen`.
        workspace_id: As for `ChatQwen`.
        api_key: As for `ChatQwen` (else `DASHSCOPE_API_KEY`).
        validate_model: `False` skips the batchable-model list check.
        max_retries: Retries of each HTTP call.
        timeout: Seconds per HTTP call.
        metadata: Job metadata passed to DashScope as given.
        dashscope_api_key: The key under its community name.

    Returns:
        The job; its `results()` are vectors in the order of `texts`.

    Raises:
        ValueError: Empty input, a bad `dimensions`, or a model or region
            DashScope does not batch; nothing is sent.
    """
    api_key = one_key(api_key, dashscope_api_key)
    if embeddings is not None:
        given = {
            "model": model,
            "dimensions": dimensions,
            "base_url": base_url,
            "region": region,
            "workspace_id": workspace_id,
            "api_key": api_key,
            "timeout": timeout,
        }
        clash = sorted(name for name, value in given.items() if value is not None)
        if clash:
            msg = (
                f"Pass either embeddings= or {', '.join(clash)}: the embeddings "
                "instance already decides them."
            )
            raise ValueError(msg)
        model, dimensions = embeddings.model, embeddings.dimensions
        base_url, api_key = embeddings.base_url, embeddings.api_key
        validate_model = embeddings.validate_model
        timeout = embeddings.request_timeout
        if embeddings.max_retries is not None:
            max_retries = embeddings.max_retries
    model = model or "text-embedding-v4"
    items = rules.check_texts(texts)
    if dimensions is not None and (
        not isinstance(dimensions, int)
        or isinstance(dimensions, bool)
        or dimensions <= 0
    ):
        msg = f"dimensions must be a positive integer, got {dimensions!r}."
        raise ValueError(msg)
    # The same embedding catalogue as QwenEmbeddings: a size the model does not
    # take would fail every line of the job, hours later.
    info = model_kinds.embedding_model(model)
    if (
        validate_model
        and dimensions is not None
        and info is not None
        and info.dimensions is not None
        and dimensions not in info.dimensions
    ):
        values = ", ".join(str(d) for d in info.dimensions)
        msg = (
            f"{model} does not take dimensions={dimensions}: pick one of {values} "
            f"(default {info.default_dimensions}), or pass validate_model=False."
        )
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
        catalogued=info is not None,
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
