"""The API calls that read Texter back into the warehouse, described for ``TexterHook.call``.

Search Chats and List Labels are in ``endpoints.py`` already (the writes use them too). List
unsubscribed has a second path per WhatsApp number: ``list_unsubscribed_endpoint`` puts the number
into the path as one checked segment, so ``call`` needs no new kind of id.
"""

from __future__ import annotations

from dataclasses import replace

from airflow_provider_texter.endpoints import JSON_ARRAY, JSON_OBJECT, LIST_CHATS, Endpoint
from airflow_provider_texter.hooks.texter import path_segment

VIEW_CHATS = "View all chats"
VIEW_TEMPLATES = "View template messages"

LIST_UNSUBSCRIBED = Endpoint(
    "List unsubscribed", "GET", "/whatsapp/templates/unsubscribed", LIST_CHATS, None, (JSON_ARRAY,),
    "unsubscribed list",
)  # fmt: skip
LIST_TEMPLATES = Endpoint(
    "List All Templates", "GET", "/whatsapp/templates", VIEW_TEMPLATES, None, (JSON_ARRAY,), "templates"
)
GET_CHAT_MESSAGES = Endpoint(
    "Get Messages of a Chat", "GET", "/messages/chat/{chat_id}", VIEW_CHATS, None, (JSON_OBJECT,),
    "chat {chat_id}",
)  # fmt: skip

READS: tuple[Endpoint, ...] = (LIST_UNSUBSCRIBED, LIST_TEMPLATES, GET_CHAT_MESSAGES)


def list_unsubscribed_endpoint(account_id: str | None) -> Endpoint:
    """List unsubscribed for one WhatsApp number (``/unsubscribed/{accountId}``), or for all of them."""
    if account_id is None:
        return LIST_UNSUBSCRIBED
    segment = path_segment(account_id, field="account_id")  # quoted: no braces for call's format()
    return replace(
        LIST_UNSUBSCRIBED, path=f"{LIST_UNSUBSCRIBED.path}/{segment}", subject=f"account {segment}"
    )
