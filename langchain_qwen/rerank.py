"""`QwenRerank`: DashScope's rerank models as a LangChain document compressor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import Callbacks
from langchain_core.documents import BaseDocumentCompressor, Document
from langchain_core.load.serializable import Serializable
from pydantic import Field, PrivateAttr, model_validator
from typing_extensions import Self

from langchain_qwen._dashscope.service import (
    DashScopeService,
    apost_json,
    min_tokens,
    post_json,
    surely_over,
)
from langchain_qwen._dashscope.stream_guard import translating
from langchain_qwen.catalogue import kinds as model_kinds
from langchain_qwen.errors import MalformedResponseError
from langchain_qwen.regions import COMPAT_PATH

RERANK_PATH = "/compatible-api/v1"
"""The base path of DashScope's compatible rerank API (not `/compatible-mode/v1`)."""

# The region's rerank model when none is given (the catalogue's text model).
_DEFAULT_MODELS = {"singapore": "qwen3-rerank", "beijing": "gte-rerank-v2"}
_DEFAULT_MODEL = "qwen3-rerank"

_OWN_FIELDS = frozenset({"model", "query", "documents", "top_n", "instruct"})


def rerank_base_url(base_url: str) -> str:
    """The rerank base URL beside an OpenAI-compatible chat base URL.

    Args:
        base_url: A resolved base URL (e.g. `.../compatible-mode/v1`).

    Returns:
        The same host with `/compatible-api/v1`; any other URL unchanged.
    """
    url = base_url.rstrip("/")
    if url.endswith(COMPAT_PATH):
        return url[: -len(COMPAT_PATH)] + RERANK_PATH
    return url


