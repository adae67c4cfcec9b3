"""The loopback server's `/responses` route, in DashScope's Responses API shapes.

`POST /compatible-mode/v1/responses` answers with a response object (JSON) or,
with `"stream": true`, an SSE stream of named events (`response.created` ...
`response.completed`, no `[DONE]`); `GET /compatible-mode/v1/responses/{id}`
returns a response created with `"store": true`. Shapes follow the Model Studio
Responses pages (read 2026-12-04; documentation only, not captured live):
each built-in tool's output item (`web_search_call`, `web_extractor_call`,
`code_interpreter_call`, `web_search_image_call`, `image_search_call`,
`file_search_call`, `mcp_call`), `function_call`, `reasoning` with a summary
(and `encrypted_content`), `message`, and usage with `x_tools` counts.

Answers come from `responses_of(server).queue(...)` (a `ResponseTurn`, or any
`Reply` such as an error), keyed like the chat queue by what the input says;
with nothing queued the route echoes the last user text::

    with DashScopeServer() as server:
        responses_of(server).queue(
            ResponseTurn([web_search_call_item("Qwen4"), message_item("Qwen4 ...")])
        )
        model = ChatQwen(base_url=server.base_url, api_key="sk-test",
                         use_responses_api=True)

The route also refuses what DashScope documents as unsupported (`background`,
`thinking_budget`, video or audio input, `tool_choice: "required"` without
exactly one tool, `conversation` with `previous_response_id`) and an unknown
`previous_response_id`, each with a 400 in DashScope's error envelope.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from langchain_qwen.testing._replies import (
    RecordedRequest,
    Reply,
    error_reply,
)
from langchain_qwen.testing._server import BUILTIN_ROUTES
from langchain_qwen.testing.completions import _estimate_tokens
from langchain_qwen.testing.response_items import message_item

if TYPE_CHECKING:
    from langchain_qwen.testing._server import DashScopeServer, Route

RESPONSES_PATHS: tuple[str, ...] = (
    "/compatible-mode/v1/responses",
    "/v1/responses",
)
"""Paths that answer the Responses API: DashScope's, and a self-hosted-style one."""

IdStyle = Literal["uuid", "resp"]
"""How the server spells response ids: a bare UUID (the docs' examples) or
`resp_<hex>` (the retrieve page)."""

# The tool a built-in output item counts against in `usage.x_tools`.
_TOOL_OF_ITEM = {
    "web_search_call": "web_search",
    "web_extractor_call": "web_extractor",
    "code_interpreter_call": "code_interpreter",
    "web_search_image_call": "web_search_image",
    "image_search_call": "image_search",
    "file_search_call": "file_search",
    "mcp_call": "mcp",
}
# Progress events each built-in tool streams between `added` and `done`.
_PROGRESS = {
    "web_search_call": ("in_progress", "searching", "completed"),
    "code_interpreter_call": ("in_progress", "interpreting", "completed"),
    "file_search_call": ("in_progress", "searching", "completed"),
}
_NO_MEDIA = ("input_audio", "input_video", "audio", "video", "video_url")


# --------------------------------------------------------------------------
# Turns and the store
# --------------------------------------------------------------------------


@dataclass
class ResponseTurn:
    """One answer of the Responses route, rendered as JSON or as a stream.

    Attributes:
        output: The output items, in order (see the `*_item` builders).
        input_tokens: `usage.input_tokens`; estimated from the input when `None`.
        cached_tokens: `usage.input_tokens_details.cached_tokens`.
        reasoning_tokens: `output_tokens_details.reasoning_tokens`; estimated
            from the reasoning items when `None`.
        x_tools: `usage.x_tools`; counted from the built-in items when `None`.
        status: `completed` or `incomplete`.
        quirks: Reproduce the oddities of DashScope's documented stream
            examples: a reasoning item done at a later `output_index` than it
            was added at, `output_text.delta` events without `item_id` and
            `content_index`, and a final content part typed `"text"`.
    """

    output: list[dict[str, Any]]
    input_tokens: int | None = None
    cached_tokens: int = 0
    reasoning_tokens: int | None = None
    x_tools: dict[str, Any] | None = None
    status: str = "completed"
    quirks: bool = True


Matcher = Callable[[RecordedRequest], bool]


