"""Loopback routes for DashScope's OpenAI-compatible Batch API, on a test clock.

`POST /batches`, `GET /batches`, `GET /batches/{id}` and
`POST /batches/{id}/cancel`, in OpenAI's shapes. Jobs never move by
themselves: the test moves them with `server.batches.advance()` (one tick),
so nothing depends on sleeps or the wall clock. A tick moves each job one
step::

    validating -> in_progress -> (lines run, `lines_per_tick` a tick)
               -> finalizing -> completed

Each input line's body goes through the server's own route for its URL (the
chat route: the reply queue, then the handler, so `scripted_handler` and
`echo_handler` answer batch lines as they answer live calls). Answers with a
status below 400 go to the output file, the others to the error file.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_qwen.testing._replies import (
    RecordedRequest,
    Reply,
    _request_id_of,
    error_reply,
    json_reply,
)
from langchain_qwen.testing._server import BUILTIN_ROUTES, _resolve
from langchain_qwen.testing.files import EPOCH, FileStore, files_of

if TYPE_CHECKING:
    from langchain_qwen.testing._server import DashScopeServer, Route

BATCHES_PATH = "/compatible-mode/v1/batches"

ENDPOINTS = {
    "/v1/chat/completions": "/compatible-mode/v1/chat/completions",
    "/v1/embeddings": "/compatible-mode/v1/embeddings",
}
"""Batch endpoints the server runs, and the route each line goes to."""

_TIMESTAMP_FIELDS = {
    "in_progress": "in_progress_at",
    "finalizing": "finalizing_at",
    "completed": "completed_at",
    "failed": "failed_at",
    "expired": "expired_at",
    "cancelling": "cancelling_at",
    "cancelled": "cancelled_at",
}


@dataclass
class BatchJob:
    """One job on the loopback server.

    Attributes:
        id: The batch id.
        endpoint: The endpoint it was created for.
        input_file_id: The uploaded input.
        status: The current state.
        lines: The input lines (parsed), once validated.
        results: (custom_id, HTTP status, body) of each line run so far.
        requests: The request each line became, in the order they ran.
    """

    id: str
    endpoint: str
    input_file_id: str
    completion_window: str
    metadata: dict[str, Any] | None
    created_at: int
    status: str = "validating"
    lines: list[dict[str, Any]] = field(default_factory=list)
    results: list[tuple[str, int, Any]] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    times: dict[str, int] = field(default_factory=dict)
    output_file_id: str | None = None
    error_file_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The batch object, in OpenAI's (and DashScope's) shape."""
        failed = sum(1 for _, status, _ in self.results if status >= 400)
        body: dict[str, Any] = {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "expires_at": self.created_at + 86_400,
            "request_counts": {
                "total": len(self.lines),
                "completed": len(self.results) - failed,
                "failed": failed,
            },
            "metadata": self.metadata,
        }
        for status, name in _TIMESTAMP_FIELDS.items():
            body[name] = self.times.get(status)
        return body


