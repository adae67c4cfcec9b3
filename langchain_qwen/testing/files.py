"""Loopback routes for DashScope's OpenAI-compatible Files API.

`POST /files` (a multipart upload with `purpose`), `GET /files`,
`GET /files/{id}`, `GET /files/{id}/content` and `DELETE /files/{id}`, in
OpenAI's shapes. Every `DashScopeServer` gets a `FileStore` of its own, as
`files_of(server)` (and `server.files`).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

from langchain_qwen.testing._replies import (
    RecordedRequest,
    Reply,
    error_reply,
    json_reply,
)
from langchain_qwen.testing._server import BUILTIN_ROUTES

if TYPE_CHECKING:
    from langchain_qwen.testing._server import DashScopeServer, Route

FILES_PATH = "/compatible-mode/v1/files"

# A fixed epoch, so that replies do not depend on the wall clock.
EPOCH = 1_764_547_200  # 2025-12-01 00:00:00 UTC


@dataclass
class StoredFile:
    """One uploaded (or server-written) file.

    Attributes:
        id: The file id, e.g. `"file-batch-1"`.
        filename: The name given at upload.
        purpose: `"batch"` for inputs, `"batch_output"` for results.
        data: The bytes.
        created_at: The creation time (seconds, on the server's fixed clock).
    """

    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int = EPOCH

    def as_json(self) -> dict[str, Any]:
        """The file object, as OpenAI and DashScope send it."""
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
        }


class FileStore:
    """The files a server holds; safe to use from server threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, StoredFile] = {}
        self._ids = itertools.count(1)

    def add(self, filename: str, purpose: str, data: bytes) -> StoredFile:
        """Store a file under a fresh id and return it."""
        with self._lock:
            stored = StoredFile(
                f"file-batch-{next(self._ids)}", filename, purpose, data
            )
            self._files[stored.id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        """The file with that id, or `None`."""
        with self._lock:
            return self._files.get(file_id)

    def remove(self, file_id: str) -> bool:
        """Delete a file; whether it existed."""
        with self._lock:
            return self._files.pop(file_id, None) is not None

    def all(self) -> list[StoredFile]:
        """Every file, oldest first."""
        with self._lock:
            return list(self._files.values())


def parse_multipart(
    content_type: str, raw: bytes
) -> dict[str, tuple[str | None, bytes]]:
    """Split a `multipart/form-data` body into fields.

    Args:
        content_type: The request's `content-type` (with the boundary).
        raw: The body.

    Returns:
        Field name -> (filename or `None`, bytes).

    Raises:
        ValueError: Not a multipart body.
    """
    if not content_type.lower().startswith("multipart/form-data"):
        msg = f"expected multipart/form-data, got {content_type!r}"
        raise ValueError(msg)
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        msg = "the multipart body has no parts"
        raise ValueError(msg)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        fields[str(name)] = (part.get_filename(), data)
    return fields


def _not_found(file_id: str) -> Reply:
    return error_reply(
        404,
        "NotFound",
        f"File {file_id} not found.",
        type="invalid_request_error",
    )


def _bad(message: str) -> Reply:
    return error_reply(400, "InvalidParameter", message, type="invalid_request_error")


def _route(store: FileStore, request: RecordedRequest) -> Reply:
    path = request.path.split("?", 1)[0]
    rest = path[len(FILES_PATH) :].strip("/")
    parts = rest.split("/") if rest else []
    if not parts:
        if request.method == "GET":
            listed = [f.as_json() for f in store.all()]
            return json_reply({"object": "list", "data": listed, "has_more": False})
        if request.method != "POST":
            return _bad(f"Method {request.method} is not allowed on /files.")
        try:
            fields = parse_multipart(
                request.headers.get("content-type", ""), request.raw
            )
        except ValueError as exc:
            return _bad(f"Invalid upload: {exc}.")
        purpose = fields.get("purpose", (None, b""))[1].decode()
        if purpose != "batch":
            return _bad(f"Unsupported purpose {purpose!r}: use 'batch'.")
        if "file" not in fields:
            return _bad("Missing the 'file' field.")
        filename, data = fields["file"]
        return json_reply(
            store.add(filename or "upload.jsonl", purpose, data).as_json()
        )
    stored = store.get(parts[0])
    if stored is None:
        return _not_found(parts[0])
    if len(parts) == 1 and request.method == "GET":
        return json_reply(stored.as_json())
    if len(parts) == 1 and request.method == "DELETE":
        store.remove(stored.id)
        return json_reply({"id": stored.id, "object": "file", "deleted": True})
    if parts[1:] == ["content"] and request.method == "GET":
        return Reply(
            headers={"content-type": "application/octet-stream"}, body=stored.data
        )
    return _bad(f"Unsupported request {request.method} {path}.")


def files_of(server: DashScopeServer) -> FileStore:
    """The `FileStore` of a server (created with its routes)."""
    return server.__dict__["files"]


def _make_routes(server: DashScopeServer) -> Mapping[str, Route]:
    store = FileStore()
    server.__dict__["files"] = store
    return {FILES_PATH: lambda request: _route(store, request)}


BUILTIN_ROUTES.append(_make_routes)

__all__ = ["FILES_PATH", "FileStore", "StoredFile", "files_of", "parse_multipart"]