@dataclass
class ResponseStore:
    """The Responses route's state on one server.

    Attributes:
        id_style: `"uuid"` (bare UUIDs, as in DashScope's examples) or
            `"resp"` (`resp_<hex>`).
        created: Every response body created, by id (for `previous_response_id`).
        stored: The bodies created with `"store": true` (for `GET`).
    """

    id_style: IdStyle = "uuid"
    created: dict[str, dict[str, Any]] = field(default_factory=dict)
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    _queue: list[tuple[Matcher | None, ResponseTurn | Reply]] = field(
        default_factory=list
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def queue(
        self, *turns: ResponseTurn | Reply, when: str | Matcher | None = None
    ) -> None:
        """Queue answers, each served once, to the requests they are for.

        Args:
            *turns: `ResponseTurn`s, or any `Reply` (e.g. `error_reply(...)`).
            when: A text the request's input contains, a callable on the
                request, or `None` for any request.
        """
        matcher: Matcher | None
        if isinstance(when, str):
            text = when
            matcher = lambda request: text in input_text(request.body)  # noqa: E731
        else:
            matcher = when
        with self._lock:
            self._queue.extend((matcher, turn) for turn in turns)

    @property
    def pending(self) -> int:
        """How many queued answers have not been served."""
        with self._lock:
            return len(self._queue)

    def _next(self, request: RecordedRequest) -> ResponseTurn | Reply | None:
        with self._lock:
            for i, (matcher, turn) in enumerate(self._queue):
                if matcher is None or matcher(request):
                    del self._queue[i]
                    return turn
        return None

    def new_id(self) -> str:
        """A fresh response id in this store's style."""
        if self.id_style == "resp":
            return f"resp_{uuid.uuid4().hex}"
        return str(uuid.uuid4())


def responses_of(server: DashScopeServer) -> ResponseStore:
    """The `ResponseStore` of a server (created with its routes)."""
    return server.__dict__["responses"]


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Mapping) and part.get("type") in (
        "input_text",
        "output_text",
        "text",
    ):
        return str(part.get("text", ""))
    return ""


def _item_text(item: Any) -> str:
    if not isinstance(item, Mapping):
        return ""
    content = item.get("content")
    if isinstance(content, list):
        return "".join(_part_text(p) for p in content)
    if item.get("type") == "function_call_output":
        return str(item.get("output", ""))
    return _part_text(content)


def input_text(body: Any) -> str:
    """All the text of a Responses request's `input` (and `instructions`).

    Args:
        body: The request body.

    Returns:
        The texts joined by newlines.
    """
    if not isinstance(body, Mapping):
        return ""
    raw = body.get("input")
    items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    texts = [str(body.get("instructions") or "")]
    texts += [i if isinstance(i, str) else _item_text(i) for i in items]
    return "\n".join(t for t in texts if t)


def last_user_text(body: Any) -> str:
    """The text of the last user message of a Responses request ("" if none)."""
    raw = body.get("input") if isinstance(body, Mapping) else None
    if isinstance(raw, str):
        return raw
    for item in reversed(raw if isinstance(raw, list) else []):
        if isinstance(item, Mapping) and item.get("role") == "user":
            return _item_text(item)
    return ""


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def _usage(turn: ResponseTurn, body: Mapping[str, Any]) -> dict[str, Any]:
    input_tokens = turn.input_tokens
    if input_tokens is None:
        input_tokens = max(1, _estimate_tokens(input_text(body)))
    reasoning = turn.reasoning_tokens
    if reasoning is None:
        reasoning = sum(
            _estimate_tokens(s.get("text", ""))
            for item in turn.output
            if item.get("type") == "reasoning"
            for s in item.get("summary", [])
        )
    answer = sum(
        _estimate_tokens(p.get("text", ""))
        for item in turn.output
        if item.get("type") == "message"
        for p in item.get("content", [])
    )
    output_tokens = reasoning + max(1, answer)
    x_tools = turn.x_tools
    if x_tools is None:
        x_tools = {}
        for item in turn.output:
            tool = _TOOL_OF_ITEM.get(item.get("type", ""))
            if tool is not None:
                x_tools.setdefault(tool, {"count": 0})["count"] += 1
    usage: dict[str, Any] = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": turn.cached_tokens},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input_tokens + output_tokens,
        "x_details": [
            {
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
                "x_billing_type": "response_api",
            }
        ],
    }
    if x_tools:
        usage["x_tools"] = x_tools
    return usage


