"""Get Messages of a Chat (``GET /messages/chat/{chatId}``): a page of a chat's messages, oldest first, going
backwards in time from ``beforeTime`` (inclusive) and ``beforeId`` (excluded)."""

from __future__ import annotations

import time

from airflow_provider_texter.actions.action import Action, Request
from airflow_provider_texter.actions.endpoint import JSON_OBJECT, VIEW_CHATS, Endpoint
from airflow_provider_texter.exceptions import TexterValidationError

DEFAULT_LIMIT = 50
NO_MESSAGE_ID = "0" * 24  # an id no message has: a page before it and a time excludes nothing at that time
AHEAD_MS = 86_400_000  # "now" for the newest page, a day ahead: Texter's clock may run ahead of ours

GET_MESSAGES = Action(
    Endpoint(
        "Get Messages of a Chat", "GET", "/messages/chat/{chat_id}", VIEW_CHATS, None, (JSON_OBJECT,),
        "chat {chat_id}",
    ),
    addressing="chat_in_path",
)  # fmt: skip


def messages_request(
    chat_id: str, before_time: int | None = None, before_id: str | None = None, limit: int = DEFAULT_LIMIT
) -> Request:
    """The ``limit`` messages before ``before_time`` and ``before_id`` (both None: the newest ones)."""
    problems = []
    if (before_time is None) != (before_id is None):
        problems.append("before_time and before_id: give both (where the previous page began) or neither")
    if not isinstance(limit, int) or limit < 1:
        problems.append(f"limit: must be an integer >= 1, got {limit!r}")
    if problems:
        raise TexterValidationError(problems, context="Get Messages of a Chat request")
    if before_time is None:
        before_time, before_id = int(time.time() * 1000) + AHEAD_MS, NO_MESSAGE_ID
    query = {"beforeTime": before_time, "beforeId": before_id, "limit": limit}
    return GET_MESSAGES.request(chat_id=chat_id, query=query)