class BatchQueue:
    """The batch jobs of one server, moved only by `advance` (the test's clock).

    Attributes:
        lines_per_tick: How many lines an `in_progress` job runs a tick
            (`None`: all of them in one tick).
        now: The server's clock, in seconds; each tick adds one.
    """

    def __init__(self, server: DashScopeServer, files: FileStore) -> None:
        self._server = server
        self._files = files
        self._lock = threading.RLock()
        self._jobs: dict[str, BatchJob] = {}
        self._ids = itertools.count(1)
        self.lines_per_tick: int | None = None
        self.now = EPOCH

    # -- what tests call ------------------------------------------------------

    def __getitem__(self, batch_id: str) -> BatchJob:
        """The job with that id."""
        with self._lock:
            return self._jobs[batch_id]

    def all(self) -> list[BatchJob]:
        """Every job, oldest first."""
        with self._lock:
            return list(self._jobs.values())

    def advance(self, ticks: int = 1) -> None:
        """Move every unfinished job `ticks` steps forward."""
        for _ in range(ticks):
            with self._lock:
                self.now += 1
                for job in self._jobs.values():
                    self._step(job)

    def run_all(self) -> None:
        """Advance until every job has finished."""
        for _ in range(10_000):
            with self._lock:
                if all(j.status in _FINAL for j in self._jobs.values()):
                    return
            self.advance()
        msg = "batch jobs did not finish in 10,000 ticks"  # pragma: no cover
        raise RuntimeError(msg)  # pragma: no cover

    def expire(self, batch_id: str) -> None:
        """End a job as DashScope does when its window passes: `expired`."""
        with self._lock:
            job = self._jobs[batch_id]
            self._write_files(job)
            self._set(job, "expired")

    def fail(self, batch_id: str, code: str, message: str) -> None:
        """Fail a job as a whole (as an invalid input file would)."""
        with self._lock:
            job = self._jobs[batch_id]
            job.errors.append({"code": code, "message": message, "line": None})
            self._set(job, "failed")

    def finish_with(
        self, batch_id: str, *, output: bytes | None = None, errors: bytes | None = None
    ) -> None:
        """End a job `completed` with the result files given, e.g. recorded ones.

        The job's lines are not run: its output and error files are these
        bytes, exactly (DashScope's JSONL, one result line per input).

        Args:
            batch_id: The job.
            output: The output file's bytes, if any.
            errors: The error file's bytes, if any.
        """
        with self._lock:
            job = self._jobs[batch_id]
            if output is not None:
                name = f"{job.id}_success.jsonl"
                job.output_file_id = self._files.add(name, "batch_output", output).id
            if errors is not None:
                name = f"{job.id}_error.jsonl"
                job.error_file_id = self._files.add(name, "batch_output", errors).id
            self._set(job, "completed")

    # -- the state machine ----------------------------------------------------

    def _set(self, job: BatchJob, status: str) -> None:
        job.status = status
        if status in _TIMESTAMP_FIELDS:
            job.times[status] = self.now

    def _step(self, job: BatchJob) -> None:
        if job.status == "validating":
            self._validate(job)
        elif job.status == "in_progress":
            pending = job.lines[len(job.results) :]
            if self.lines_per_tick is not None:
                pending = pending[: self.lines_per_tick]
            for line in pending:
                self._run(job, line)
            if len(job.results) == len(job.lines):
                self._set(job, "finalizing")
        elif job.status == "finalizing":
            self._write_files(job)
            self._set(job, "completed")
        elif job.status == "cancelling":
            self._write_files(job)
            self._set(job, "cancelled")

    def _validate(self, job: BatchJob) -> None:
        stored = self._files.get(job.input_file_id)
        if stored is None:
            job.errors.append(
                {
                    "code": "invalid_file",
                    "message": "input file not found",
                    "line": None,
                }
            )
            self._set(job, "failed")
            return
        for number, text in enumerate(stored.data.decode().splitlines(), start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except ValueError:
                line = None
            if not isinstance(line, dict) or not {"custom_id", "body", "url"} <= set(
                line
            ):
                job.errors.append(
                    {
                        "code": "invalid_json_line",
                        "message": "each line needs custom_id, method, url and body",
                        "line": number,
                    }
                )
            elif line["url"] != job.endpoint:
                job.errors.append(
                    {
                        "code": "mismatched_url",
                        "message": f"line url {line['url']} != endpoint {job.endpoint}",
                        "line": number,
                    }
                )
            else:
                job.lines.append(line)
        if job.errors:
            job.lines.clear()
            self._set(job, "failed")
        else:
            self._set(job, "in_progress")

    def _run(self, job: BatchJob, line: dict[str, Any]) -> None:
        path = ENDPOINTS[job.endpoint]
        raw = json.dumps(line["body"]).encode()
        request = RecordedRequest(
            "POST", path, {"content-type": "application/json"}, line["body"], raw
        )
        job.requests.append(request)
        route = self._server._route_for(path)
        reply = route(request) if route is not None else _embedding_reply(request)
        reply = _resolve(reply, request)
        if reply.events is not None:
            status, body = 400, _error_body("a batch request cannot stream")
        else:
            status = reply.status
            body = json.loads(reply.body or b"null")
        job.results.append((str(line["custom_id"]), status, body))

    def _write_files(self, job: BatchJob) -> None:
        if job.output_file_id or job.error_file_id:
            return
        out: list[str] = []
        err: list[str] = []
        for n, (custom_id, status, body) in enumerate(job.results, start=1):
            # DashScope's line id is the request id itself, a bare UUID (the
            # Batch doc's sample output), not OpenAI's `batch_req_...`.
            rid = _request_id_of(body) or f"req-{job.id}-{n}"
            record: dict[str, Any] = {
                "id": rid,
                "custom_id": custom_id,
                "response": {
                    "status_code": status,
                    "request_id": rid,
                    "body": body,
                },
                "error": None,
            }
            if status >= 400:
                inner = (body or {}).get("error") or {}
                record["error"] = {
                    "code": inner.get("code"),
                    "message": inner.get("message"),
                }
                err.append(json.dumps(record, ensure_ascii=False))
            else:
                out.append(json.dumps(record, ensure_ascii=False))
        if out:
            data = ("\n".join(out) + "\n").encode()
            job.output_file_id = self._files.add(
                f"{job.id}_success.jsonl", "batch_output", data
            ).id
        if err:
            data = ("\n".join(err) + "\n").encode()
            job.error_file_id = self._files.add(
                f"{job.id}_error.jsonl", "batch_output", data
            ).id

    # -- the routes ------------------------------------------------------------

    def route(self, request: RecordedRequest) -> Reply:
        """Answer a request under `/batches`."""
        path = request.path.split("?", 1)[0]
        rest = path[len(BATCHES_PATH) :].strip("/")
        parts = rest.split("/") if rest else []
        with self._lock:
            if not parts and request.method == "POST":
                return self._create(request.body)
            if not parts and request.method == "GET":
                data = [j.as_json() for j in reversed(list(self._jobs.values()))]
                return json_reply(
                    {
                        "object": "list",
                        "data": data,
                        "first_id": data[0]["id"] if data else None,
                        "last_id": data[-1]["id"] if data else None,
                        "has_more": False,
                    }
                )
            job = self._jobs.get(parts[0]) if parts else None
            if job is None:
                return error_reply(
                    404,
                    "NotFound",
                    f"Batch {rest} not found.",
                    type="invalid_request_error",
                )
            if len(parts) == 1 and request.method == "GET":
                return json_reply(job.as_json())
            if parts[1:] == ["cancel"] and request.method == "POST":
                if job.status not in _FINAL:
                    self._set(job, "cancelling")
                return json_reply(job.as_json())
        return _bad(f"Unsupported request {request.method} {path}.")

    def _create(self, body: Any) -> Reply:
        if not isinstance(body, Mapping):
            return _bad("Required body invalid, please check the request body format.")
        endpoint = body.get("endpoint")
        if endpoint not in ENDPOINTS:
            return _bad(
                f"Unsupported endpoint {endpoint!r}: use one of {list(ENDPOINTS)}."
            )
        if body.get("completion_window") != "24h":
            return _bad("completion_window must be '24h'.")
        file_id = str(body.get("input_file_id"))
        if self._files.get(file_id) is None:
            return error_reply(
                404,
                "NotFound",
                f"File {file_id} not found.",
                type="invalid_request_error",
            )
        job = BatchJob(
            id=f"batch_{next(self._ids)}",
            endpoint=str(endpoint),
            input_file_id=file_id,
            completion_window="24h",
            metadata=body.get("metadata"),
            created_at=self.now,
        )
        self._jobs[job.id] = job
        return json_reply(job.as_json())


_FINAL = frozenset({"completed", "failed", "expired", "cancelled"})


def _error_body(message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": "InvalidParameter",
            "message": message,
            "type": "invalid_request_error",
        }
    }


