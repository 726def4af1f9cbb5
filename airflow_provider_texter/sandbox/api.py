"""Texter API v2 as the sandbox serves it: routes, token and scope checks, and the endpoints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .assignment import NoChatWithPhone, assignment, check_resolve_body
from .chat_labels import label_change
from .chats import CHAT_STATUSES, public_view, search_view
from .labels import UnknownLabel, label_changes, label_page, new_label
from .merging import MergeFailure
from .messages import message_page
from .optouts import opt_out_request, unsubscribed_page
from .payloads import InvalidRequest, chat_properties, crm_data_update, search_filters
from .state import SandboxState
from .store import UnknownChat
from .template_sends import send_template, template_send
from .templates import template_filter

BASE_PATH = "/server/api/v2"
MANAGE_CHATS = "Manage all chats"
LIST_CHATS = "List all chats"
MANAGE_LABELS = "Manage labels"
VIEW_CHATS = "View all chats"
VIEW_TEMPLATES = "View template messages"
SEND_TEMPLATES = "Send template messages"
SCOPES = frozenset({MANAGE_CHATS, LIST_CHATS, MANAGE_LABELS, VIEW_CHATS, VIEW_TEMPLATES, SEND_TEMPLATES})
SUCCESS = {"success": True}
JSON = "application/json"
PLAIN_TEXT = "text/plain; charset=utf-8"  # what Express's res.sendStatus(200) sends with its "OK"


@dataclass(frozen=True)
class Response:
    """An answer before encoding: status, payload (JSON, or text for ``PLAIN_TEXT``), extra headers."""

    status: int
    payload: Any
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = JSON


OK = Response(200, "OK", content_type=PLAIN_TEXT)  # how Manage Labels, Update Label and Assign Chat answer


@dataclass(frozen=True)
class Route:
    """The endpoint a request reached, the scope it needs (None: any valid token), and the decoded id in
    its path (``chat_id``, ``label_id`` or ``account_id``)."""

    endpoint: Callable[[ApiRequest, SandboxState], Response]
    scope: str | None
    chat_id: str | None = None
    label_id: str | None = None
    account_id: str | None = None


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

    @property
    def label_id(self) -> str:
        """The decoded label id in the path: routing sends only paths that carry one to label endpoints."""
        assert self.route is not None and self.route.label_id is not None
        return self.route.label_id


def message(status: int, text: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """An error answer in the API's shape: ``{"message": ...}``."""
    return Response(status, {"message": text}, headers)


def relative_path(path: str) -> str | None:
    """The raw path below the base path, or None for a path outside the API."""
    if path.startswith(BASE_PATH + "/"):
        return path[len(BASE_PATH) :]
    return None


def match_route(method: str, path: str | None) -> Route | None:
    """The route for ``method`` on a path below the base path; ids in the path are URL-decoded.

    A path that fits a pattern with fewer ids wins for every method: ``POST /chats/search`` is no
    chat called "search", and ``GET /chats/assign`` no chat called "assign".
    """
    if path is None:
        return None
    fitting = [(route, ids) for route in _ROUTES if (ids := _path_ids(route[1], path)) is not None]
    fewest_ids = min((len(ids) for _, ids in fitting), default=0)
    for (route_method, _, endpoint, scope), ids in fitting:
        if route_method == method and len(ids) == fewest_ids:
            return Route(endpoint, scope, **ids)
    return None


def _path_ids(pattern: str, path: str) -> dict[str, str] | None:
    """The decoded ids (``{chat_id}``, ``{label_id}``, ...) if ``path`` fits ``pattern``, else None."""
    pattern_parts, path_parts = pattern.split("/"), path.split("/")
    if len(pattern_parts) != len(path_parts):
        return None
    ids = {}
    for expected, actual in zip(pattern_parts, path_parts, strict=True):
        if expected.startswith("{") and actual:
            ids[expected[1:-1]] = unquote(actual)
        elif expected != actual:
            return None
    return ids


def respond(request: ApiRequest, state: SandboxState, scopes: frozenset[str] | None) -> Response:
    """Answer an API request: token (401), route (404), scope (403), then the endpoint (400, 404, 200).

    ``scopes`` None means the token holds every scope.
    """
    if not request.authorized:
        return message(401, "Unauthorized: invalid or missing API token")
    route = request.route
    if route is None:
        return message(404, "Not found")
    if scopes is not None and route.scope is not None and route.scope not in scopes:
        return message(403, f"Token lacks scope '{route.scope}'")
    try:
        return route.endpoint(request, state)
    except InvalidRequest as error:
        return message(400, str(error))
    except UnknownChat as error:
        return message(404, f"Chat {error.args[0]} not found")
    except UnknownLabel as error:
        return message(404, f"Label {error.args[0]} not found")
    except NoChatWithPhone as error:
        return message(404, str(error))
    except MergeFailure as error:  # lodash threw inside the server: the write did not happen
        return message(500, f"Internal server error: {error}")


def _json_body(request: ApiRequest) -> Any:
    if not request.body_is_json:
        raise InvalidRequest("body is not valid JSON")
    return request.body


def _update_crm_data(request: ApiRequest, state: SandboxState) -> Response:
    data, merging_mode = crm_data_update(_json_body(request))
    chat = state.chats.update_crm_data(request.chat_id, data, merging_mode)
    return Response(200, {"success": True, **chat})


def _update_chat(request: ApiRequest, state: SandboxState) -> Response:
    values, removed = chat_properties(_json_body(request))
    return Response(200, state.chats.update_properties(request.chat_id, values, removed))


