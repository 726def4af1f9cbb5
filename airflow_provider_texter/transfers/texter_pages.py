"""Texter's lists page by page, through the hook (its pacing, retries, redaction and typed errors).

Each reader yields pages as they arrive and keeps none: memory does not grow with the project.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from airflow_provider_texter.actions.get_messages import messages_request
from airflow_provider_texter.exceptions import TexterClientError
from airflow_provider_texter.hooks.texter import TexterHook

CHAT_PAGE_SIZE = 10_000  # Search Chats' largest page
MESSAGE_PAGE_SIZE = 1_000  # the docs give Get Messages no maximum (default 50): keep it configurable


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


def chat_messages(
    hook: TexterHook, chat_id: str, since_ms: int | None, page_size: int = MESSAGE_PAGE_SIZE
) -> list[dict[str, Any]]:
    """The chat's messages sent at ``since_ms`` or later (all without it), oldest first: pages back in
    time from now until one reaches before ``since_ms`` or the chat's first message."""
    kept: list[list[dict]] = []
    before_time, before_id = None, None  # the first page: the newest messages
    while True:
        answer = hook.send(messages_request(chat_id, before_time, before_id, page_size))
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