def _bad(message: str) -> Reply:
    return error_reply(400, "InvalidParameter", message, type="invalid_request_error")


def _embedding_reply(request: RecordedRequest) -> Reply:
    """A deterministic embeddings answer, for servers without an embeddings route."""
    body = request.body if isinstance(request.body, Mapping) else {}
    texts = body.get("input")
    texts = [texts] if isinstance(texts, str) else list(texts or [])
    size = int(body.get("dimensions") or 8)
    data = []
    for i, text in enumerate(texts):
        seed = sum(str(text).encode())
        vector = [((seed * (k + 1)) % 997) / 997 for k in range(size)]
        data.append({"object": "embedding", "embedding": vector, "index": i})
    tokens = sum(max(1, len(str(t)) // 4) for t in texts)
    return json_reply(
        {
            "object": "list",
            "data": data,
            "model": body.get("model"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


def batches_of(server: DashScopeServer) -> BatchQueue:
    """The `BatchQueue` of a server (also `server.batches`)."""
    return server.__dict__["batches"]


def _make_routes(server: DashScopeServer) -> Mapping[str, Route]:
    queue = BatchQueue(server, files_of(server))
    server.__dict__["batches"] = queue
    return {BATCHES_PATH: queue.route}


BUILTIN_ROUTES.append(_make_routes)

__all__ = ["BATCHES_PATH", "ENDPOINTS", "BatchJob", "BatchQueue", "batches_of"]
