"""The loopback server's `/embeddings` route, in DashScope's shapes.

Vectors are deterministic and carry meaning a test can rely on: each content
word of a text (`content_words`) stands for a fixed pseudo-random direction,
and the text's vector is the normalised sum of its words' directions, so texts
that share words are close and a vector store finds them. The route enforces DashScope's
limits with 400 answers in its error envelope: more texts than the model takes
in one call, a `dimensions` the model does not take, an empty or over-long
input. (The envelope is DashScope's; the messages are this server's own.)
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_qwen.catalogue import kinds as model_kinds
from langchain_qwen.testing._replies import RecordedRequest, Reply, error_reply
from langchain_qwen.testing._server import BUILTIN_ROUTES
from langchain_qwen.testing.completions import _estimate_tokens

if TYPE_CHECKING:
    from langchain_qwen.testing._server import DashScopeServer, Route

EMBEDDINGS_PATHS: tuple[str, ...] = (
    "/compatible-mode/v1/embeddings",
    "/v1/embeddings",
)
"""Paths that answer embeddings: DashScope's, and a self-hosted-style one."""

# A model the catalogue does not know gets the limits of text-embedding-v4.
_FALLBACK = "text-embedding-v4"
_WORDS = re.compile(r"\w+")
# Common English words, left out so that shared content decides closeness.
_STOP_TEXT = (
    "the and for are but not you your was were has have had with this that "
    "from what when who how can does did its into they them their there then "
    "than will would should could about which also"
)
_STOP = frozenset(_STOP_TEXT.split(" "))


def content_words(text: str) -> list[str]:
    """The words the loopback embeddings and reranker compare.

    Args:
        text: Any text.

    Returns:
        Its words, lower-cased, with a trailing `s` dropped (a crude stem),
        leaving out words under three characters and common English words.
    """
    words = (w.lower() for w in _WORDS.findall(text))
    return [
        w[:-1] if len(w) > 3 and w.endswith("s") else w
        for w in words
        if len(w) >= 3 and w not in _STOP
    ]


@functools.lru_cache(maxsize=65536)
def _direction(word: str, dims: int) -> tuple[float, ...]:
    seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
    rng = random.Random(seed)  # noqa: S311 - test vectors, not cryptography
    return tuple(rng.gauss(0.0, 1.0) for _ in range(dims))


@functools.lru_cache(maxsize=4096)
def _vector_json(text: str, dims: int) -> str:
    words = content_words(text) or [text]
    total = [0.0] * dims
    for word in words:
        for i, x in enumerate(_direction(word, dims)):
            total[i] += x
    norm = math.sqrt(sum(x * x for x in total)) or 1.0
    return json.dumps([x / norm for x in total])


def embedding_vector(text: str, dimensions: int = 1024) -> list[float]:
    """The vector the loopback server returns for `text`.

    Args:
        text: The input text.
        dimensions: The vector size.

    Returns:
        A unit vector: the normalised sum of one fixed direction per word.
    """
    return json.loads(_vector_json(text, dimensions))


def _invalid(message: str) -> Reply:
    return error_reply(400, "InvalidParameter", message, type="invalid_request_error")


def embeddings_route(request: RecordedRequest) -> Reply:
    """Answer one `/embeddings` request as DashScope's compatible endpoint would.

    Args:
        request: The request.

    Returns:
        The embeddings, or a DashScope-style error.
    """
    body = request.body
    if request.method != "POST" or not isinstance(body, Mapping):
        return _invalid("Required body invalid, please check the request body format.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return _invalid("Model not specified: the 'model' field is required.")
    info = model_kinds.embedding_model(model) or model_kinds.embedding_model(_FALLBACK)
    assert info is not None
    texts: Any = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts:
        return _invalid("Value error, contents can not be empty: input")
    if len(texts) > info.max_batch:
        return _invalid(
            f"Value error, batch size is invalid, it should not be larger than "
            f"{info.max_batch}.: input"
        )
    for text in texts:
        if not isinstance(text, str) or not text:
            return _invalid("Value error, each input must be a non-empty string: input")
        if _estimate_tokens(text) > info.max_input_tokens:
            return _invalid(
                f"Range of input length should be [1, {info.max_input_tokens}]"
            )
    dims = body.get("dimensions", info.default_dimensions or 1024)
    if not isinstance(dims, int) or (
        info.dimensions is not None and dims not in info.dimensions
    ):
        allowed = ", ".join(str(d) for d in info.dimensions or ())
        return _invalid(
            f"Value error, dimension is invalid, it should be one of {allowed}: "
            "dimensions"
        )
    tokens = sum(_estimate_tokens(text) for text in texts)
    request_id = str(uuid.uuid4())
    # Assembled from cached JSON fragments: a bench must measure the client.
    data = ",".join(
        f'{{"embedding":{_vector_json(text, dims)},"index":{i},"object":"embedding"}}'
        for i, text in enumerate(texts)
    )
    usage = json.dumps({"prompt_tokens": tokens, "total_tokens": tokens})
    payload = (
        f'{{"data":[{data}],"model":{json.dumps(model)},"object":"list",'
        f'"usage":{usage},"id":"{request_id}"}}'
    )
    return Reply(body=payload.encode(), request_id=request_id)


def _routes(_: DashScopeServer) -> Mapping[str, Route]:
    return dict.fromkeys(EMBEDDINGS_PATHS, embeddings_route)


BUILTIN_ROUTES.append(_routes)