class QwenRerank(DashScopeService, BaseDocumentCompressor, Serializable):
    """Qwen rerank models on Alibaba Cloud Model Studio (DashScope).

    Scores documents against a query on DashScope's OpenAI-compatible
    `/compatible-api/v1/reranks` endpoint, with `ChatQwen`'s regions, key
    rules, workspace domains, typed errors and retry policy, and returns the
    best `top_n` with their score in `metadata["relevance_score"]`, best
    first. The model's documented limits (for `qwen3-rerank`: 500 documents,
    4,000 tokens for the query and each document, 120,000 a request) are
    checked before sending.

    Setup:
        Install `langchain-qwen` and set `DASHSCOPE_API_KEY` to a Model Studio
        key of the region you use (`DASHSCOPE_REGION`, Singapore by default).

        ```bash
        pip install -U langchain-qwen
        export DASHSCOPE_API_KEY="sk-..."
        ```

    Key init args — rerank params:
        model:
            `"qwen3-rerank"` (Singapore, the default there), or in Beijing
            `"gte-rerank-v2"` (the default there) or `"qwen3-vl-rerank"`.
            `gte-rerank` was retired on 2026-05-30 and is refused.
        top_n:
            How many documents to keep (default 3; `None` keeps all).
        instruct:
            A task instruction for `qwen3-rerank`, e.g. `"Retrieve
            semantically similar text."`.

    Key init args — client params:
        region, workspace_id, api_key, base_url:
            As for `ChatQwen`; the rerank base path is derived from the
            resolved endpoint's host.
        validate_model:
            Check the model and the documents' limits against the catalogue
            (default `True`).
        timeout, max_retries, default_headers, http_client, http_async_client:
            As in `ChatOpenAI`. Quota and billing errors are never retried.
        model_kwargs:
            Extra fields sent in every request body.

    Instantiate:
        ```python
        from langchain_qwen import QwenRerank

        reranker = QwenRerank(top_n=3)
        reranker = QwenRerank(region="beijing")  # gte-rerank-v2
        ```

    Compress documents:
        ```python
        from langchain_core.documents import Document

        docs = [Document("Qwen is made by Alibaba Cloud."), Document("Paris.")]
        best = reranker.compress_documents(docs, query="Who makes Qwen?")
        best[0].metadata["relevance_score"]
        ```

    Scores only:
        ```python
        reranker.rerank(["doc one", "doc two"], query="...", top_n=1)
        # [{"index": 0, "relevance_score": 0.91}]
        ```

    Async:
        ```python
        best = await reranker.acompress_documents(docs, query="Who makes Qwen?")
        ```

    In a retriever:
        ```python
        from langchain_classic.retrievers import ContextualCompressionRetriever

        retriever = ContextualCompressionRetriever(
            base_compressor=reranker, base_retriever=store.as_retriever(k=20)
        )
        ```
    """

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """Where `loads` finds the class: `langchain_qwen.rerank`."""
        return ["langchain_qwen", "rerank"]

    model: str = _DEFAULT_MODEL
    """The rerank model (the region's default when not given)."""

    top_n: int | None = Field(default=3, ge=1)
    """Documents to keep, best first; `None` keeps all."""

    instruct: str | None = None
    """A ranking task instruction (`qwen3-rerank`)."""

    return_documents: bool = False
    """Add each document's text to `rerank`'s results, as
    `{"document": {"text": ...}}` (DashScope's shape; filled in from the input,
    nothing more is asked of the server)."""

    _api = "rerank"

    _info: model_kinds.RerankModelInfo | None = PrivateAttr(default=None)

    @classmethod
    def _base_url_for(cls, compat_base_url: str) -> str:
        return rerank_base_url(compat_base_url)

    @classmethod
    def _default_model_for(cls, region: str | None) -> str | None:
        return _DEFAULT_MODELS.get(region or "", _DEFAULT_MODEL)

    @model_validator(mode="after")
    def _check_and_connect(self) -> Self:
        """Check the model against the catalogue, then build the SDK clients."""
        clash = sorted(_OWN_FIELDS & set(self.model_kwargs))
        if clash:
            msg = (
                f"model_kwargs may not set {', '.join(clash)}: pass them as "
                "arguments (model=, top_n=, instruct=) or to compress_documents."
            )
            raise ValueError(msg)
        if self.validate_model:
            if self._checks_catalogue:
                self._info = model_kinds.check_rerank_model(self.model, self.region)
            else:
                self._info = model_kinds.rerank_model(self.model)
                if self._info is not None and self._info.status() == "retired":
                    model_kinds.check_rerank_model(self.model, None)
        self._connect()
        return self

    # -- requests -------------------------------------------------------------

    def _check(self, texts: Sequence[str], query: str) -> None:
        if not isinstance(query, str) or not query:
            msg = "The rerank query is empty: pass the question to rank against."
            raise ValueError(msg)
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text:
                msg = (
                    f"documents[{i}] has no text, and a reranker cannot score it: "
                    "drop empty documents first."
                )
                raise ValueError(msg)
        info = self._info
        if info is None:
            return
        if info.max_documents is not None and len(texts) > info.max_documents:
            msg = (
                f"{len(texts)} documents are more than {self.model} ranks in one "
                f"request ({info.max_documents}): retrieve fewer candidates (for "
                f"example k={info.max_documents} or less), or rank them in parts."
            )
            raise ValueError(msg)
        per_text = info.max_document_tokens
        if per_text is not None:
            if surely_over(query, per_text):
                msg = (
                    f"The query is longer than the {per_text} tokens {self.model} "
                    "takes: shorten it."
                )
                raise ValueError(msg)
            for i, text in enumerate(texts):
                if surely_over(text, per_text):
                    msg = (
                        f"documents[{i}] ({len(text)} characters) is longer than "
                        f"the {per_text} tokens {self.model} takes for one "
                        "document: split documents into smaller chunks first."
                    )
                    raise ValueError(msg)
        total = info.max_request_tokens
        if total is not None and len(query) + sum(map(len, texts)) > total:
            least = min_tokens(query) + sum(map(min_tokens, texts))
            if least > total:
                msg = (
                    f"The documents hold more than the {total} tokens {self.model} "
                    "takes in one request: pass fewer or shorter documents."
                )
                raise ValueError(msg)

    def _body(self, texts: Sequence[str], query: str, top_n: int | None) -> dict:
        body: dict[str, Any] = {
            "model": self.model,
            "query": query,
            "documents": list(texts),
        }
        if top_n is not None:
            body["top_n"] = top_n
        if self.instruct is not None:
            body["instruct"] = self.instruct
        body.update(self.model_kwargs)
        return body

    def _results(self, answer: Any, count: int) -> list[dict[str, Any]]:
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list):
            msg = f"{self.base_url} answered a rerank without a results list."
            raise MalformedResponseError(msg)
        ranked = []
        for item in results:
            index = item.get("index") if isinstance(item, dict) else None
            score = item.get("relevance_score") if isinstance(item, dict) else None
            if not isinstance(index, int) or not 0 <= index < count:
                msg = f"{self.base_url} answered a rerank with a bad index: {index!r}."
                raise MalformedResponseError(msg)
            if not isinstance(score, int | float):
                msg = f"{self.base_url} answered a rerank without a score: {item!r}."
                raise MalformedResponseError(msg)
            ranked.append({"index": index, "relevance_score": float(score)})
        # Best first, whatever order the server used (stable for ties).
        ranked.sort(key=lambda r: -r["relevance_score"])
        return ranked

    def _documents(
        self, ranked: list[dict[str, Any]], texts: Sequence[str]
    ) -> list[dict[str, Any]]:
        if self.return_documents:
            for item in ranked:
                item["document"] = {"text": texts[item["index"]]}
        return ranked

    def _prepare(
        self, documents: Sequence[str | Document], query: str, top_n: int | None
    ) -> tuple[list[str], int | None]:
        texts = [d.page_content if isinstance(d, Document) else d for d in documents]
        if top_n is not None and top_n < 1:
            msg = f"top_n must be at least 1 (or None for all), got {top_n}."
            raise ValueError(msg)
        self._check(texts, query)
        return texts, top_n

    def rerank(
        self,
        documents: Sequence[str | Document],
        query: str,
        *,
        top_n: int | None = -1,
    ) -> list[dict[str, Any]]:
        """Score documents against a query.

        Args:
            documents: Texts or `Document`s.
            query: The query.
            top_n: How many to return; the instance's `top_n` when not given,
                `None` for all.

        Returns:
            `{"index": ..., "relevance_score": ...}` dicts, best first (`[]`
            for no documents, with no request sent).
        """
        if not documents:
            return []
        chosen = self.top_n if top_n == -1 else top_n
        texts, chosen = self._prepare(documents, query, chosen)
        with translating(self._context):
            answer = post_json(
                self._client, "/reranks", self._body(texts, query, chosen)
            )
        return self._documents(self._results(answer, len(texts)), texts)

    async def arerank(
        self,
        documents: Sequence[str | Document],
        query: str,
        *,
        top_n: int | None = -1,
    ) -> list[dict[str, Any]]:
        """Score documents against a query, asynchronously.

        Args:
            documents: Texts or `Document`s.
            query: The query.
            top_n: How many to return; the instance's `top_n` when not given,
                `None` for all.

        Returns:
            `{"index": ..., "relevance_score": ...}` dicts, best first.
        """
        if not documents:
            return []
        chosen = self.top_n if top_n == -1 else top_n
        texts, chosen = self._prepare(documents, query, chosen)
        with translating(self._context):
            answer = await apost_json(
                self._async_client, "/reranks", self._body(texts, query, chosen)
            )
        return self._documents(self._results(answer, len(texts)), texts)

    @staticmethod
    def _scored(
        documents: Sequence[Document], ranked: list[dict[str, Any]]
    ) -> list[Document]:
        out = []
        for result in ranked:
            doc = documents[result["index"]]
            metadata = {**doc.metadata, "relevance_score": result["relevance_score"]}
            out.append(Document(doc.page_content, metadata=metadata, id=doc.id))
        return out

    def compress_documents(
        self,
        documents: Sequence[Document],
        query: str,
        callbacks: Callbacks | None = None,
    ) -> Sequence[Document]:
        """Keep the `top_n` documents most relevant to the query, best first.

        Args:
            documents: The candidates.
            query: The query.
            callbacks: Unused (the retriever reports the call).

        Returns:
            Copies of the best documents, each with `relevance_score` added to
            its metadata (the input documents are not changed).
        """
        return self._scored(documents, self.rerank(documents, query))

    async def acompress_documents(
        self,
        documents: Sequence[Document],
        query: str,
        callbacks: Callbacks | None = None,
    ) -> Sequence[Document]:
        """Keep the `top_n` most relevant documents, asynchronously.

        Args:
            documents: The candidates.
            query: The query.
            callbacks: Unused (the retriever reports the call).

        Returns:
            Copies of the best documents with `relevance_score` in metadata.
        """
        return self._scored(documents, await self.arerank(documents, query))
