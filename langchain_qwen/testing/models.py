"""The `/models` route of the loopback server: DashScope's model listing.

`GET /compatible-mode/v1/models` (and `/v1/models`) answers with an
OpenAI-style list, `GET .../models/<id>` with one model or a 404. By default
the ids are the catalogue's active aliases for Singapore; a server serves other
ids once told so::

    with DashScopeServer() as server:
        server.model_ids = ["qwen-plus", "qwen5-max"]  # read per request
        ...

or, for a fixed list, with `DashScopeServer(routes=models_routes(ids))`.
Set `server.models_region = "beijing"` to list another region's catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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

MODELS_PATHS: tuple[str, ...] = ("/compatible-mode/v1/models", "/v1/models")
"""The paths that serve the model listing."""

# A fixed timestamp: listings are compared in tests, so they must not drift.
_CREATED = 1764547200  # 2025-12-01T00:00:00Z


def catalogue_ids(region: str = "singapore") -> list[str]:
    """The catalogue's aliases a region offers, retired ones left out.

    Args:
        region: A region name or alias.

    Returns:
        The ids, sorted.
    """
    from langchain_qwen.catalogue import catalog  # noqa: PLC0415 (keep the import cheap)
    from langchain_qwen.regions import canonical_region  # noqa: PLC0415

    name = canonical_region(region)
    return [
        alias
        for alias in catalog.list_models(name)
        if (info := catalog.lookup(alias)) is not None
        and info.status(name) != "retired"
    ]


def _owner(model_id: str) -> str:
    vendor = model_id.split("-", 1)[0]
    return vendor if vendor in ("deepseek", "glm", "kimi") else "system"


def _entry(model_id: str) -> dict[str, Any]:
    return {
        "id": model_id,
        "object": "model",
        "created": _CREATED,
        "owned_by": _owner(model_id),
    }


def models_route(ids: Callable[[], Sequence[str]]) -> Route:
    """A route that lists `ids()` (called per request).

    Args:
        ids: Returns the ids to serve.

    Returns:
        The route.
    """

    def route(request: RecordedRequest) -> Reply:
        if request.method != "GET":
            return error_reply(
                405,
                "MethodNotAllowed",
                f"Method {request.method} is not allowed; use GET.",
                type="invalid_request_error",
            )
        path = request.path.split("?", 1)[0]
        served = list(ids())
        for prefix in MODELS_PATHS:
            if path.startswith(prefix + "/"):
                wanted = path.removeprefix(prefix + "/")
                if wanted in served:
                    return json_reply(_entry(wanted))
                return error_reply(
                    404,
                    "model_not_found",
                    f"The model `{wanted}` does not exist or you do not have "
                    "access to it.",
                    type="invalid_request_error",
                )
        return json_reply({"object": "list", "data": [_entry(i) for i in served]})

    return route


def models_routes(
    ids: Sequence[str] | None = None, region: str = "singapore"
) -> dict[str, Route]:
    """Routes for `DashScopeServer(routes=...)` that list fixed ids.

    Args:
        ids: The ids to list; the catalogue's for `region` when `None`.
        region: The region whose catalogue ids are listed by default.

    Returns:
        The routes by path prefix.
    """
    fixed = list(ids) if ids is not None else catalogue_ids(region)
    route = models_route(lambda: fixed)
    return dict.fromkeys(MODELS_PATHS, route)


def _server_routes(server: DashScopeServer) -> Mapping[str, Route]:
    def ids() -> Sequence[str]:
        # Attributes a test may set on the server at any time.
        chosen = getattr(server, "model_ids", None)
        if chosen is not None:
            return list(chosen)
        return catalogue_ids(getattr(server, "models_region", "singapore"))

    return dict.fromkeys(MODELS_PATHS, models_route(ids))


BUILTIN_ROUTES.append(_server_routes)

__all__ = ["MODELS_PATHS", "catalogue_ids", "models_route", "models_routes"]