def _search_chats(request: ApiRequest, state: SandboxState) -> Response:
    filters = search_filters(request.query)
    page, total = state.chats.search(filters)
    answer = Response(200, {"data": [search_view(chat) for chat in page], "total": total})
    state.drift.after_search(filters, state.chats, state.messages)  # the next page sees the moved chat
    return answer


def _get_chat(request: ApiRequest, state: SandboxState) -> Response:
    return Response(200, public_view(state.chats.get(request.chat_id)))


def _manage_chat_labels(request: ApiRequest, state: SandboxState) -> Response:
    change = label_change(_json_body(request))
    # The docs do not say what an id that names no label does. Refused, naming the ids: storing it would
    # give the chat a label agents cannot see, and the usual cause is a label name sent instead of its id.
    unknown = state.labels.unknown(change.label_ids)
    if unknown:
        raise InvalidRequest(f"{change.operation}: no label has the id {', '.join(map(repr, unknown))}")
    state.chats.update_from(request.chat_id, lambda chat: {"labels": change.apply(chat.get("labels") or [])})
    return OK


def _assign_chat(request: ApiRequest, state: SandboxState) -> Response:
    wanted = assignment(_json_body(request))
    values = wanted.chat_values(state.agents)
    state.chats.update_properties(wanted.find_chat_id(state.chats), values)
    return OK


def _resolve_chat(request: ApiRequest, state: SandboxState) -> Response:
    check_resolve_body(_json_body(request))
    state.chats.update_properties(request.chat_id, {"status": CHAT_STATUSES["RESOLVED"]})
    return Response(200, SUCCESS)


def _list_labels(request: ApiRequest, state: SandboxState) -> Response:
    labels, total = state.labels.page(*label_page(request.query))
    return Response(200, {"total": total, "labels": labels})


def _create_label(request: ApiRequest, state: SandboxState) -> Response:
    # The docs do not show this answer. The sandbox's choice: 200 with the created Label object as JSON,
    # the shape GET /labels/{labelId} answers, so a client can read the stored color without asking again.
    return Response(200, state.labels.create(new_label(_json_body(request))))


def _get_label(request: ApiRequest, state: SandboxState) -> Response:
    return Response(200, state.labels.get(request.label_id))


def _update_label(request: ApiRequest, state: SandboxState) -> Response:
    state.labels.update(request.label_id, label_changes(_json_body(request)))
    return OK


def _unsubscribe(request: ApiRequest, state: SandboxState) -> Response:
    state.opt_outs.unsubscribe(*opt_out_request(_json_body(request)))
    return Response(200, SUCCESS)


def _subscribe(request: ApiRequest, state: SandboxState) -> Response:
    state.opt_outs.subscribe(*opt_out_request(_json_body(request)))
    return Response(200, SUCCESS)


def _list_unsubscribed(request: ApiRequest, state: SandboxState) -> Response:
    skip, limit = unsubscribed_page(request.query)
    account_id = request.route.account_id if request.route else None
    page = state.opt_outs.listing(account_id)[skip : skip + limit]
    return Response(200, [opt_out.listed() for opt_out in page])


def _list_templates(request: ApiRequest, state: SandboxState) -> Response:
    return Response(200, state.templates.listing(*template_filter(request.query)))


def _send_template(request: ApiRequest, state: SandboxState) -> Response:
    return Response(200, send_template(template_send(_json_body(request)), state))


def _get_messages(request: ApiRequest, state: SandboxState) -> Response:
    messages, min_time, max_time = state.messages.page(request.chat_id, message_page(request.query))
    return Response(200, {"messages": messages, "minTime": min_time, "maxTime": max_time})


# (method, path pattern, endpoint, scope). The docs say any valid token may list labels; reading one label
# by id is taken to need no scope either.
_ROUTES = (
    ("GET", "/chats/search", _search_chats, LIST_CHATS),
    ("POST", "/chats/assign", _assign_chat, MANAGE_CHATS),
    ("GET", "/chats/{chat_id}", _get_chat, LIST_CHATS),
    ("PATCH", "/chats/{chat_id}", _update_chat, MANAGE_CHATS),
    ("POST", "/chats/{chat_id}/crm-data", _update_crm_data, MANAGE_CHATS),
    ("POST", "/chats/{chat_id}/labels", _manage_chat_labels, MANAGE_CHATS),
    ("POST", "/chats/{chat_id}/resolve", _resolve_chat, MANAGE_CHATS),
    ("GET", "/labels", _list_labels, None),
    ("POST", "/labels", _create_label, MANAGE_LABELS),
    ("GET", "/labels/{label_id}", _get_label, None),
    ("PATCH", "/labels/{label_id}", _update_label, MANAGE_LABELS),
    ("POST", "/whatsapp/templates/unsubscribe", _unsubscribe, MANAGE_CHATS),
    ("POST", "/whatsapp/templates/subscribe", _subscribe, MANAGE_CHATS),
    ("GET", "/whatsapp/templates/unsubscribed", _list_unsubscribed, LIST_CHATS),
    ("GET", "/whatsapp/templates/unsubscribed/{account_id}", _list_unsubscribed, LIST_CHATS),
    ("GET", "/whatsapp/templates", _list_templates, VIEW_TEMPLATES),
    ("POST", "/whatsapp/templates/send", _send_template, SEND_TEMPLATES),
    ("GET", "/messages/chat/{chat_id}", _get_messages, VIEW_CHATS),
)