def response_body(
    turn: ResponseTurn, body: Mapping[str, Any], response_id: str
) -> dict[str, Any]:
    """The response object DashScope returns for `turn`.

    Args:
        turn: The answer.
        body: The request body (model, tools, store, ... are echoed).
        response_id: The response id.

    Returns:
        The response object.
    """
    incomplete = turn.status == "incomplete"
    return {
        "id": response_id,
        "object": "response",
        "created_at": int(time.time()),
        "status": turn.status,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": body.get("model"),
        "output": [dict(item) for item in turn.output],
        "parallel_tool_calls": bool(body.get("parallel_tool_calls", False)),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": body.get("reasoning"),
        "store": body.get("store"),
        "temperature": body.get("temperature"),
        "text": {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools", []),
        "top_p": body.get("top_p"),
        "truncation": "disabled",
        "usage": _usage(turn, body),
        "metadata": {},
    }


def _pieces(text: str) -> list[str]:
    # A few deltas per answer, split at spaces, so aggregation is exercised.
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


def _pending(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item as `output_item.added` shows it: in progress, nothing yet."""
    kind = item.get("type")
    added = {k: v for k, v in item.items() if k != "encrypted_content"}
    added["status"] = "in_progress"
    if kind == "message":
        added["content"] = []
    elif kind == "reasoning":
        added["summary"] = []
        added.pop("status")
    elif kind == "function_call":
        added["arguments"] = ""
    return added


def stream_events(
    turn: ResponseTurn, final: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """The SSE events DashScope streams for `turn`, as `(name, data)` pairs.

    Args:
        turn: The answer.
        final: Its response object (`response_body`), sent with
            `response.completed`.

    Returns:
        The events, `response.created` first and `response.completed` last.
    """
    events: list[dict[str, Any]] = []

    def emit(kind: str, **data: Any) -> None:
        events.append({"type": kind, **data})

    shell = {**final, "status": "queued", "output": [], "usage": None}
    emit("response.created", response=shell)
    emit("response.in_progress", response={**shell, "status": "in_progress"})
    for index, item in enumerate(turn.output):
        kind = item["type"]
        item_id = item["id"]
        emit("response.output_item.added", output_index=index, item=_pending(item))
        done_index = index
        if kind == "message":
            for c, part in enumerate(item["content"]):
                emit(
                    "response.content_part.added",
                    item_id=item_id,
                    output_index=index,
                    content_index=c,
                    part={"type": "output_text", "text": "", "annotations": []},
                )
                for n, piece in enumerate(_pieces(part["text"])):
                    delta: dict[str, Any] = {"output_index": index, "delta": piece}
                    if not (turn.quirks and n > 0):
                        delta = {"item_id": item_id, "content_index": c, **delta}
                    emit("response.output_text.delta", **delta, logprobs=[])
                emit(
                    "response.output_text.done",
                    item_id=item_id,
                    output_index=index,
                    content_index=c,
                    text=part["text"],
                    logprobs=[],
                )
                emit(
                    "response.content_part.done",
                    item_id=item_id,
                    output_index=index,
                    content_index=c,
                    part={
                        "type": "text" if turn.quirks else "output_text",
                        "text": part["text"],
                        "annotations": [],
                    },
                )
        elif kind == "reasoning":
            for s, summary in enumerate(item["summary"]):
                for piece in _pieces(summary["text"]):
                    emit(
                        "response.reasoning_summary_text.delta",
                        item_id=item_id,
                        output_index=index,
                        summary_index=s,
                        delta=piece,
                    )
                emit(
                    "response.reasoning_summary_text.done",
                    item_id=item_id,
                    output_index=index,
                    summary_index=s,
                    text=summary["text"],
                )
            if turn.quirks:
                done_index = index + 1
        elif kind == "function_call":
            emit(
                "response.function_call_arguments.delta",
                item_id=item_id,
                output_index=index,
                delta=item["arguments"],
            )
            emit(
                "response.function_call_arguments.done",
                item_id=item_id,
                output_index=index,
                arguments=item["arguments"],
            )
        elif kind == "mcp_call":
            emit(
                "response.mcp_call_arguments.delta",
                item_id=item_id,
                output_index=index,
                delta=item["arguments"],
            )
            emit(
                "response.mcp_call_arguments.done",
                item_id=item_id,
                output_index=index,
                arguments=item["arguments"],
            )
            emit("response.mcp_call.completed", item_id=item_id, output_index=index)
        for step in _PROGRESS.get(kind, ()):
            emit(f"response.{kind}.{step}", item_id=item_id, output_index=index)
        emit("response.output_item.done", output_index=done_index, item=dict(item))
    emit("response.completed", response=final)
    for n, event in enumerate(events):
        event["sequence_number"] = n
    return [(event["type"], event) for event in events]


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _invalid(message: str, code: str = "InvalidParameter") -> Reply:
    return error_reply(400, code, message, type="invalid_request_error")


def _refusal(body: Mapping[str, Any], store: ResponseStore) -> Reply | None:
    """DashScope's 400 for what its docs say the Responses API refuses."""
    for name in ("background", "thinking_budget"):
        if body.get(name) not in (None, False):
            return _invalid(f"The parameter '{name}' is not supported.")
    raw = body.get("input")
    for item in raw if isinstance(raw, list) else []:
        content = item.get("content") if isinstance(item, Mapping) else None
        for part in content if isinstance(content, list) else []:
            if isinstance(part, Mapping) and part.get("type") in _NO_MEDIA:
                return _invalid(
                    f"Input content type '{part.get('type')}' is not supported."
                )
    tools = body.get("tools") or []
    if body.get("tool_choice") == "required" and len(tools) != 1:
        return _invalid(
            "tool_choice 'required' is only supported with exactly one tool."
        )
    previous = body.get("previous_response_id")
    if previous is not None and body.get("conversation") is not None:
        return _invalid(
            "'conversation' and 'previous_response_id' cannot be used together."
        )
    if previous is not None and previous not in store.created:
        return _invalid(f"Previous response with id '{previous}' not found.")
    return None


def _render(turn: ResponseTurn, body: Mapping[str, Any], store: ResponseStore) -> Reply:
    response_id = store.new_id()
    final = response_body(turn, body, response_id)
    with store._lock:
        store.created[response_id] = final
        if body.get("store") is True:
            store.stored[response_id] = final
    # DashScope's x-request-id is its own; the body id is the response id.
    request_id = str(uuid.uuid4())
    if body.get("stream") is True:
        named = stream_events(turn, final)
        return Reply(
            events=[_dumps(data) for _, data in named],
            event_names=[name for name, _ in named],
            done=False,
            request_id=request_id,
        )
    return Reply(body=_dumps(final).encode(), request_id=request_id)


def _retrieve(store: ResponseStore, path: str) -> Reply:
    response_id = path.rstrip("/").rsplit("/", 1)[-1]
    with store._lock:
        found = store.stored.get(response_id)
    if found is None:
        return error_reply(
            404,
            "NotFound",
            f"Response with id '{response_id}' not found.",
            type="invalid_request_error",
        )
    return Reply(body=_dumps(found).encode())


def responses_route(store: ResponseStore, request: RecordedRequest) -> Reply:
    """Answer one Responses API request as DashScope's compatible mode would.

    Args:
        store: The server's `ResponseStore`.
        request: The request.

    Returns:
        The response object, its event stream, or a DashScope-style error.
    """
    path = request.path.split("?", 1)[0]
    is_item = not any(path == p or path == p + "/" for p in RESPONSES_PATHS)
    if request.method == "GET" and is_item:
        return _retrieve(store, path)
    if request.method != "POST" or is_item:
        return error_reply(
            405,
            "MethodNotAllowed",
            f"Method {request.method} is not allowed on {path}.",
            type="invalid_request_error",
        )
    body = request.body
    if not isinstance(body, Mapping):
        return _invalid("Required body invalid, please check the request body format.")
    if not isinstance(body.get("model"), str) or not body.get("model"):
        return _invalid("Model not specified: the 'model' field is required.")
    refused = _refusal(body, store)
    if refused is not None:
        return refused
    turn = store._next(request)
    if isinstance(turn, Reply):
        return turn
    if turn is None:
        turn = ResponseTurn([message_item(last_user_text(body) or "Hello!")])
    return _render(turn, body, store)


def _make_routes(server: DashScopeServer) -> Mapping[str, Route]:
    store = ResponseStore()
    server.__dict__["responses"] = store
    return dict.fromkeys(
        RESPONSES_PATHS, lambda request: responses_route(store, request)
    )


BUILTIN_ROUTES.append(_make_routes)
