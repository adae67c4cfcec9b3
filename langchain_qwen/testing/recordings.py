"""Replay recorded DashScope answers byte for byte, in each format they were kept."""

from __future__ import annotations

import json
import os
from pathlib import Path

from langchain_qwen.testing._replies import (
    SSE_CONTENT_TYPE,
    Reply,
    _request_id_of,
    sse_reply,
)
from langchain_qwen.testing._replies import load_recording as _load_body_or_chunks

__all__ = ["load_recording", "sse_events"]

# Recorded headers the server sends itself (`date`, `server`) or that describe
# how the recorded bytes travelled (`content-length`); `content-encoding` and
# `transfer-encoding` are honoured by the server (gzip, chunked).
_NOT_REPLAYED = frozenset({"date", "server", "content-length"})


def sse_events(text: str) -> tuple[list[str], bool]:
    """Split a whole SSE body into its `data:` payloads.

    Args:
        text: The body as sent: `data: <payload>` lines, events separated by
            blank lines, usually ending with `data: [DONE]`.

    Returns:
        The payloads in order (without `[DONE]`), and whether `[DONE]` ended it.
    """
    events: list[str] = []
    done = False
    for block in text.replace("\r\n", "\n").split("\n\n"):
        data = [
            line[5:].removeprefix(" ")
            for line in block.split("\n")
            if line.startswith("data:")
        ]
        if not data:
            continue
        payload = "\n".join(data)
        if payload == "[DONE]":
            done = True
            break
        events.append(payload)
    return events, done


def load_recording(path: str | os.PathLike[str], *, status: int = 200) -> Reply:
    """Replay a recorded DashScope response byte for byte.

    Args:
        path: One of:

            - `NAME.json`: a raw response body, sent unchanged;
            - `NAME.chunks.txt`: one SSE data payload per line, without the
              `data: ` prefix and without `[DONE]`, which is appended;
            - `NAME.sse`: a whole SSE body as sent (`data:` lines, blank lines,
              `data: [DONE]`), replayed event by event;
            - `NAME.headers-and-body.json`: `{"status", "headers": [[name,
              value], ...], "body": {...}}`, replayed with its status and
              headers (gzip and chunked framing included); the body is sent
              compact, in its recorded key order;
            - `NAME.body.txt`: a raw body sent unchanged, as `text/event-stream`
              when it is SSE-framed (`data: ...`), else as JSON.
        status: The HTTP status for a body recording (e.g. 401 for a recorded
            error body); a `.headers-and-body.json` file names its own.

    Returns:
        The reply. Recordings are replayed verbatim: a recorded usage chunk is
        sent even when the request did not ask for one.

    Raises:
        ValueError: The file name has none of these suffixes.
    """
    file = Path(path)
    name = file.name
    if name.endswith(".headers-and-body.json"):
        recorded = json.loads(file.read_text(encoding="utf-8"))
        headers = {
            str(k).lower(): str(v)
            for k, v in recorded.get("headers") or []
            if str(k).lower() not in _NOT_REPLAYED
        }
        body = recorded["body"]
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return Reply(
            status=int(recorded.get("status", 200)),
            headers=headers,
            body=raw,
            request_id=headers.get("x-request-id") or _request_id_of(body),
        )
    if name.endswith(".sse"):
        events, done = sse_events(file.read_text(encoding="utf-8"))
        reply = sse_reply(events, done=done)
        reply.status = status
        return reply
    if name.endswith(".body.txt"):
        raw = file.read_bytes()
        framed = raw.lstrip().startswith(b"data:")
        return Reply(
            status=status,
            headers={"content-type": SSE_CONTENT_TYPE} if framed else {},
            body=raw,
        )
    reply = _load_body_or_chunks(file)
    reply.status = status
    return reply
