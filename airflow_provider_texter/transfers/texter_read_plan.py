"""``TexterToSqlOperator``'s arguments checked once, all problems together, into a frozen plan.

Nothing here sends a request or opens a connection: a bad collection, table name or filter fails the
task before Texter or the warehouse is touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airflow_provider_texter.actions.search_chats import search_query
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.transfers.texter_collections import COLLECTIONS, Collection
from airflow_provider_texter.transfers.texter_pages import CHAT_PAGE_SIZE, MESSAGE_PAGE_SIZE, ChatFilters
from airflow_provider_texter.transfers.texter_values import since_time
from airflow_provider_texter.transfers.warehouse_tables import check_warehouse_table_name

# The arguments that only some collections take (account_id: chats with channel_name, and the lists
# that are per WhatsApp number).
ONLY_FOR = {
    "labels": ("chats",),
    "statuses": ("chats",),
    "channel_name": ("chats",),
    "account_id": ("chats", "unsubscribed", "templates"),
    "chat_ids_sql": ("messages",),
    "since": ("messages",),
    "include_text": ("messages",),
}


@dataclass(frozen=True)
class ReadPlan:
    """What one run reads and where it writes it."""

    collection: Collection
    table: str
    filters: ChatFilters = field(default_factory=ChatFilters)
    account_id: str | None = None
    chat_ids_sql: str | None = None
    since: datetime | None = None
    include_text: bool = False
    max_workers: int = 8
    batch_size: int = 1000
    chat_page_size: int = CHAT_PAGE_SIZE
    message_page_size: int = MESSAGE_PAGE_SIZE


def read_plan(
    *,
    collection: str,
    table: Any,
    labels: Sequence[str] | str | None = None,
    statuses: Sequence[str] | str | None = None,
    channel_name: str | None = None,
    account_id: str | None = None,
    chat_ids_sql: str | None = None,
    since: Any = None,
    include_text: bool = False,
    max_workers: int = 8,
    batch_size: int = 1000,
    chat_page_size: int = CHAT_PAGE_SIZE,
    message_page_size: int = MESSAGE_PAGE_SIZE,
) -> ReadPlan:
    """The plan, or one ``TexterValidationError`` listing every problem."""
    problems = []
    chosen = COLLECTIONS.get(collection)
    if chosen is None:
        problems.append(f"collection: {collection!r} is not one of {', '.join(COLLECTIONS)}")
    problems += _problems(check_warehouse_table_name, table)
    given = {
        "labels": labels, "statuses": statuses, "channel_name": channel_name, "account_id": account_id,
        "chat_ids_sql": chat_ids_sql, "since": since, "include_text": include_text or None,
    }  # fmt: skip
    problems += [
        f"{name}: only for collection {' or '.join(ONLY_FOR[name])}, not {collection!r}"
        for name, value in given.items()
        if value is not None and chosen is not None and chosen.name not in ONLY_FOR[name]
    ]
    filters = ChatFilters(_strings(labels), _strings(statuses), channel_name, account_id)
    if chosen is not None and chosen.name == "chats":
        problems += _problems(_check_search_filters, filters)
    since_moment = None
    if chosen is not None and chosen.name == "messages":
        if not (isinstance(chat_ids_sql, str) and chat_ids_sql.strip()):
            problems.append(
                "chat_ids_sql: a query returning chat ids (first column) is required for messages"
            )
        try:
            since_moment = since_time(since)
        except TexterValidationError as error:
            problems += error.problems
    if not isinstance(chat_page_size, int) or not 1 <= chat_page_size <= CHAT_PAGE_SIZE:
        problems.append(
            f"chat_page_size: must be an integer from 1 to {CHAT_PAGE_SIZE}, got {chat_page_size!r}"
        )
    problems += [
        f"{name}: must be an integer of at least 1, got {value!r}"
        for name, value in (
            ("max_workers", max_workers),
            ("batch_size", batch_size),
            ("message_page_size", message_page_size),
        )  # fmt: skip
        if not isinstance(value, int) or isinstance(value, bool) or value < 1
    ]
    if problems or chosen is None:
        raise TexterValidationError(problems, context="TexterToSqlOperator arguments")
    return ReadPlan(
        collection=chosen,
        table=table,
        filters=filters,
        account_id=account_id,
        chat_ids_sql=chat_ids_sql,
        since=since_moment,
        include_text=bool(include_text),
        max_workers=max_workers,
        batch_size=batch_size,
        chat_page_size=chat_page_size,
        message_page_size=message_page_size,
    )


def _strings(value: Sequence[str] | str | None) -> tuple[str, ...]:
    """One string is one value (``labels="vip"``); a list as given."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _check_search_filters(filters: ChatFilters) -> None:
    """Search Chats' own checks (statuses, channel and account together), made locally."""
    search_query(
        None,
        channel_name=filters.channel_name,
        account_id=filters.account_id,
        labels=filters.labels,
        statuses=filters.statuses,
        limit=1,
        offset=0,
    )


def _problems(check: Any, value: Any) -> list[str]:
    try:
        check(value)
    except TexterValidationError as error:
        return error.problems
    return []
