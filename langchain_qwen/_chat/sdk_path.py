"""When the lean transport steps aside for the `openai` SDK's typed path.

The lean transport (`_chat.transport`) and the DashScope clients (`_dashscope.clients`)
lean on private parts of the `openai` SDK and of langchain-openai. Two things
send ChatQwen back to the SDK's own, public path instead:

- **Once per process: the private API is not the one they were written for.**
  Before the first client is switched (`install`), every private name they use
  is looked up and its parameters compared with the expected ones, and a
  request built the lean way is compared with the SDK's own build. If anything
  differs, no client is switched for the rest of the process (so every call
  takes the SDK's typed path, which uses only its public `create`), and one
  debug line says what differed. Calls keep working; they lose only the lean
  path's speed and DashScope's retry and stream-end rules.
- **Per call: someone is watching the SDK.** Tracing tools (OpenTelemetry's
  openai instrumentation, Langfuse, ddtrace, OpenLLMetry) wrap
  `Completions.create` / `AsyncCompletions.create`, and tests replace or patch
  `llm.client` (langchain-openai's own unit tests do). The lean transport
  never calls `create`, so it steps aside when `create` is not the SDK's own
  function or the model's clients are not the ones it was built with
  (`watched`). When nobody wraps anything this costs a few identity checks.

Not detected: a wrapper that rewrites the SDK function's bytecode in place
(the function object and its file stay the SDK's).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
import os
import sys
import types
from typing import Any

import openai

from langchain_qwen._dashscope import clients as _clients

_log = logging.getLogger(__name__)

_OPENAI_DIR = os.path.dirname(openai.__file__) + os.sep
_COMPLETIONS_MODULE = "openai.resources.chat.completions"
_CHAT_MODULE = "openai.resources.chat"
# The SDK resource's cached wrappers that langchain-openai (and tests) use.
_WRAPPERS = ("with_raw_response", "with_streaming_response")

_P = inspect.Parameter
_POS = _P.POSITIONAL_OR_KEYWORD
_KW = _P.KEYWORD_ONLY
_VAR_KW = _P.VAR_KEYWORD

# The SDK client methods `_clients` overrides or `_transport` calls, with the
# parameters (name, kind) they are called with. The same for both clients.
_CLIENT_METHODS: dict[str, tuple[tuple[str, Any], ...]] = {
    "_build_request": (("self", _POS), ("options", _POS), ("retries_taken", _KW)),
    "_build_headers": (("self", _POS), ("options", _POS), ("retries_taken", _KW)),
    "_prepare_url": (("self", _POS), ("url", _POS)),
    "_should_retry": (("self", _POS), ("response", _POS)),
    "_make_sse_decoder": (("self", _POS),),
    "_send_request": (
        ("self", _POS),
        ("request", _POS),
        ("stream", _KW),
        ("kwargs", _VAR_KW),
    ),
    "request": (
        ("self", _POS),
        ("cast_to", _POS),
        ("options", _POS),
        ("stream", _KW),
        ("stream_cls", _KW),
    ),
    "_auth_query": (("self", _POS), ("security", _POS)),
}
# langchain-openai's hooks the transport calls, with their parameters.
_PARENT_METHODS: dict[str, tuple[tuple[str, Any], ...]] = {
    "_create_chat_result": (
        ("self", _POS),
        ("response", _POS),
        ("generation_info", _POS),
    ),
    "_convert_chunk_to_generation_chunk": (
        ("self", _POS),
        ("chunk", _POS),
        ("default_chunk_class", _POS),
        ("base_generation_info", _POS),
    ),
    "_should_stream_usage": (
        ("self", _POS),
        ("stream_usage", _POS),
        ("kwargs", _VAR_KW),
    ),
    "_ensure_sync_client_available": (("self", _POS),),
}
# Keyword arguments the transport passes to `make_request_options`, and the
# fields of `FinalRequestOptions` it sets or reads.
_OPTION_ARGS = frozenset({"extra_headers", "extra_query", "extra_body", "timeout"})
_OPTION_FIELDS = frozenset(
    {"method", "url", "json_data", "content", "files", "params", "extra_json"}
    | {"headers", "timeout", "max_retries"}
)
# langchain-openai's module-level names the transport imports.
_PARENT_NAMES = {
    "langchain_openai.chat_models.base": (
        "_handle_openai_api_error",
        "_handle_openai_bad_request",
    ),
    "langchain_openai.chat_models._client_utils": ("StreamChunkTimeoutError",),
}
# Client attributes `_build_plain` and `use_lean` read.
_CLIENT_ATTRS = (
    "_client",
    "_base_url",
    "default_query",
    "timeout",
    "_strict_response_validation",
)


def _shape(func: Any) -> tuple[tuple[str, Any], ...] | None:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return None
    return tuple((p.name, p.kind) for p in params)


def _render(shape: tuple[tuple[str, Any], ...] | None) -> str:
    if shape is None:
        return "no signature"
    return "(" + ", ".join(name for name, _ in shape) + ")"


def _method_differences(
    owner: type, expected: dict[str, tuple[tuple[str, Any], ...]]
) -> list[str]:
    found = []
    for name, shape in expected.items():
        method = getattr(owner, name, None)
        if method is None:
            found.append(f"{owner.__name__}.{name} is missing")
            continue
        actual = _shape(method)
        if actual != shape:
            found.append(
                f"{owner.__name__}.{name}{_render(actual)}, expected {_render(shape)}"
            )
    return found


def _module_differences() -> list[str]:
    found = []
    try:
        from openai._base_client import make_request_options  # noqa: PLC0415
        from openai._models import FinalRequestOptions  # noqa: PLC0415
    except ImportError as err:
        return [f"cannot import {err.name or err}"]
    params = set(inspect.signature(make_request_options).parameters)
    if missing := sorted(_OPTION_ARGS - params):
        found.append(f"make_request_options lacks {', '.join(missing)}")
    fields = set(getattr(FinalRequestOptions, "model_fields", {}))
    if missing := sorted(_OPTION_FIELDS - fields):
        found.append(f"FinalRequestOptions lacks {', '.join(missing)}")
    for name in ("construct", "model_copy"):
        if not callable(getattr(FinalRequestOptions, name, None)):
            found.append(f"FinalRequestOptions.{name} is missing")
    for module, names in _PARENT_NAMES.items():
        try:
            loaded = importlib.import_module(module)
        except ImportError:
            found.append(f"cannot import {module}")
            continue
        found += [f"{module}.{n} is missing" for n in names if not hasattr(loaded, n)]
    return found


def _options(payload: dict[str, Any]) -> Any:
    """Request options for `payload`, as the SDK's `create` and `post` build them."""
    from openai._base_client import make_request_options  # noqa: PLC0415
    from openai._models import FinalRequestOptions  # noqa: PLC0415

    extra: dict[str, Any] = {k: payload[k] for k in _OPTION_ARGS if k in payload}
    if "security" in inspect.signature(make_request_options).parameters:
        extra["security"] = {"bearer_auth": True}
    return FinalRequestOptions.construct(
        method="post",
        url="/chat/completions",
        json_data={k: v for k, v in payload.items() if k not in _OPTION_ARGS},
        content=None,
        files=None,
        **make_request_options(**extra),
    )


