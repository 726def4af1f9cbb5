"""Texter's lists page by page, through the hook (its pacing, retries, redaction and typed errors).

Each reader yields pages as they arrive and keeps none: memory does not grow with the project.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from airflow_provider_texter.endpoints import LIST_LABELS
from airflow_provider_texter.exceptions import TexterClientError, TexterError
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.reads import GET_CHAT_MESSAGES, LIST_TEMPLATES, list_unsubscribed_endpoint

CHAT_PAGE_SIZE = 10_000  # Search Chats' largest page
UNSUBSCRIBED_PAGE_SIZE = 9_999  # List unsubscribed's largest page
UNSUBSCRIBED_MAX_SKIP = 99_999
LABEL_PAGE_SIZE = 10_000
MESSAGE_PAGE_SIZE = 1_000  # the docs give Get Messages no maximum (default 50): keep it configurable
NO_MESSAGE_ID = "0" * 24  # the first page of Get Messages ends before a time only: no message has this id
CLOCK_MARGIN_MS = 86_400_000  # the first page ends a day from now: a server clock ahead still shows all


@dataclass(frozen=True)
class ChatFilters:
    """Search Chats' optional filters, as the hook's ``search_chats`` takes them."""

    labels: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    channel_name: str | None = None
    account_id: str | None = None


class ChatScan:
    """Search Chats read page by page by offset, newest last message first.

    A chat that gets a message during the scan jumps to the top, so offsets shift: the pages may repeat
    a chat (the caller keeps each chat once, by id) and may skip one that moved before the scan reached
    it. Every chat that moved has a last message newer than the newest one when its pass began, so
    ``moved_since(marker)`` reads the top of the list down to the first older chat.
    ``newest_at_start`` and ``total`` describe the last pass.
    """

    def __init__(self, hook: TexterHook, filters: ChatFilters, page_size: int = CHAT_PAGE_SIZE) -> None:
        self.hook = hook
        self.filters = filters
        self.page_size = page_size
        self.total = 0
        self.newest_at_start = 0

    def full_pass(self) -> Iterator[list[dict]]:
        """Every page from the top to the end."""
        offset = 0
        while True:
            page = self._page(offset)
            size = len(page)
            if page:
                yield page
            del page  # released before the next page arrives: one page in memory at a time
            offset += size
            if size < self.page_size or offset >= self.total:
                return

    def moved_since(self, marker: int) -> Iterator[list[dict]]:
        """From the top, the chats whose last message is at ``marker`` (epoch ms) or later."""
        offset = 0
        while True:
            page = self._page(offset)
            moved = [chat for chat in page if last_message_ms(chat) >= marker]
            size, complete = len(page), len(moved) == len(page)
            del page
            if moved:
                yield moved
            del moved
            offset += size
            if not complete or size < self.page_size:
                return

    def _page(self, offset: int) -> list[dict]:
        answer = self.hook.search_chats(
            channel_name=self.filters.channel_name,
            account_id=self.filters.account_id,
            labels=self.filters.labels,
            statuses=self.filters.statuses,
            limit=self.page_size,
            offset=offset,
        )
        page, total = answer.get("data"), answer.get("total")
        if not isinstance(page, list) or not isinstance(total, int):
            raise TexterClientError(200, "GET", "/chats/search", "expected {data: [...], total: n}")
        self.total = total
        if offset == 0:
            self.newest_at_start = max((last_message_ms(chat) for chat in page), default=0)
        return page


def last_message_ms(chat: dict) -> int:
    stamp = chat.get("last_message_timestamp")
    return stamp if isinstance(stamp, int) else 0


def unsubscribed_pages(
    hook: TexterHook, account_id: str | None, page_size: int = UNSUBSCRIBED_PAGE_SIZE
) -> Iterator[list[dict]]:
    """List unsubscribed to the end: pages until one is shorter than ``page_size`` (no total is given)."""
    endpoint = list_unsubscribed_endpoint(account_id)
    skip = 0
    while True:
        if skip > UNSUBSCRIBED_MAX_SKIP:
            raise TexterError(
                f"List unsubscribed pages only to skip {UNSUBSCRIBED_MAX_SKIP:,}: more than "
                f"{skip:,} contacts opted out and the rest cannot be read"
            )
        page = hook.call(endpoint, query={"limit": page_size, "skip": skip})
        yield [item for item in page if isinstance(item, dict)]
        if len(page) < page_size:
            return
        skip += len(page)


def templates(hook: TexterHook, account_id: str | None) -> list[dict]:
    """List All Templates with ``includeAll``: pending and rejected ones too (the list is not paged)."""
    query = {"includeAll": "true"} | ({} if account_id is None else {"accountId": account_id})
    return [item for item in hook.call(LIST_TEMPLATES, query=query) if isinstance(item, dict)]


def label_pages(hook: TexterHook, page_size: int = LABEL_PAGE_SIZE) -> Iterator[list[dict]]:
    """List Labels to the end."""
    skip = 0
    while True:
        answer = hook.call(LIST_LABELS, query={"limit": page_size, "skip": skip})
        page, total = answer.get("labels"), answer.get("total")
        if not isinstance(page, list) or not isinstance(total, int):
            raise TexterClientError(200, "GET", "/labels", "expected {total: n, labels: [...]}")
        yield page
        skip += len(page)
        if not page or skip >= total:
            return


def chat_messages(
    hook: TexterHook, chat_id: str, since_ms: int | None, page_size: int = MESSAGE_PAGE_SIZE
) -> list[dict[str, Any]]:
    """The chat's messages sent at ``since_ms`` or later (all without it), oldest first: pages back in
    time from now until one reaches before ``since_ms`` or the chat's first message."""
    kept: list[list[dict]] = []
    before_time, before_id = int(time.time() * 1000) + CLOCK_MARGIN_MS, NO_MESSAGE_ID
    while True:
        answer = hook.call(
            GET_CHAT_MESSAGES,
            chat_id=chat_id,
            query={"beforeTime": before_time, "beforeId": before_id, "limit": page_size},
        )
        page = answer.get("messages")
        if not isinstance(page, list):
            raise TexterClientError(200, "GET", f"/messages/chat/{chat_id}", "expected {messages: [...]}")
        newer = [message for message in page if since_ms is None or _sent_ms(message) >= since_ms]
        kept.append(newer)
        if len(page) < page_size or len(newer) < len(page) or page[0].get("_id") == before_id:
            return [message for chunk in reversed(kept) for message in chunk]
        before_time, before_id = _sent_ms(page[0]), page[0].get("_id")


def _sent_ms(message: dict) -> int:
    stamp = message.get("timestamp")
    return stamp if isinstance(stamp, int) else 0
