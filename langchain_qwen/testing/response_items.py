"""Output items of DashScope's Responses API, as the loopback server sends them.

One builder per item type DashScope documents (Model Studio Responses pages,
read 2026-12-04; documentation only): `message`, `reasoning` (a summary, and
`encrypted_content` with the thinking summary on), `function_call`, and each
built-in tool's item. Queue them in a `ResponseTurn` (`testing.responses`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any


def _hex_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4()}"


def message_item(text: str, *, id: str | None = None) -> dict[str, Any]:
    """An assistant `message` output item with one `output_text` part.

    Args:
        text: The answer text.
        id: The item id; `msg_<uuid>` when `None`.

    Returns:
        The item.
    """
    return {
        "id": id or _hex_id("msg"),
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def reasoning_item(
    summary: str, *, encrypted_content: str | None = None
) -> dict[str, Any]:
    """A `reasoning` item whose `summary` holds one `summary_text`.

    Args:
        summary: The reasoning (or its summary, with `reasoning.summary`).
        encrypted_content: The ciphertext of the full reasoning, as DashScope
            returns it when the thinking summary is switched on.

    Returns:
        The item (its id is `msg_<uuid>`, as in DashScope's examples).
    """
    item: dict[str, Any] = {
        "id": _hex_id("msg"),
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": summary}],
    }
    if encrypted_content is not None:
        item["encrypted_content"] = encrypted_content
    return item


def function_call_item(
    name: str, arguments: Mapping[str, Any] | str, *, call_id: str | None = None
) -> dict[str, Any]:
    """A `function_call` item: the model asks the caller to run a function.

    Args:
        name: The function name.
        arguments: The arguments (a dict is dumped as JSON).
        call_id: The call id; `call_<hex>` when `None`.

    Returns:
        The item.
    """
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {
        "id": _hex_id("fc"),
        "type": "function_call",
        "status": "completed",
        "call_id": call_id or f"call_{uuid.uuid4().hex[:24]}",
        "name": name,
        "arguments": args,
    }


def web_search_call_item(query: str, sources: Sequence[str] = ()) -> dict[str, Any]:
    """A `web_search_call` item (`action.query`, `action.sources[]`).

    Args:
        query: What was searched.
        sources: The URLs found.

    Returns:
        The item.
    """
    return {
        "id": _hex_id("ws"),
        "type": "web_search_call",
        "status": "completed",
        "action": {
            "type": "search",
            "query": query,
            "sources": [{"type": "url", "url": url} for url in sources],
        },
    }


def web_extractor_call_item(
    goal: str, urls: Sequence[str], output: str
) -> dict[str, Any]:
    """A `web_extractor_call` item (`goal`, `urls`, `output`).

    Args:
        goal: What the extractor looked for.
        urls: The pages read.
        output: What it extracted.

    Returns:
        The item.
    """
    return {
        "id": _hex_id("we"),
        "type": "web_extractor_call",
        "status": "completed",
        "goal": goal,
        "urls": list(urls),
        "output": output,
    }


def code_interpreter_call_item(
    code: str, logs: str, *, container_id: str = "auto"
) -> dict[str, Any]:
    """A `code_interpreter_call` item (`code`, `outputs[]` of `logs`).

    Args:
        code: The code the model ran.
        logs: What it printed.
        container_id: The container it ran in.

    Returns:
        The item.
    """
    return {
        "id": _hex_id("ci"),
        "type": "code_interpreter_call",
        "status": "completed",
        "code": code,
        "outputs": [{"type": "logs", "logs": logs}],
        "container_id": container_id,
    }


def _json_tool_item(
    kind: str, name: str, arguments: Mapping[str, Any], output: Any
) -> dict[str, Any]:
    return {
        "id": _hex_id("ti"),
        "type": kind,
        "status": "completed",
        "name": name,
        "arguments": json.dumps(arguments, ensure_ascii=False),
        "output": json.dumps(output, ensure_ascii=False),
    }


def web_search_image_call_item(
    query: str, images: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A `web_search_image_call` item (text to image; `output` a JSON string).

    Args:
        query: The text searched for.
        images: The images found, e.g. `{"title": ..., "url": ...}`.

    Returns:
        The item.
    """
    return _json_tool_item(
        "web_search_image_call",
        "web_search_image",
        {"queries": [query]},
        list(images),
    )


def image_search_call_item(
    img_idx: int, bbox: Sequence[int], images: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """An `image_search_call` item (image to image; arguments `{img_idx, bbox}`).

    Args:
        img_idx: Which input image was searched.
        bbox: The searched region of it.
        images: The similar images found.

    Returns:
        The item.
    """
    return _json_tool_item(
        "image_search_call",
        "image_search",
        {"img_idx": img_idx, "bbox": list(bbox)},
        list(images),
    )


def file_search_call_item(
    queries: Sequence[str], results: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A `file_search_call` item (knowledge-base search).

    Args:
        queries: The queries run.
        results: Hits with `file_id`, `filename`, `score` and `text`.

    Returns:
        The item.
    """
    return {
        "id": _hex_id("fs"),
        "type": "file_search_call",
        "status": "completed",
        "queries": list(queries),
        "results": [dict(r) for r in results],
    }


def mcp_call_item(
    server_label: str, name: str, arguments: Mapping[str, Any], output: str
) -> dict[str, Any]:
    """An `mcp_call` item: a tool of a remote MCP server, run by DashScope.

    Args:
        server_label: The MCP server's label from the request.
        name: The tool called.
        arguments: Its arguments.
        output: What it returned.

    Returns:
        The item.
    """
    return {
        "id": _hex_id("mcp"),
        "type": "mcp_call",
        "status": "completed",
        "server_label": server_label,
        "name": name,
        "arguments": json.dumps(arguments, ensure_ascii=False),
        "output": output,
    }
