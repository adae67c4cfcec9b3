"""The loopback HTTP server and its routing."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast

from langchain_qwen.testing._replies import (
    _MAX_BUILD_DEPTH,
    JSON_CONTENT_TYPE,
    SSE_CONTENT_TYPE,
    RecordedRequest,
    Reply,
    _lower_keys,
    _new_request_id,
    error_reply,
)
from langchain_qwen.testing.handlers import Matcher, echo_handler, mentions

_log = logging.getLogger(__name__)

CHAT_PATHS: tuple[str, ...] = (
    "/compatible-mode/v1/chat/completions",
    "/v1/chat/completions",
)
"""Paths that answer chat completions: DashScope's, and a self-hosted-style one."""

Route = Callable[[RecordedRequest], Reply]
"""Answers the requests under one path prefix (called from server threads)."""

When = str | Matcher | None
"""Which chat requests a queued or scripted reply is for.

A string matches a request whose messages contain it (see `mentions`); a
callable decides from the `RecordedRequest`; `None` matches every request.
"""

BUILTIN_ROUTES: list[Callable[[DashScopeServer], Mapping[str, Route]]] = []
"""Each API's routes beside chat (models, embeddings, ...), built per server.

Every entry takes the server (for state such as uploaded files) and returns
its routes by path prefix.
"""

# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    # Daemon threads, and no join on close: a handler stuck on a slow client
    # must never keep a test (or the interpreter) alive.
    daemon_threads = True
    block_on_close = False
    # The listen backlog: 100+ clients connecting at once must not be refused.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], owner: DashScopeServer) -> None:
        self.owner = owner
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup
        # that can stall for seconds on a machine without DNS; skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-response are normal in fault tests; no traceback.
        _log.debug("connection from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive + chunked, as the SDKs expect
    server_version = "istio-envoy"  # the `server` header DashScope sends
    sys_version = ""

    @property
    def _owner(self) -> DashScopeServer:
        return cast("_HTTPServer", self.server).owner

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; with Nagle's algorithm
        # the second waits for the client's delayed ACK (~40 ms a response).
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self._owner._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s - " + format, self.address_string(), *args)

    # Every method goes through one dispatcher, which rejects all but POST in
    # DashScope's error format (the stdlib default would be a bare HTML 501).
    def do_POST(self) -> None:
        """Dispatch a POST."""
        self._dispatch()

    def do_GET(self) -> None:
        """Dispatch a GET."""
        self._dispatch()

    def do_PUT(self) -> None:
        """Dispatch a PUT."""
        self._dispatch()

    def do_PATCH(self) -> None:
        """Dispatch a PATCH."""
        self._dispatch()

    def do_DELETE(self) -> None:
        """Dispatch a DELETE."""
        self._dispatch()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # Trailers (usually none) end with an empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        arrived = time.time()
        raw = self._read_body()
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = RecordedRequest(self.command, self.path, headers, body, raw)
        owner = self._owner
        owner._record(request)

        route = self.path.split("?", 1)[0]
        answer = owner._route_for(route)
        if answer is None:
            reply = error_reply(
                404,
                "NotFound",
                f"The requested path {route} was not found.",
                type="invalid_request_error",
            )
        else:
            try:
                reply = _resolve(answer(request), request)
            except Exception as exc:
                owner.errors.append(exc)
                _log.exception("DashScopeServer handler failed")
                reply = error_reply(
                    500,
                    "internal_error",
                    f"DashScopeServer handler failed: {exc!r}",
                    type="internal_error",
                )
        reply = _resolve(reply, request)
        try:
            self._send(reply, arrived)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            # The client went away (e.g. it stopped reading a stream): fine.
            self.close_connection = True

    def _send(self, reply: Reply, arrived: float) -> None:
        if not self._pause(reply.first_byte_delay):
            return
        started = time.time()
        headers = {
            "content-type": SSE_CONTENT_TYPE if reply.is_stream else JSON_CONTENT_TYPE,
            "x-request-id": reply.request_id or _new_request_id(),
            "x-dashscope-call-gateway": "true",
            "req-arrive-time": str(int(arrived * 1000)),
            "resp-start-time": str(int(started * 1000)),
            "req-cost-time": str(int((started - arrived) * 1000)),
            **_lower_keys(reply.headers),
        }
        self.send_response(reply.status)
        if reply.events is None:
            payload = reply.body or b""
            if headers.get("content-encoding") == "gzip":
                # As DashScope sends JSON answers (recorded, July 2026).
                payload = gzip.compress(payload)
            for name, value in headers.items():
                self.send_header(name, value)
            if headers.get("transfer-encoding") == "chunked":
                self.end_headers()
                self.wfile.write((_framed(payload) if payload else b"") + b"0\r\n\r\n")
                return
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        for name, value in headers.items():
            self.send_header(name, value)
        # Chunked framing, so a cut stream is a protocol error for the client
        # rather than an indistinguishable clean end-of-body.
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        if not reply.chunk_delay and reply.drop_after is None:
            # Nothing to pace or cut: one write, so that the server's own cost
            # stays small beside the client's (benchmarks stream 1,000 chunks).
            framed = [
                _framed(_event_bytes(reply, i, event))
                for i, event in enumerate(reply.events)
            ]
            if reply.done:
                framed.append(_framed(b"data: [DONE]\n\n"))
            self.wfile.write(b"".join(framed) + b"0\r\n\r\n")
            return
        for i, event in enumerate(reply.events):
            if reply.drop_after is not None and i >= reply.drop_after:
                self._abort()
                return
            if i and not self._pause(reply.chunk_delay):
                return
            self._write_chunk(_event_bytes(reply, i, event))
        if reply.drop_after is not None:
            self._abort()
            return
        if reply.done:
            if reply.events and not self._pause(reply.chunk_delay):
                return
            self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(_framed(data))
        self.wfile.flush()

    def _pause(self, seconds: float) -> bool:
        """Sleep unless the server stops first; abort the connection if it does."""
        if seconds > 0 and self._owner._stopping.wait(seconds):
            self._abort()
            return False
        return True

    def _abort(self) -> None:
        """Cut the connection now: no more bytes, no clean end of the body."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)


def _event_bytes(reply: Reply, i: int, event: str) -> bytes:
    """One SSE event: `data:` only, or `event:` then `data:` when named."""
    names = reply.event_names
    if names is None:
        return f"data: {event}\n\n".encode()
    return f"event: {names[i]}\ndata: {event}\n\n".encode()


def _framed(data: bytes) -> bytes:
    """One chunk of HTTP/1.1 chunked transfer encoding."""
    return b"%X\r\n%s\r\n" % (len(data), data)


def _matcher(when: When) -> Matcher | None:
    if when is None or callable(when):
        return when
    if isinstance(when, str):
        return mentions(when)
    msg = f"when must be a string, a callable or None, not {type(when).__name__}"
    raise TypeError(msg)


def _resolve(reply: Reply, request: RecordedRequest) -> Reply:
    for _ in range(_MAX_BUILD_DEPTH):
        if reply.build is None:
            return reply
        reply = reply.build(request)
    msg = f"Reply.build nested deeper than {_MAX_BUILD_DEPTH} levels"
    raise RuntimeError(msg)


class DashScopeServer:
    """A threaded HTTP server on loopback that answers like DashScope.

    Use it as a (sync or async) context manager, or call `start` and `stop`.
    Starting and stopping take milliseconds, so both are safe inside an event
    loop. Every connection gets its own daemon thread, so delays on one
    connection never hold up another, and `stop` cuts open connections so that
    no client waits on a stopped server.

    Attributes:
        requests: Every request received, in arrival order.
        errors: Exceptions raised by `handler` (each also answered with a 500).
    """

    def __init__(
        self,
        replies: Iterable[Reply] = (),
        *,
        handler: Callable[[RecordedRequest], Reply] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        record: bool = True,
        routes: Mapping[str, Route] | None = None,
    ) -> None:
        """Prepare the server; nothing listens until `start`.

        Args:
            replies: Replies to serve first, in order.
            handler: Answers requests no queued or scripted reply is for; defaults to
                `echo_handler`. Called from server threads, possibly
                concurrently.
            host: The address to bind; keep the loopback default in tests.
            port: The port; 0 picks a free one.
            record: Keep every request in `requests`. Turn it off for long
                runs (benchmarks), where the list would only grow.
            routes: Extra routes by path prefix (a path is served by the
                longest matching prefix); they win over the built-in ones.
        """
        self._record_requests = record
        self.requests: list[RecordedRequest] = []
        self.errors: list[BaseException] = []
        # Queued replies, each with the requests it is for (None: any).
        self._queue: list[tuple[Matcher | None, Reply]] = [
            (None, reply) for reply in replies
        ]
        self._scripts: list[tuple[Matcher, Reply]] = []
        self._handler = handler or echo_handler
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        # Kept after stop, so URLs stay printable in failure messages.
        self._bound_port: int | None = None
        self._thread: threading.Thread | None = None
        self.routes: dict[str, Route] = dict.fromkeys(CHAT_PATHS, self._chat)
        for make_routes in BUILTIN_ROUTES:
            self.routes.update(make_routes(self))
        self.routes.update(routes or {})

    # -- public API ---------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (still known after `stop`).

        Raises:
            RuntimeError: The server has not been started.
        """
        if self._bound_port is None:
            msg = "DashScopeServer is not started"
            raise RuntimeError(msg)
        return self._bound_port

    @property
    def url(self) -> str:
        """The server root, e.g. `http://127.0.0.1:PORT`."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, `http://127.0.0.1:PORT/compatible-mode/v1`."""
        return f"{self.url}/compatible-mode/v1"

    @property
    def pending(self) -> int:
        """How many queued replies have not been served yet."""
        with self._lock:
            return len(self._queue)

    def queue(self, *replies: Reply, when: When = None) -> None:
        """Queue replies, each served once, in order, to the requests they are for.

        A request takes the oldest queued reply whose `when` matches it. With
        `when=None` that is the oldest reply of all, so which concurrent
        request gets which reply depends on arrival order: give each
        conversation its own `when` (a word only it contains) when requests
        may overlap, as in `batch` or parallel tests.

        Args:
            *replies: The replies, e.g. a tool call then a final answer, to
                play a whole agent run.
            when: The requests they are for: a string their messages contain,
                a callable on the `RecordedRequest`, or `None` for any.
        """
        matcher = _matcher(when)
        with self._lock:
            self._queue.extend((matcher, reply) for reply in replies)

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies for any request: `queue(*replies)`, kept for old tests.

        Args:
            *replies: The replies, served first in, first out.
        """
        self.queue(*replies)

    def script(self, when: str | Matcher, reply: Reply) -> None:
        """Answer every request that matches `when` with `reply`, as often as asked.

        A script is never used up, and it is chosen by what a request says,
        never by when it arrives, so concurrent requests get their own
        answers. Queued replies come first; among scripts, the first one
        added that matches wins; requests no script matches go to `handler`.

        Args:
            when: A string the request's messages contain (see `mentions`),
                or a callable on the `RecordedRequest` (e.g. `user_asks(...)`).
            reply: The reply; `text_completion` replies adapt to each request
                (stream or not, usage, a fresh id).
        """
        matcher = _matcher(when)
        if matcher is None:
            msg = "script() needs a `when`; use handler= to answer every request"
            raise ValueError(msg)
        with self._lock:
            self._scripts.append((matcher, reply))

    def start(self) -> DashScopeServer:
        """Bind and serve in a background thread.

        Returns:
            The server itself.

        Raises:
            RuntimeError: The server was already started.
        """
        if self._httpd is not None or self._stopping.is_set():
            msg = "a DashScopeServer can be started only once"
            raise RuntimeError(msg)
        self._httpd = _HTTPServer((self._host, self._port), self)
        self._bound_port = self._httpd.server_port
        self._thread = threading.Thread(
            # A short poll interval keeps `stop` (which waits one poll) fast.
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"DashScopeServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut every open connection; idempotent."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping on delays
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            # Wakes handlers blocked reading a kept-alive connection.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def __enter__(self) -> DashScopeServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

    async def __aenter__(self) -> DashScopeServer:
        """Start the server (binding is immediate, so no thread hop is needed)."""
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server off the event loop (shutdown waits up to one poll)."""
        await asyncio.to_thread(self.stop)

    # -- used by the handler threads ----------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        if not self._record_requests:
            return
        with self._lock:
            self.requests.append(request)

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            for i, (matcher, reply) in enumerate(self._queue):
                if matcher is None or matcher(request):
                    del self._queue[i]
                    return reply
            scripts = list(self._scripts)
        for matcher, reply in scripts:
            if matcher(request):
                return reply
        return self._handler(request)

    def _chat(self, request: RecordedRequest) -> Reply:
        """The chat-completions route: the queue, the scripts, then the handler."""
        if request.method != "POST":
            return error_reply(
                405,
                "MethodNotAllowed",
                f"Method {request.method} is not allowed; use POST.",
                type="invalid_request_error",
            )
        if request.raw and not isinstance(request.body, dict):
            # The message DashScope gives for a body it cannot parse (facts 6.2).
            return error_reply(
                400,
                "invalid_parameter_error",
                "Required body invalid, please check the request body format.",
                type="invalid_request_error",
            )
        return self._next_reply(request)

    def _route_for(self, path: str) -> Route | None:
        """The route serving `path`: the longest registered prefix wins."""
        best: str | None = None
        for prefix in self.routes:
            if (path == prefix or path.startswith(prefix + "/")) and (
                best is None or len(prefix) > len(best)
            ):
                best = prefix
        return None if best is None else self.routes[best]

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
