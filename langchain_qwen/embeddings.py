"""`QwenEmbeddings`: DashScope's text embedding models as LangChain `Embeddings`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from langchain_core.embeddings import Embeddings
from langchain_core.load.serializable import Serializable
from langchain_core.runnables.config import ContextThreadPoolExecutor
from pydantic import (
    Field,
    PrivateAttr,
    model_validator,
)
from typing_extensions import Self

from langchain_qwen._chat.tokens import least_tokens
from langchain_qwen._dashscope.progress import Progress
from langchain_qwen._dashscope.service import (
    DashScopeService,
    apost_json,
    post_json,
)
from langchain_qwen._dashscope.stream_guard import translating
from langchain_qwen.catalogue import kinds as model_kinds
from langchain_qwen.errors import MalformedResponseError

DEFAULT_MODEL = "text-embedding-v4"
# Hosts whose model list the catalogue describes (not Coding/Token Plan, not
# self-hosted servers, where any name may be served).

# For a model the catalogue does not know: DashScope's smallest documented
# per-call limit of the current models, so that a new model is not refused.
_UNKNOWN_MODEL_BATCH = 10
# Fields of the request body that the class sets itself.
_OWN_FIELDS = frozenset({"model", "input", "dimensions", "encoding_format"})

_T = TypeVar("_T")


class QwenEmbeddings(DashScopeService, Embeddings, Serializable):
    """Qwen text embedding models on Alibaba Cloud Model Studio (DashScope).

    Talks to DashScope's OpenAI-compatible `/embeddings` endpoint with
    `ChatQwen`'s regions, key rules, workspace domains, typed errors and retry
    policy. Texts are sent in batches of at most the model's per-call limit
    (10 for `text-embedding-v4`), several batches at once (`max_concurrency`),
    and come back in input order. Empty and certainly over-long texts, and a
    `dimensions` the model does not take, raise before anything is sent.

    The compatible endpoint has no query/document switch (DashScope's
    `text_type` belongs to its native API), so `embed_query` and
    `embed_documents` embed text the same way.

    Setup:
        Install `langchain-qwen` and set `DASHSCOPE_API_KEY` to a Model Studio
        key. Keys belong to one region: set `DASHSCOPE_REGION` (or pass
        `region=`) when the key is not from Singapore, the default.

        ```bash
        pip install -U langchain-qwen
        export DASHSCOPE_API_KEY="sk-..."
        ```

    Key init args — embedding params:
        model:
            `"text-embedding-v4"` (default), `"text-embedding-v3"`, or in
            Beijing also `"qwen3.7-text-embedding"`,
            `"qwen3.7-text-embedding-flash"`, `"text-embedding-v2"`, `"-v1"`.
        dimensions:
            Vector size; one of the model's values (v4: 2048, 1536, 1024
            (default), 768, 512, 256, 128, 64; v3: 1024, 768, 512).
        batch_size:
            Texts per request; at most (and by default) the model's limit.
        max_concurrency:
            Requests in flight at once for a long list (default 4).

    Key init args — client params:
        region, workspace_id, api_key, base_url:
            As for `ChatQwen`: the region's endpoint (or its workspace
            domain), the key from `DASHSCOPE_API_KEY` (`OPENAI_API_KEY` is
            never read).
        validate_model:
            Check the model name, region and `dimensions` against the
            catalogue (default `True`); `False` sends them as given.
        timeout, max_retries, default_headers, http_client, http_async_client:
            As in `ChatOpenAI`. Quota and billing errors are never retried.
        model_kwargs:
            Extra fields sent in every request body.

    Instantiate:
        ```python
        from langchain_qwen import QwenEmbeddings

        embeddings = QwenEmbeddings(model="text-embedding-v4", dimensions=512)
        embeddings = QwenEmbeddings(region="beijing", model="qwen3.7-text-embedding")
        ```

    Embed single text:
        ```python
        vector = embeddings.embed_query("What is Qwen?")
        len(vector)  # 512
        ```

    Embed multiple texts:
        ```python
        vectors = embeddings.embed_documents(["Qwen is a model family.", "..."])
        ```

    Async:
        ```python
        vector = await embeddings.aembed_query("What is Qwen?")
        vectors = await embeddings.aembed_documents(texts)
        ```

    Use in a vector store:
        ```python
        from langchain_core.vectorstores import InMemoryVectorStore

        store = InMemoryVectorStore.from_texts(texts, embedding=embeddings)
        store.similarity_search("What is Qwen?", k=3)
        ```
    """

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """Where `loads` finds the class: `langchain_qwen.embeddings`."""
        return ["langchain_qwen", "embeddings"]

    model: str = DEFAULT_MODEL
    """The embedding model."""

    dimensions: int | None = None
    """The vector size; the model's default when `None`."""

    batch_size: int | None = Field(default=None, ge=1, alias="chunk_size")
    """Texts per request; the model's per-call limit when `None`.

    `chunk_size` (`OpenAIEmbeddings`' name) is accepted for it.
    """

    max_concurrency: int = Field(default=4, ge=1)
    """Requests in flight at once."""

    show_progress_bar: bool = False
    """Show a progress bar over the batches of `embed_documents` (tqdm if
    installed, else a plain bar on stderr)."""

    check_embedding_ctx_length: bool = True
    """Refuse, before sending, a text certainly over the model's input limit.

    As in `OpenAIEmbeddings`, `False` sends texts as they are. Unlike it, an
    over-long text is refused (naming a text splitter), not split and averaged.
    """

    _api = "embeddings"

    _max_batch: int = PrivateAttr(default=_UNKNOWN_MODEL_BATCH)
    _max_input_tokens: int | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_and_connect(self) -> Self:
        """Check the settings against the catalogue, then build the SDK clients."""
        self._apply_catalogue()
        self._connect()
        return self

    def _apply_catalogue(self) -> None:
        clash = sorted(_OWN_FIELDS & set(self.model_kwargs))
        if clash:
            msg = (
                f"model_kwargs may not set {', '.join(clash)}: pass model=... and "
                "dimensions=... as arguments (DashScope returns floats only, so "
                "encoding_format is always 'float')."
            )
            raise ValueError(msg)
        info: model_kinds.EmbeddingModelInfo | None = None
        if self.validate_model:
            if self._checks_catalogue:
                info = model_kinds.check_embedding_model(self.model, self.region)
            else:
                # Any name may be served elsewhere, but a known model keeps its rules.
                info = model_kinds.embedding_model(self.model)
        if info is not None:
            self._max_batch = info.max_batch
            self._max_input_tokens = info.max_input_tokens
            if (
                self.dimensions is not None
                and info.dimensions is not None
                and self.dimensions not in info.dimensions
            ):
                values = ", ".join(str(d) for d in info.dimensions)
                msg = (
                    f"{self.model} does not take dimensions={self.dimensions}: "
                    f"pick one of {values} (default {info.default_dimensions}). "
                    "If the catalogue is out of date, pass validate_model=False."
                )
                raise ValueError(msg)
            if self.batch_size is not None and self.batch_size > info.max_batch:
                msg = (
                    f"batch_size (chunk_size)={self.batch_size} is more than "
                    f"{self.model} "
                    f"takes in one request ({info.max_batch}): drop batch_size, "
                    f"or pass at most {info.max_batch}."
                )
                raise ValueError(msg)
        if self.batch_size is not None:
            self._max_batch = self.batch_size

    # -- the requests ---------------------------------------------------------

    def _batches(self, texts: Sequence[str]) -> list[list[str]]:
        """Check every text, then cut the list into request-sized batches."""
        limit = self._max_input_tokens
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                msg = f"texts[{i}] is a {type(text).__name__}, not a string."
                raise TypeError(msg)
            if not text:
                msg = (
                    f"texts[{i}] is empty, and DashScope refuses empty input: drop "
                    "empty texts before embedding them."
                )
                raise ValueError(msg)
            if (
                limit is not None
                and self.check_embedding_ctx_length
                and (least := least_tokens([text], self.model, limit)) is not None
            ):
                msg = (
                    f"texts[{i}] has at least {least} tokens, longer than the "
                    f"{limit} tokens {self.model} embeds in one text: split it "
                    "into smaller chunks (for example with a text splitter) first."
                )
                raise ValueError(msg)
        size = self._max_batch
        return [list(texts[i : i + size]) for i in range(0, len(texts), size)]

    def _body(self, batch: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "input": batch,
            "encoding_format": "float",
        }
        if self.dimensions is not None:
            body["dimensions"] = self.dimensions
        body.update(self.model_kwargs)
        return body

    def _vectors(self, answer: Any, batch: list[str]) -> list[list[float]]:
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or len(data) != len(batch):
            got = len(data) if isinstance(data, list) else "no"
            msg = (
                f"{self.base_url} answered {len(batch)} texts with {got} "
                "embeddings; the answer cannot be matched to the input."
            )
            raise MalformedResponseError(msg)
        if not all(
            isinstance(item, dict) and isinstance(item.get("embedding"), list)
            for item in data
        ):
            msg = f"{self.base_url} answered with an embedding that is not a list."
            raise MalformedResponseError(msg)
        # DashScope numbers the vectors: place each by its index, not its position.
        ordered = sorted(data, key=lambda item: item.get("index", 0))
        return [item["embedding"] for item in ordered]

    def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        with translating(self._context):
            answer = post_json(self._client, "/embeddings", self._body(batch))
        return self._vectors(answer, batch)

    async def _aembed_batch(self, batch: list[str]) -> list[list[float]]:
        with translating(self._context):
            answer = await apost_json(
                self._async_client, "/embeddings", self._body(batch)
            )
        return self._vectors(answer, batch)

    # -- the Embeddings interface -------------------------------------------

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts, in batches sent concurrently; order preserved.

        Args:
            texts: The texts (none empty).

        Returns:
            One vector per text, in the same order (`[]` for no texts, with
            no request sent).

        Raises:
            ValueError: A text is empty or certainly over the model's limit.
        """
        batches = self._batches(texts)
        embed = self._embed_batch
        progress = self._progress(len(texts))
        if progress is not None:

            def embed(batch: list[str]) -> list[list[float]]:
                vectors = self._embed_batch(batch)
                progress.update(len(batch))
                return vectors

        try:
            if len(batches) <= 1 or self.max_concurrency == 1:
                results = [embed(batch) for batch in batches]
            else:
                workers = min(self.max_concurrency, len(batches))
                with ContextThreadPoolExecutor(max_workers=workers) as pool:
                    results = list(pool.map(embed, batches))
        finally:
            if progress is not None:
                progress.close()
        return [vector for result in results for vector in result]

    def _progress(self, total: int) -> Progress | None:
        if not self.show_progress_bar or not total:
            return None
        return Progress(total, desc="Embedding", unit="text")

    def embed_query(self, text: str) -> list[float]:
        """Embed one text (the same request as for a document).

        Args:
            text: The text.

        Returns:
            Its vector.
        """
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts asynchronously, in concurrent batches; order preserved.

        Args:
            texts: The texts (none empty).

        Returns:
            One vector per text, in the same order.

        Raises:
            ValueError: A text is empty or certainly over the model's limit.
        """
        batches = self._batches(texts)
        progress = self._progress(len(texts))

        async def embed(batch: list[str]) -> list[list[float]]:
            vectors = await self._aembed_batch(batch)
            if progress is not None:
                progress.update(len(batch))
            return vectors

        try:
            results = await _bounded(
                [partial(embed, batch) for batch in batches], self.max_concurrency
            )
        finally:
            if progress is not None:
                progress.close()
        return [vector for result in results for vector in result]

    async def aembed_query(self, text: str) -> list[float]:
        """Embed one text asynchronously.

        Args:
            text: The text.

        Returns:
            Its vector.
        """
        return (await self.aembed_documents([text]))[0]


async def _bounded(calls: list[Callable[[], Awaitable[_T]]], limit: int) -> list[_T]:
    """Run the calls with at most `limit` in flight; results in call order.

    On the first failure the calls still running are cancelled and it is raised.
    """
    if len(calls) <= 1:
        return [await call() for call in calls]
    gate = asyncio.Semaphore(limit)

    async def run(call: Callable[[], Awaitable[_T]]) -> _T:
        async with gate:
            return await call()

    tasks = [asyncio.ensure_future(run(call)) for call in calls]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
