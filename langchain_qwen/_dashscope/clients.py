"""The `openai` SDK clients of a `ChatQwen`, taught three DashScope facts.

`BaseChatOpenAI.validate_environment` builds an `openai.OpenAI` and an
`openai.AsyncOpenAI` (on the shared, cached httpx clients). `install` then
switches those two objects to the subclasses below, which differ only in:

- the retry decision: quota and billing errors are never retried, even as 429
  (`_retry.retry_decision`); everything else keeps the SDK's policy and backoff;
- error bodies are read before that decision, so that a streamed request's
  error code can be seen (the SDK reads them anyway before raising);
- the SSE decoder: a stream whose body ends without `data: [DONE]` (a Responses
  API stream: without its final `response.completed` event) raises, as a
  connection cut short would, instead of ending as if it were complete;
- the request URL (`_prepare_url`) is joined once per path and base URL, not
  on every call, and a plain JSON POST is built without the SDK's round trip
  through strings (`_build_plain`).

The switch keeps everything the parent set up (http clients, proxies, headers,
timeouts, `max_retries`) and survives `with_options()`, which copies the class.
Clients the user passed in are left alone.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import openai
from openai import _base_client as _sdk_client

from langchain_qwen._dashscope.retry import parse_body, retry_decision, waits_too_long

# The SDK's own HTTP library: httpx2 for openai>=3, httpx before. Which one is
# installed says nothing (both can be: other packages bring httpx2), so ask it.
if hasattr(_sdk_client, "httpx2"):
    import httpx2 as _httpx
else:  # pragma: no cover - openai<3
    import httpx as _httpx  # type: ignore[no-redef]

_log = logging.getLogger(__name__)

# The `x-request-id` of the last successful response in this context ("" when
# it had none); `None` until a call's response arrives. Streams read it to tell
# "the response had started" from "the request never got an answer", and to
# name the request in an error sent inside the stream.
# The headers of the last successful response; the id is read from them only
# when an error needs it (decoding headers costs more than keeping them).
_RESPONSE_HEADERS: ContextVar[Any] = ContextVar(
    "langchain_qwen_response_headers", default=None
)


def reset_response_id() -> None:
    """Forget the last response of this context (call at the start of a stream)."""
    _RESPONSE_HEADERS.set(None)


def response_id() -> str | None:
    """The last response's request id in this context, `""` if it had none.

    Returns:
        `None` if no successful response arrived since `reset_response_id`.
    """
    headers = _RESPONSE_HEADERS.get()
    if headers is None:
        return None
    return headers.get("x-request-id") or ""


class StreamEndedWithoutDone(_httpx.RemoteProtocolError):
    """The SSE body ended without `data: [DONE]`.

    A transport error, so that the SDK reports it as it reports any stream cut
    short (`openai.APIConnectionError`).
    """

    qwen_missing_done = True


class _DoneRequiredDecoder:
    """Wrap the SDK's SSE decoder; raise if the events run out before [DONE].

    The SDK stops reading at `[DONE]`, so the code after the loop runs only
    when the body ended without it. A normal stream pays for one delegation
    per event and nothing else.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def iter_bytes(self, iterator: Iterator[bytes]) -> Iterator[Any]:
        yield from self._inner.iter_bytes(iterator)
        msg = "the server closed the stream without data: [DONE]"
        raise StreamEndedWithoutDone(msg)

    async def aiter_bytes(self, iterator: AsyncIterator[bytes]) -> AsyncIterator[Any]:
        async for event in self._inner.aiter_bytes(iterator):
            yield event
        msg = "the server closed the stream without data: [DONE]"
        raise StreamEndedWithoutDone(msg)


# Responses API streams end with a final event, not `data: [DONE]`.
_FINAL_RESPONSE_EVENTS = frozenset(
    {"response.completed", "response.incomplete", "response.failed", "error"}
)
_FINAL_EVENT_STREAM: ContextVar[bool] = ContextVar(
    "langchain_qwen_final_event_stream", default=False
)


@contextmanager
def final_event_stream() -> Iterator[None]:
    """Streams opened in this block end with a final Responses event, not [DONE].

    Yields:
        Nothing; the streams the block opens are checked for a final event.
    """
    token = _FINAL_EVENT_STREAM.set(True)
    try:
        yield
    finally:
        _FINAL_EVENT_STREAM.reset(token)


def _event_type(event: Any) -> str | None:
    if event.event:
        return event.event
    try:  # unnamed events: the type inside the data
        data = json.loads(event.data)
    except ValueError:
        return None
    return data.get("type") if isinstance(data, dict) else None


