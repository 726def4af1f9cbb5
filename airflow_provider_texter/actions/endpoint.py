"""Where an API call goes and what a good answer to it looks like: the HTTP facts of one Texter call.

The sandbox keeps its own copy of these facts on purpose; a test compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass

MANAGE_CHATS = "Manage all chats"
LIST_CHATS = "List all chats"
MANAGE_LABELS = "Manage labels"
VIEW_CHATS = "View all chats"
VIEW_TEMPLATES = "View template messages"
SEND_TEMPLATES = "Send template messages"
PATH_IDS = ("chat_id", "label_id", "account_id")  # the ids a path may carry, each one segment

# What a good answer looks like (an endpoint may accept several):
JSON_OBJECT = "a JSON object"
JSON_ARRAY = "a JSON array"
SUCCESS = '{"success": true}'
PLAIN_OK = "plain text OK"


@dataclass(frozen=True)
class Endpoint:
    """The HTTP side of one API call.

    :param name: the call's name in Texter's API reference, used in error messages.
    :param method: the HTTP method.
    :param path: the path below the base URL; ``{chat_id}``, ``{label_id}`` or ``{account_id}`` (our
        WhatsApp number) mark the id segment.
    :param scope: the token scope the call needs; None when any valid token may make it.
    :param request_schema: the file in ``schemas/`` (without ``.json``) the body must satisfy; None for
        calls without a body (their query is built by their action, e.g. ``search_query``).
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
        """The ids the path needs: ``("chat_id",)``, ``("label_id",)``, ``("account_id",)`` or none."""
        return tuple(name for name in PATH_IDS if f"{{{name}}}" in self.path)


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
