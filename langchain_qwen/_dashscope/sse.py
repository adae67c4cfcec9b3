"""Server-sent events read straight from bytes, and a stall timer for async streams.

The lean transport (`_chat.transport`) reads DashScope's streams with these instead
of the `openai` SDK's decoder and typed chunks. The parser follows the SSE
rules the SDK's decoder follows (CR, LF and CRLF line ends, comments, `event`,
`data`, `id` and `retry` fields, multi-line data, an event only at a blank
line), but keeps the data as bytes and hands each event's data to `json.loads`
once: no `ServerSentEvent` object, no per-line decode.
"""

from __future__ import annotations

import asyncio
from typing import Any

_LF = b"\n"
_CR = b"\r"


class SSEParser:
    """Split a byte stream into `(event, data)` pairs.

    Feed it the body's byte chunks in order; each call returns the events that
    the chunk completed. `data` is the event's data lines joined by newlines, as
    bytes; `event` is the `event:` field (`None` when absent). Bytes that do
    not yet end a line are kept for the next call (as a list of pieces, so a
    long event split over many reads costs linear time, not quadratic).
    """

    __slots__ = ("_data", "_event", "_has_id", "_pending", "_retry", "_skip_lf")

    def __init__(self) -> None:
        self._pending: list[bytes] = []
        self._skip_lf = False
        self._data: list[bytes] = []
        self._event: bytes | None = None
        self._retry = False
        # As in the SDK's decoder, a seen `id:` is kept across events.
        self._has_id = False

    def feed(self, chunk: bytes) -> list[tuple[str | None, bytes]]:
        """Take the next bytes of the body; return the events they complete.

        Args:
            chunk: The next bytes read from the response.

        Returns:
            The completed events, in order (often one, sometimes none).
        """
        if (
            chunk[-2:] == b"\n\n"
            and chunk[:6] == b"data: "
            and chunk.count(_LF) == 2
            and not self._pending
            and not self._data
            and self._event is None
            and not self._skip_lf
            and _CR not in chunk
        ):
            # The common read: exactly one `data:` event, nothing pending.
            return [(None, chunk[6:-2])]
        if self._skip_lf and chunk[:1] == _LF:
            chunk = chunk[1:]  # the LF of a CRLF split across two reads
        if _CR in chunk:
            self._skip_lf = chunk[-1:] == _CR
            chunk = chunk.replace(b"\r\n", _LF).replace(_CR, _LF)
        else:
            self._skip_lf = False
        if _LF not in chunk:
            if chunk:
                self._pending.append(chunk)
            return []
        if self._pending:
            self._pending.append(chunk)
            chunk = b"".join(self._pending)
            self._pending = []
        lines = chunk.split(_LF)
        tail = lines.pop()
        if tail:
            self._pending.append(tail)
        events: list[tuple[str | None, bytes]] = []
        data = self._data
        for line in lines:
            if not line:
                if data or self._event is not None or self._retry or self._has_id:
                    event = self._event
                    events.append(
                        (
                            event.decode() if event is not None else None,
                            data[0] if len(data) == 1 else _LF.join(data),
                        )
                    )
                    data = self._data = []
                    self._event = None
                    self._retry = False
                continue
            if line[0] == 58:  # ":" starts a comment (keep-alives)
                continue
            name, _, value = line.partition(b":")
            if value[:1] == b" ":
                value = value[1:]
            if name == b"data":
                data.append(value)
            elif name == b"event":
                self._event = value or None
            elif name == b"id":
                if b"\0" not in value:
                    self._has_id = True
            elif name == b"retry":
                self._retry = self._retry or value.isdigit()
        return events


class StallTimer:
    """One timer per stream that cancels the task when no chunk comes in time.

    Arming is two attribute writes and a clock read, so that a stream pays
    almost nothing per chunk; the loop's timer wakes only once per `timeout`
    (re-arming itself for the latest deadline) instead of a task and a timer
    per chunk as `asyncio.wait_for` has. Only a wait for the next chunk is
    timed: while the consumer holds a chunk (the stream is suspended at a
    yield) the timer never cancels.
    """

    __slots__ = ("_deadline", "_handle", "_loop", "_task", "fired", "timeout")

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._deadline: float | None = None
        self.fired = False
        self._handle = self._loop.call_later(timeout, self._wake)

    def arm(self) -> None:
        """Start timing the wait for the next chunk (in the task now reading)."""
        self._task = asyncio.current_task()
        self._deadline = self._loop.time() + self.timeout

    def disarm(self) -> None:
        """A chunk arrived: stop timing until `arm` is called again."""
        self._deadline = None

    def _wake(self) -> None:
        deadline = self._deadline
        now = self._loop.time()
        if deadline is None or now < deadline:
            self._handle = self._loop.call_at(
                deadline if deadline is not None else now + self.timeout, self._wake
            )
            return
        self.fired = True
        if self._task is not None:
            self._task.cancel()

    def absorb(self) -> bool:
        """After a `CancelledError`: whether it was this timer's (then undone).

        Returns:
            `True` if the timer fired; the task's cancellation is withdrawn
            so that the caller may raise a timeout instead.
        """
        if not self.fired:
            return False
        uncancel: Any = getattr(self._task, "uncancel", None)
        if uncancel is not None:  # Python 3.11+
            uncancel()
        return True

    def close(self) -> None:
        """Stop the timer."""
        self._handle.cancel()
