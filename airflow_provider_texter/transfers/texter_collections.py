"""The five collections ``TexterToSqlOperator`` reads: each one's columns, key and lineage name, and how
one Texter object becomes its rows. Columns and row builders sit side by side so they stay in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from airflow_provider_texter.transfers.texter_values import (
    CHAT_STATUSES,
    MESSAGE_STATUSES,
    e164,
    json_text,
    status_name,
    text,
    utc_time,
)

CollectionName = Literal["chats", "unsubscribed", "templates", "labels", "messages"]
ColumnKind = Literal["key", "text", "json", "boolean", "integer", "timestamp"]
Row = tuple[Any, ...]
_VARIABLE = re.compile(r"\{\{(\d+)\}\}")


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind


@dataclass(frozen=True)
class Collection:
    """One collection: ``snapshot`` collections replace the table's contents each run; the others
    (messages) upsert by key. ``dataset`` is the Texter dataset OpenLineage names as the input."""

    name: CollectionName
    dataset: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    snapshot: bool = True
    carried: tuple[str, ...] = ()  # columns a new snapshot takes from the previous one, by key

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def _columns(**kinds: ColumnKind) -> tuple[Column, ...]:
    return tuple(Column(name, kind) for name, kind in kinds.items())


CHATS = Collection(
    "chats",
    "chats",
    _columns(
        chat_id="key",
        phone="text",
        channel="text",
        account_id="text",
        title="text",
        display_name="text",
        status="text",
        agent_uid="text",
        agent_name="text",
        department_id="text",
        labels="json",
        crm_data="json",
        external_bot="boolean",
        unsubscribed_at="timestamp",
        last_message_at="timestamp",
        last_incoming_message_at="timestamp",
        created_at="timestamp",
        updated_at="timestamp",
    ),  # fmt: skip
    key=("chat_id",),
)
UNSUBSCRIBED = Collection(
    "unsubscribed",
    "whatsapp.unsubscribed",
    _columns(phone="key", title="text", account_id="text", first_seen_at="timestamp"),
    key=("phone",),
    carried=("first_seen_at",),
)
TEMPLATES = Collection(
    "templates",
    "whatsapp.templates",
    _columns(
        account_id="key",
        name="key",
        language="key",
        status="text",
        category="text",
        body_text="text",
        variables="integer",
        rejection_reason="text",
    ),  # fmt: skip
    key=("account_id", "name", "language"),
)
LABELS = Collection(
    "labels",
    "labels",
    _columns(label_id="key", name="text", color="text", system="boolean"),
    key=("label_id",),
)
MESSAGES = Collection(
    "messages",
    "messages",
    _columns(
        message_id="key",
        chat_id="text",
        direction="text",
        type="text",
        status="text",
        status_history="json",
        provider_message_id="text",
        sent_at="timestamp",
        updated_at="timestamp",
        text="text",
    ),  # fmt: skip
    key=("message_id",),
    snapshot=False,
)
COLLECTIONS: dict[str, Collection] = {
    collection.name: collection for collection in (CHATS, UNSUBSCRIBED, TEMPLATES, LABELS, MESSAGES)
}


def chat_row(chat: dict[str, Any]) -> Row:
    """A Search Chats result as a ``chats`` row; the phone only for WhatsApp, whose contacts are phones."""
    channel = chat.get("channelInfo") or {}
    agent = chat.get("agent") or {}
    unsubscribed_at = utc_time(chat.get("unsubscribeTime")) if chat.get("unsubscribed") else None
    return (
        chat.get("_id"),
        e164(channel.get("id")) if channel.get("name") == "whatsapp" else None,
        channel.get("name"),
        text(channel.get("accountId")),
        chat.get("title"),
        chat.get("displayName"),
        status_name(chat.get("status"), CHAT_STATUSES),
        agent.get("uid"),
        agent.get("displayName"),
        text(chat.get("departmentId")),
        json_text(chat.get("labels") or []),
        json_text(chat.get("crmData") or {}),
        bool(chat.get("externalBot")),
        unsubscribed_at,
        utc_time(chat.get("last_message_timestamp")),
        utc_time(chat.get("lastIncomingMessageTimestamp")),
        utc_time(chat.get("created")),
        utc_time(chat.get("updatedAt")),
    )


def unsubscribed_row(item: dict[str, Any], account_id: str | None, seen_at: datetime) -> Row:
    """A List unsubscribed item; ``first_seen_at`` is this run's time until the swap carries an older one."""
    return (e164(item.get("phone")) or item.get("phone"), item.get("title"), account_id, seen_at)


def template_rows(template: dict[str, Any]) -> list[Row]:
    """One row per localization of a List All Templates item."""
    provider = template.get("provider_template") or {}
    account_id = text((template.get("channelInfo") or {}).get("accountId")) or ""
    rows = []
    for localization in provider.get("localizations") or ():
        body = next(
            (part.get("text") for part in localization.get("components") or () if part.get("type") == "BODY"),
            None,
        )
        rows.append(
            (
                account_id,
                template.get("name"),
                localization.get("language"),
                localization.get("status"),
                provider.get("category"),
                body,
                None if body is None else variable_count(body),
                localization.get("rejectionReason"),
            )
        )
    return rows


def label_row(label: dict[str, Any]) -> Row:
    return (label.get("id"), label.get("name"), label.get("color"), bool(label.get("system")))


def message_row(message: dict[str, Any], chat_id: str, *, include_text: bool) -> Row:
    """A Get Messages item; its text only when asked for (message text is personal data)."""
    history = [
        {
            "status": status_name(step.get("status"), MESSAGE_STATUSES),
            "at": _iso(utc_time(step.get("timestamp"))),
        }
        for step in message.get("statusHistory") or ()
        if isinstance(step, dict)
    ]
    return (
        message.get("_id"),
        message.get("parent_chat") or chat_id,
        message.get("direction"),
        message.get("type"),
        status_name(message.get("status"), MESSAGE_STATUSES),
        json_text(history),
        (message.get("channelInfo") or {}).get("id"),
        utc_time(message.get("timestamp")),
        utc_time(message.get("updatedAt")),
        message.get("text") if include_text else None,
    )


def variable_count(body: str) -> int:
    """How many distinct ``{{n}}`` the body holds: the values a send of the template needs."""
    return len(set(_VARIABLE.findall(body)))


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="milliseconds")