class _FinalEventRequiredDecoder:
    """Raise if a Responses stream's body ends before its final event."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def iter_bytes(self, iterator: Iterator[bytes]) -> Iterator[Any]:
        last = None
        for event in self._inner.iter_bytes(iterator):
            last = _event_type(event)
            yield event
        if last not in _FINAL_RESPONSE_EVENTS:
            msg = "the server closed the stream before response.completed"
            raise StreamEndedWithoutDone(msg)

    async def aiter_bytes(self, iterator: AsyncIterator[bytes]) -> AsyncIterator[Any]:
        last = None
        async for event in self._inner.aiter_bytes(iterator):
            last = _event_type(event)
            yield event
        if last not in _FINAL_RESPONSE_EVENTS:
            msg = "the server closed the stream before response.completed"
            raise StreamEndedWithoutDone(msg)


def _sse_decoder(inner: Any) -> Any:
    if _FINAL_EVENT_STREAM.get():
        return _FinalEventRequiredDecoder(inner)
    return _DoneRequiredDecoder(inner)


def _should_not_retry(response: Any) -> bool:
    if waits_too_long(response.headers.get("retry-after")):
        # openai>=3 says no by itself; older SDKs would retry within seconds.
        _log.debug("not retrying HTTP %s: Retry-After too long", response.status_code)
        return True
    try:
        content = response.content
    except Exception:  # body not read (older SDKs): no opinion
        return False
    if retry_decision(response.status_code, parse_body(content)) is False:
        _log.debug(
            "not retrying HTTP %s: a quota or billing error", response.status_code
        )
        return True
    return False


def _note_response(response: Any) -> None:
    if response.status_code < 400:
        _RESPONSE_HEADERS.set(response.headers)


def _prepared_url(client: Any, url: str, prepare: Any) -> Any:
    """The SDK's `_prepare_url`, remembered per client, path and base URL.

    Parsing and joining the URL cost about 45 us a call; an `httpx.URL` is
    immutable, and a changed `base_url` is a new object, so the cache is keyed
    on that object's identity and never serves a stale URL.
    """
    base = client._base_url
    cache = client.__dict__.setdefault("_qwen_urls", {})
    hit = cache.get(url)
    if hit is not None and hit[0] is base:
        return hit[1]
    prepared = prepare(url)
    if len(cache) < 64:  # paths are a handful; never grow without bound
        cache[url] = (base, prepared)
    return prepared


try:  # The SDK's pieces of `_build_request`, where this SDK has them.
    from openai._base_client import log as _sdk_log
    from openai._httpx2 import (
        is_httpx2_async_client,
        is_httpx2_sync_client,
        normalize_httpx2_timeout,
    )
    from openai._types import NotGiven
    from openai._utils._json import openapi_dumps
except ImportError:  # pragma: no cover - other SDKs keep their own build
    _PLAIN_BUILD = False
else:
    _PLAIN_BUILD = True


def _build_plain(client: Any, options: Any, retries_taken: int, build: Any) -> Any:
    """The SDK's `_build_request` for a plain JSON POST, with fewer round trips.

    The SDK turns its headers into a list and the URL into a string, which
    httpx's `build_request` then parses back and merges with the client's
    (about 80 us a call). For a request with no query, files, multipart,
    extra body or cookies, this builds the same `httpx.Request` (method, URL,
    headers in order, body bytes, timeout) from the SDK's own headers
    (`_build_headers`, so auth, retry count and timeout headers stay the
    SDK's) and the client's. Everything else, and debug logging (the SDK logs
    here), goes to `build`. `tests/unit_tests/test_clients_build.py` compares
    the two.
    """
    http = client._client
    sync = isinstance(client, openai.OpenAI)
    is_ours = is_httpx2_sync_client if sync else is_httpx2_async_client
    if (
        options.files is not None
        or options.content is not None
        or options.extra_json is not None
        or options.params
        or options.method.lower() == "get"
        or not is_ours(http)
        or http.cookies
        or http.params
        or client.default_query
        or client._auth_query(options.security)
        or _sdk_log.isEnabledFor(logging.DEBUG)
    ):
        return build(options, retries_taken=retries_taken)
    headers = client._build_headers(options, retries_taken=retries_taken)
    if headers.get("Content-Type", "").startswith("multipart/form-data"):
        return build(options, retries_taken=retries_taken)
    json_data = options.json_data
    if json_data is None or isinstance(json_data, NotGiven):
        content = None
    elif isinstance(json_data, bytes):
        content = json_data
    else:
        content = openapi_dumps(json_data)
    merged = _httpx.Headers(http.headers)
    merged.update(headers)
    timeout = options.timeout
    if isinstance(timeout, NotGiven):
        timeout = client.timeout
    return _httpx.Request(
        options.method,
        client._prepare_url(options.url),
        content=content,
        headers=merged,
        extensions={
            "timeout": _httpx.Timeout(normalize_httpx2_timeout(timeout)).as_dict()
        },
    )


def _real_chat(client: Any) -> Any:
    """The SDK's own `client.chat`, built (and imported) on first need."""
    real = client.__dict__.get("chat")
    if real is None:
        base = (
            openai.OpenAI if isinstance(client, openai.OpenAI) else openai.AsyncOpenAI
        )
        # The SDK's cached_property: computes `Chat(client)` and keeps it.
        real = base.__dict__["chat"].__get__(client, type(client))
    return real


class _LazyChat:
    """`client.chat` until something other than `.completions` is asked of it.

    langchain-openai's validator keeps `root_client.chat.completions` as
    `client`; building it imports the SDK's chat resources, streaming and
    parsing helpers (19 modules, about 1.3 MB), which the lean path never
    uses. This and `_LazyCompletions` stand in until an attribute is read.
    """

    __slots__ = ("_client",)

    def __init__(self, client: Any) -> None:
        self._client = client

    @property
    def completions(self) -> Any:
        real = self._client.__dict__.get("chat")
        return real.completions if real is not None else _LazyCompletions(self._client)

    def __getattr__(self, name: str) -> Any:
        return getattr(_real_chat(self._client), name)


class _LazyCompletions:
    """`client.chat.completions`, built on first use (see `_LazyChat`)."""

    __slots__ = ("_client",)

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(_real_chat(self._client).completions, name)

    # Patching `llm.client.create` (as tests do) patches the real resource.
    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_client":
            object.__setattr__(self, name, value)
        else:
            setattr(_real_chat(self._client).completions, name, value)

    def __delattr__(self, name: str) -> None:
        delattr(_real_chat(self._client).completions, name)

    def __repr__(self) -> str:
        # langchain-core reprs the model (and so this) for each run's tracing.
        real = self._client.__dict__.get("chat")
        if real is not None:
            return repr(real.completions)
        return f"<chat.completions of {type(self._client).__name__}, not yet loaded>"


def _chat(client: Any) -> Any:
    real = client.__dict__.get("chat")
    return real if real is not None else _LazyChat(client)


def _set_chat(client: Any, value: Any) -> None:
    # `chat` stays replaceable, as the SDK's cached_property is.
    client.__dict__["chat"] = value


def _del_chat(client: Any) -> None:
    client.__dict__.pop("chat", None)


_LAZY_CHAT = all(
    isinstance(cls.__dict__.get("chat"), functools.cached_property)
    for cls in (openai.OpenAI, openai.AsyncOpenAI)
)


class QwenOpenAI(openai.OpenAI):
    """`openai.OpenAI` with DashScope's retry policy and stream check."""

    if _LAZY_CHAT:
        chat = property(_chat, _set_chat, _del_chat)

    def _prepare_url(self, url: str) -> Any:
        return _prepared_url(self, url, super()._prepare_url)

    def _build_request(self, options: Any, *, retries_taken: int = 0) -> Any:
        if not _PLAIN_BUILD:  # pragma: no cover
            return super()._build_request(options, retries_taken=retries_taken)
        return _build_plain(self, options, retries_taken, super()._build_request)

    def _should_retry(self, response: Any) -> bool:
        if _should_not_retry(response):
            return False
        return super()._should_retry(response)

    def _send_request(self, request: Any, *, stream: bool, **kwargs: Any) -> Any:
        response = super()._send_request(request, stream=stream, **kwargs)
        if response.status_code >= 400:
            response.read()
        _note_response(response)
        return response

    def _make_sse_decoder(self) -> Any:
        return _sse_decoder(super()._make_sse_decoder())


class QwenAsyncOpenAI(openai.AsyncOpenAI):
    """`openai.AsyncOpenAI` with DashScope's retry policy and stream check."""

    if _LAZY_CHAT:
        chat = property(_chat, _set_chat, _del_chat)

    def _prepare_url(self, url: str) -> Any:
        return _prepared_url(self, url, super()._prepare_url)

    def _build_request(self, options: Any, *, retries_taken: int = 0) -> Any:
        if not _PLAIN_BUILD:  # pragma: no cover
            return super()._build_request(options, retries_taken=retries_taken)
        return _build_plain(self, options, retries_taken, super()._build_request)

    def _should_retry(self, response: Any) -> bool:
        if _should_not_retry(response):
            return False
        return super()._should_retry(response)

    async def _send_request(self, request: Any, *, stream: bool, **kwargs: Any) -> Any:
        response = await super()._send_request(request, stream=stream, **kwargs)
        if response.status_code >= 400:
            await response.aread()
        _note_response(response)
        return response

    def _make_sse_decoder(self) -> Any:
        return _sse_decoder(super()._make_sse_decoder())


def install(sync_client: Any, async_client: Any) -> None:
    """Switch SDK clients built by the parent to the DashScope-aware classes.

    Args:
        sync_client: The `root_client` (an `openai.OpenAI`, or `None`).
        async_client: The `root_async_client` (an `openai.AsyncOpenAI`).
    """
    # Exact types only: a subclass is someone's own client, with its own rules.
    if type(sync_client) is openai.OpenAI:
        sync_client.__class__ = QwenOpenAI
    if type(async_client) is openai.AsyncOpenAI:
        async_client.__class__ = QwenAsyncOpenAI