def _seen(request: Any) -> tuple[Any, ...]:
    return (
        request.method,
        str(request.url),
        list(request.headers.multi_items()),
        request.read() if hasattr(request, "read") else request.content,
        request.extensions,
    )


def _build_differences(client: Any) -> list[str]:
    """Build one request the lean way and the SDK's way; compare them."""
    if missing := [a for a in _CLIENT_ATTRS if not hasattr(client, a)]:
        return [f"the client has no {', '.join(missing)}"]
    if not _clients._PLAIN_BUILD:
        # An SDK without the httpx2 helpers (openai<3): the clients' build
        # is the SDK's own `_build_request`, so there is nothing to compare.
        return []
    sdk_class = (
        openai.OpenAI if isinstance(client, openai.OpenAI) else openai.AsyncOpenAI
    )
    sdk_build = functools.partial(sdk_class._build_request, client)
    payload = {
        "model": "qwen-plus",
        "messages": [{"role": "user", "content": "probe ✓"}],
        "stream": True,
    }
    for case in (payload, {**payload, "extra_headers": {"X-Probe": "1"}}):
        lean = _clients._build_plain(client, _options(case), 1, sdk_build)
        sdk = sdk_build(_options(case), retries_taken=1)
        if _seen(lean) != _seen(sdk):
            return ["a request built the lean way differs from the SDK's own"]
    return []


def _differences(client: Any) -> list[str]:
    found = _module_differences()
    for owner in (openai.OpenAI, openai.AsyncOpenAI):
        found += _method_differences(owner, _CLIENT_METHODS)
    from langchain_openai.chat_models.base import BaseChatOpenAI  # noqa: PLC0415

    found += _method_differences(BaseChatOpenAI, _PARENT_METHODS)
    if not found and client is not None:
        try:
            found += _build_differences(client)
        except Exception as err:  # any failure to build is a difference
            found.append(f"building a request failed ({type(err).__name__}: {err})")
    return found


_VERDICT: list[bool] = []


