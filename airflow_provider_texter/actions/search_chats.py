"""Search Chats (``GET /chats/search``): find chats by phone or name, newest last message first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airflow_provider_texter.actions.action import Action
from airflow_provider_texter.actions.endpoint import JSON_OBJECT, LIST_CHATS, Endpoint
from airflow_provider_texter.exceptions import TexterValidationError

CHANNEL_NAMES = ("whatsapp", "messenger", "instagram", "website_chat", "email")
CHAT_STATUSES = ("BOT", "PENDING", "ASSIGNED", "RESOLVED", "BULK")
# The stored API reference does not show every query parameter name: they live here and nowhere else.
SEARCH_QUERY_NAMES = {
    "search": "search",
    "channel_name": "channel[name]",
    "account_id": "channel[accountId]",
    "labels": "labels[]",
    "statuses": "statuses[]",
    "limit": "limit",
    "offset": "offset",
}

SEARCH_CHATS = Action(
    Endpoint("Search Chats", "GET", "/chats/search", LIST_CHATS, None, (JSON_OBJECT,), "search"),
    addressing="none",
)


def search_query(
    search: str | None,
    *,
    channel_name: str | None,
    account_id: str | None,
    labels: Iterable[str] | None,
    statuses: Iterable[str] | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """Check Search Chats arguments locally (every problem at once) and name them as the API does."""
    labels = list(labels or [])
    statuses = [status.upper() for status in statuses or []]
    problems = []
    if search is not None and len(search.strip()) < 2:
        problems.append(f"search: needs at least 2 characters, got {search!r}")
    if (channel_name is None) != (account_id is None):
        problems.append("channel_name and account_id: give both or neither")
    if channel_name is not None and channel_name not in CHANNEL_NAMES:
        problems.append(f"channel_name: {channel_name!r} is not one of {', '.join(CHANNEL_NAMES)}")
    if len(labels) > 100:
        problems.append(f"labels: at most 100, got {len(labels)}")
    problems += [
        f"statuses: {status!r} is not one of {', '.join(CHAT_STATUSES)}"
        for status in statuses
        if status not in CHAT_STATUSES
    ]
    if not isinstance(limit, int) or not 1 <= limit <= 10000:
        problems.append(f"limit: must be an integer from 1 to 10000, got {limit!r}")
    if not isinstance(offset, int) or offset < 0:
        problems.append(f"offset: must be an integer >= 0, got {offset!r}")
    if problems:
        raise TexterValidationError(problems, context="search")
    values = {
        "search": search.strip() if search else None,
        "channel_name": channel_name,
        "account_id": account_id,
        "labels": labels or None,
        "statuses": statuses or None,
        "limit": limit,
        "offset": offset,
    }
    return {SEARCH_QUERY_NAMES[name]: value for name, value in values.items() if value is not None}
