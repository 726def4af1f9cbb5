"""Texter API v2 as the sandbox serves it: routes, token and scope checks, and the four endpoints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .chats import public_view, search_view
from .merging import MergeFailure
from .payloads import InvalidRequest, chat_properties, crm_data_update, search_filters
from .store import ChatStore, UnknownChat

BASE_PATH = "/server/api/v2"
MANAGE_CHATS = "Manage all chats"
LIST_CHATS = "List all chats"
SCOPES = frozenset({MANAGE_CHATS, LIST_CHATS})


@dataclass(frozen=True)
class Response:
    """An answer before encoding: status, JSON payload, extra headers."""

    status: int
    payload: Any
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Route:
    """The endpoint a request reached, the scope it needs, and the decoded chat id in its path."""

    endpoint: Callable[[ApiRequest, ChatStore], Response]
    scope: str
    chat_id: str | None = None


@dataclass(frozen=True)
class ApiRequest:
    """What the endpoints read: the route (None when nothing matched), query, body and the token check."""

    route: Route | None
    query: dict[str, list[str]]
    body: Any
    body_is_json: bool
    authorized: bool

    @property
    def chat_id(self) -> str:
        """The decoded chat id in the path: routing sends only paths that carry one to chat endpoints."""
        assert self.route is not None and self.route.chat_id is not None
        return self.route.chat_id


def message(status: int, text: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """An error answer in the API's shape: ``{"message": ...}``."""
    return Response(status, {"message": text}, headers)


def relative_path(path: str) -> str | None:
    """The raw path below the base path, or None for a path outside the API."""
    if path.startswith(BASE_PATH + "/"):
        return path[len(BASE_PATH) :]
    return None


def match_route(method: str, path: str | None) -> Route | None:
    """The route for ``method`` on a path below the base path; chat ids are URL-decoded."""
    if path is None:
        return None
    if path == "/chats/search":
        return Route(_search_chats, LIST_CHATS) if method == "GET" else None
    parts = path.split("/")
    if len(parts) < 3 or parts[1] != "chats" or not parts[2]:
        return None
    chat_id = unquote(parts[2])
    if len(parts) == 3 and method == "GET":
        return Route(_get_chat, LIST_CHATS, chat_id)
    if len(parts) == 3 and method == "PATCH":
        return Route(_update_chat, MANAGE_CHATS, chat_id)
    if len(parts) == 4 and parts[3] == "crm-data" and method == "POST":
        return Route(_update_crm_data, MANAGE_CHATS, chat_id)
    return None


def respond(request: ApiRequest, store: ChatStore, scopes: frozenset[str] | None) -> Response:
    """Answer an API request: token (401), route (404), scope (403), then the endpoint (400, 404, 200).

    ``scopes`` None means the token holds every scope.
    """
    if not request.authorized:
        return message(401, "Unauthorized: invalid or missing API token")
    route = request.route
    if route is None:
        return message(404, "Not found")
    if scopes is not None and route.scope not in scopes:
        return message(403, f"Token lacks scope '{route.scope}'")
    try:
        return route.endpoint(request, store)
    except InvalidRequest as error:
        return message(400, str(error))
    except UnknownChat:
        return message(404, f"Chat {route.chat_id} not found")
    except MergeFailure as error:  # lodash threw inside the server: the write did not happen
        return message(500, f"Internal server error: {error}")


def _json_body(request: ApiRequest) -> Any:
    if not request.body_is_json:
        raise InvalidRequest("body is not valid JSON")
    return request.body


def _update_crm_data(request: ApiRequest, store: ChatStore) -> Response:
    data, merging_mode = crm_data_update(_json_body(request))
    chat = store.update_crm_data(request.chat_id, data, merging_mode)
    return Response(200, {"success": True, **chat})


def _update_chat(request: ApiRequest, store: ChatStore) -> Response:
    values, removed = chat_properties(_json_body(request))
    return Response(200, store.update_properties(request.chat_id, values, removed))


def _search_chats(request: ApiRequest, store: ChatStore) -> Response:
    page, total = store.search(search_filters(request.query))
    return Response(200, {"data": [search_view(chat) for chat in page], "total": total})


def _get_chat(request: ApiRequest, store: ChatStore) -> Response:
    return Response(200, public_view(store.get(request.chat_id)))