def private_api_ok(client: Any = None) -> bool:
    """Whether the private SDK API the lean transport uses is as expected.

    Decided once per process, on the first call (with the first client to be
    switched, which builds the comparison request; nothing is sent). A
    difference is logged once, at debug level.

    Args:
        client: An `openai.OpenAI` or `openai.AsyncOpenAI` to build a probe
            request with (its class is not changed).

    Returns:
        `False` if ChatQwen must use the SDK's typed path in this process.
    """
    if _VERDICT:
        return _VERDICT[0]
    found = _differences(client)
    if found:
        _log.debug(
            "langchain_qwen uses the openai SDK's typed path in this process "
            "(openai %s): %s",
            getattr(openai, "__version__", "?"),
            "; ".join(found),
        )
    _VERDICT.append(not found)
    return not found


def install(sync_client: Any, async_client: Any) -> None:
    """Switch the parent's SDK clients to DashScope's, if the private API fits.

    Args:
        sync_client: The `root_client` to switch, or `None`.
        async_client: The `root_async_client` to switch, or `None`.
    """
    probe = sync_client if sync_client is not None else async_client
    if probe is None or not private_api_ok(probe):
        return
    _clients.install(sync_client, async_client)


# --------------------------------------------------------------------------
# Per call: is someone watching the SDK?
# --------------------------------------------------------------------------


def _is_sdk_function(func: Any) -> bool:
    """Whether `func` is a plain function of the SDK's (through its wrappers)."""
    for _ in range(8):  # the SDK's own `required_args` adds one layer
        if type(func) is not types.FunctionType:
            return False
        if not func.__code__.co_filename.startswith(_OPENAI_DIR):
            return False
        func = func.__dict__.get("__wrapped__")
        if func is None:
            return True
    return False


# The `create` functions last found to be the SDK's own, per class.
_OWN: dict[type, Any] = {}


def _create_is_own(cls: Any) -> bool:
    create = cls.__dict__.get("create")
    if _OWN.get(cls) is create:
        return True
    if _is_sdk_function(create):
        _OWN[cls] = create
        return True
    return False


def record_clients(llm: Any) -> None:
    """Remember the clients the model was built with (see `watched`).

    Args:
        llm: The `ChatQwen`, right after validation.
    """
    values = llm.__dict__
    llm._sdk_clients = (
        values.get("client"),
        values.get("root_client"),
        values.get("async_client"),
        values.get("root_async_client"),
    )


def _chat_patched(root: Any, sync: bool) -> bool:
    """Whether `root.chat.completions` (if built) was replaced or patched."""
    chat = root.__dict__.get("chat")
    if chat is None:  # not built: nothing could patch it
        return False
    chat_module = sys.modules.get(_CHAT_MODULE)
    if type(chat) is not getattr(chat_module, "Chat" if sync else "AsyncChat", None):
        return True
    completions = chat.__dict__.get("completions")
    if completions is None:
        return False
    module = sys.modules.get(_COMPLETIONS_MODULE)
    expected = getattr(module, "Completions" if sync else "AsyncCompletions", None)
    if type(completions) is not expected:
        return True
    own = completions.__dict__
    if "create" in own:
        return True
    # The SDK caches its own wrappers here; anything else was put by a patch.
    return any(
        (wrapper := own.get(name)) is not None
        and not type(wrapper).__module__.startswith("openai.")
        for name in _WRAPPERS
    )


def watched(llm: Any, *, sync: bool) -> bool:
    """Whether this call must go through the SDK's `create` (someone watches it).

    Args:
        llm: The `ChatQwen`.
        sync: Whether the call is sync (else async).

    Returns:
        `True` if `Completions.create` (or `AsyncCompletions.create`) is not
        the SDK's own, or the model's `client`, `async_client`, `root_client`
        or `root_async_client` is not the one it was built with, or the
        client's `chat.completions` was replaced or its `create` patched.
    """
    values = llm.__dict__
    # Read past pydantic's `__getattr__` (about 2 us a private attribute).
    built = llm.__pydantic_private__["_sdk_clients"]
    if sync:
        if values.get("client") is not built[0]:
            return True
        root = values.get("root_client")
        if root is not built[1]:
            return True
    else:
        if values.get("async_client") is not built[2]:
            return True
        root = values.get("root_async_client")
        if root is not built[3]:
            return True
    module = sys.modules.get(_COMPLETIONS_MODULE)
    if module is not None:  # not imported: nothing has wrapped it yet
        cls = module.Completions if sync else module.AsyncCompletions
        if cls.create is not _OWN.get(cls) and not _create_is_own(cls):
            return True
        return _chat_patched(root, sync)
    return False
