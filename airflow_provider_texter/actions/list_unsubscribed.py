"""List unsubscribed (``GET /whatsapp/templates/unsubscribed[/{accountId}]``): who gets no template messages,
oldest opt-out first, a page of ``limit`` (1-9999) after ``skip`` (0-99999); no total.

Two paths, so two descriptions: every number of ours, or one (``account_id``)."""

from __future__ import annotations

from airflow_provider_texter.actions.action import Action, Request
from airflow_provider_texter.actions.endpoint import JSON_ARRAY, LIST_CHATS, Endpoint

MAX_PAGE_SIZE = 9_999
MAX_SKIP = 99_999
PATH = "/whatsapp/templates/unsubscribed"

LIST_UNSUBSCRIBED = Action(
    Endpoint("List unsubscribed", "GET", PATH, LIST_CHATS, None, (JSON_ARRAY,), "unsubscribed"),
    addressing="none",
)
LIST_UNSUBSCRIBED_FROM_NUMBER = Action(
    Endpoint(
        "List unsubscribed from a number", "GET", PATH + "/{account_id}", LIST_CHATS, None, (JSON_ARRAY,),
        "number {account_id}",
    ),
    addressing="none",
)  # fmt: skip


def unsubscribed_request(account_id: str | None, limit: int, skip: int) -> Request:
    """One page of the opt-outs from ``account_id`` (None: from any number of ours)."""
    query = {"limit": limit, "skip": skip}
    if account_id is None:
        return LIST_UNSUBSCRIBED.request(query=query)
    return LIST_UNSUBSCRIBED_FROM_NUMBER.request(account_id=account_id, query=query)
