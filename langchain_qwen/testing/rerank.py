"""The loopback server's `/reranks` route, in DashScope's shapes.

Scores are deterministic: the share of the query's content words (see
`testing.embeddings.content_words`) that a document contains, so a document
that shares more of the query's words ranks higher; ties keep input order. The route
enforces the documented limits of the model with 400 answers in DashScope's
error envelope (too many documents, an empty query or document list, a bad
`top_n`). The answer is the documented compatible shape: `id`, `object`,
`model`, `results` (`index`, `relevance_score`, and `document` when
`return_documents` is true) and `usage.total_tokens`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_qwen.catalogue import kinds as model_kinds
from langchain_qwen.testing._replies import RecordedRequest, Reply, error_reply
from langchain_qwen.testing._server import BUILTIN_ROUTES
from langchain_qwen.testing.completions import _estimate_tokens
from langchain_qwen.testing.embeddings import content_words

if TYPE_CHECKING:
    from langchain_qwen.testing._server import DashScopeServer, Route

RERANK_PATHS: tuple[str, ...] = ("/compatible-api/v1/reranks",)
"""The path that answers reranks (DashScope's `compatible-api` base)."""


def rerank_score(query: str, document: str) -> float:
    """The relevance score the loopback server gives a document.

    Args:
        query: The query.
        document: The document text.

    Returns:
        The share of the query's content words found in the document, in
        `[0, 1]`.
    """
    q = set(content_words(query))
    if not q:
        return 0.0
    return len(q & set(content_words(document))) / len(q)


def _invalid(message: str) -> Reply:
    return error_reply(400, "InvalidParameter", message, type="invalid_request_error")


def rerank_route(request: RecordedRequest) -> Reply:
    """Answer one `/reranks` request as DashScope's compatible endpoint would.

    Args:
        request: The request.

    Returns:
        The ranked results, or a DashScope-style error.
    """
    body = request.body
    if request.method != "POST" or not isinstance(body, Mapping):
        return _invalid("Required body invalid, please check the request body format.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return _invalid("Model not specified: the 'model' field is required.")
    info = model_kinds.rerank_model(model)
    if info is not None and info.status() == "retired":
        return error_reply(
            404,
            "ModelNotFound",
            f"Model not exist: {model}",
            type="invalid_request_error",
        )
    query = body.get("query")
    documents: Any = body.get("documents")
    if not isinstance(query, str) or not query:
        return _invalid("Value error, query can not be empty: query")
    if not isinstance(documents, list) or not documents:
        return _invalid("Value error, documents can not be empty: documents")
    if not all(isinstance(doc, str) for doc in documents):
        return _invalid("Value error, each document must be a string: documents")
    if info is not None and info.max_documents and len(documents) > info.max_documents:
        return _invalid(
            f"Value error, the number of documents should not be larger than "
            f"{info.max_documents}: documents"
        )
    top_n = body.get("top_n", len(documents))
    if not isinstance(top_n, int) or isinstance(top_n, bool) or top_n < 1:
        return _invalid("Value error, top_n must be a positive integer: top_n")
    scored = sorted(
        ((rerank_score(query, doc), i) for i, doc in enumerate(documents)),
        key=lambda pair: (-pair[0], pair[1]),
    )[:top_n]
    with_docs = body.get("return_documents") is True
    results = []
    for score, i in scored:
        item: dict[str, Any] = {"index": i, "relevance_score": score}
        if with_docs:
            item = {"document": {"text": documents[i]}, **item}
        results.append(item)
    tokens = _estimate_tokens(query) * len(documents) + sum(
        _estimate_tokens(doc) for doc in documents
    )
    request_id = str(uuid.uuid4())
    answer = {
        "id": request_id,
        "object": "list",
        "model": model,
        "results": results,
        "usage": {"total_tokens": tokens},
    }
    payload = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
    return Reply(body=payload.encode(), request_id=request_id)


def _routes(_: DashScopeServer) -> Mapping[str, Route]:
    return dict.fromkeys(RERANK_PATHS, rerank_route)


BUILTIN_ROUTES.append(_routes)
