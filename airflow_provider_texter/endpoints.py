"""One description per Texter API call: what ``TexterHook.call`` needs to send it and to check the answer.

Adding an endpoint is one description here, one request schema in ``schemas/`` and one convenience
method on the hook. The sandbox keeps its own copy of these facts on purpose; a test compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass

MANAGE_CHATS = "Manage all chats"
LIST_CHATS = "List all chats"
MANAGE_LABELS = "Manage labels"

# What a good answer looks like (an endpoint may accept several):
JSON_OBJECT = "a JSON object"
JSON_ARRAY = "a JSON array"
SUCCESS = '{"success": true}'
PLAIN_OK = "plain text OK"


@dataclass(frozen=True)
class Endpoint:
    """One API call.

    :param name: the call's name in Texter's API reference, used in error messages.
    :param method: the HTTP method.
    :param path: the path below the base URL; ``{chat_id}`` / ``{label_id}`` mark the id segment.
    :param scope: the token scope the call needs; None when any valid token may make it.
    :param request_schema: the file in ``schemas/`` (without ``.json``) the body must satisfy; None for
        calls without a body (their query is built by the convenience method, e.g. ``search_query``).
    :param answers: the answer shapes that mean success; anything else is an error.
    :param subject: what a 404 is about, with the path's ids filled in.
    """

    name: str
    method: str
    path: str
    scope: str | None
    request_schema: str | None
    answers: tuple[str, ...]
    subject: str

    @property
    def path_ids(self) -> tuple[str, ...]:
        """The ids the path needs: ``("chat_id",)``, ``("label_id",)`` or none."""
        return tuple(name for name in ("chat_id", "label_id") if f"{{{name}}}" in self.path)


UPDATE_CRM_DATA = Endpoint(
    "Update CRM Data", "POST", "/chats/{chat_id}/crm-data", MANAGE_CHATS, "update_crm_data",
    (SUCCESS,), "chat {chat_id}",
)  # fmt: skip
UPDATE_CHAT_PROPERTIES = Endpoint(
    "Update Chat Properties", "PATCH", "/chats/{chat_id}", MANAGE_CHATS, "update_chat_properties",
    (JSON_OBJECT,), "chat {chat_id}",
)  # fmt: skip
SEARCH_CHATS = Endpoint("Search Chats", "GET", "/chats/search", LIST_CHATS, None, (JSON_OBJECT,), "search")
MANAGE_CHAT_LABELS = Endpoint(
    "Manage Labels in Chat", "POST", "/chats/{chat_id}/labels", MANAGE_CHATS, "manage_chat_labels",
    (PLAIN_OK,), "chat {chat_id}",
)  # fmt: skip
LIST_LABELS = Endpoint("List Labels", "GET", "/labels", None, None, (JSON_OBJECT,), "labels")
# The docs do not show Create Label's answer: the created label as JSON, or a plain OK, are both success.
CREATE_LABEL = Endpoint(
    "Create Label", "POST", "/labels", MANAGE_LABELS, "create_label", (JSON_OBJECT, PLAIN_OK), "label"
)
ASSIGN_CHAT = Endpoint(
    "Assign Chat", "POST", "/chats/assign", MANAGE_CHATS, "assign_chat", (PLAIN_OK,), "chat to assign"
)
RESOLVE_CHAT = Endpoint(
    "Resolve Chat", "POST", "/chats/{chat_id}/resolve", MANAGE_CHATS, "resolve_chat",
    (SUCCESS,), "chat {chat_id}",
)  # fmt: skip

ENDPOINTS: tuple[Endpoint, ...] = (
    UPDATE_CRM_DATA,
    UPDATE_CHAT_PROPERTIES,
    SEARCH_CHATS,
    MANAGE_CHAT_LABELS,
    LIST_LABELS,
    CREATE_LABEL,
    ASSIGN_CHAT,
    RESOLVE_CHAT,
)


def is_good_answer(endpoint: Endpoint, answer: object) -> bool:
    """Whether a decoded 2xx answer has one of the shapes the endpoint promises."""
    for shape in endpoint.answers:
        if shape == PLAIN_OK and isinstance(answer, str) and answer.strip() == "OK":
            return True
        if shape == SUCCESS and isinstance(answer, dict) and answer.get("success") is True:
            return True
        if shape == JSON_OBJECT and isinstance(answer, dict):
            return True
        if shape == JSON_ARRAY and isinstance(answer, list):
            return True
    return False
