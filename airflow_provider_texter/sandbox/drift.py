"""Chats that get a message while a client pages through Search Chats: the drift a reader must survive.

Search Chats sorts by last message, newest first, and pages by offset, so a chat that gets a message
during a scan jumps to the top: every chat after it shifts one place down, and a reader paging by offset
sees one chat twice and, when the chat had not been read yet, never sees it. With drift on, after every
``every`` Search Chats answers one chat gets an incoming message: the chat the same search would list
last (the one a scan reaches last, so a naive reader misses it), or the ``chat_ids`` given, in turn.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from .messages import MessageStore
from .search import SearchFilters
from .store import ChatStore

DRIFT_TEXT = "a message that arrived during the scan"


class SearchDrift:
    """Off until ``start``; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._every = 0
        self._chat_ids: tuple[str, ...] = ()
        self._searches = 0
        self._moved = 0

    def start(self, every: int, chat_ids: tuple[str, ...] = ()) -> None:
        """After every ``every`` searches from now, move a chat (``every`` 0 stops the drift)."""
        if not isinstance(every, int) or every < 0:
            raise ValueError(f"every must be an integer of at least 0, got {every!r}")
        if not all(isinstance(chat_id, str) for chat_id in chat_ids):
            raise ValueError("chat_ids must be chat ids (strings)")
        with self._lock:
            self._every, self._chat_ids, self._searches, self._moved = every, tuple(chat_ids), 0, 0

    def after_search(self, filters: SearchFilters, chats: ChatStore, messages: MessageStore) -> None:
        """Count an answered search; when it is the ``every``-th, give the next chat a message."""
        with self._lock:
            if not self._every:
                return
            self._searches += 1
            if self._searches % self._every:
                return
            chat_id = self._chat_ids[self._moved % len(self._chat_ids)] if self._chat_ids else None
            self._moved += 1
        if chat_id is None:
            _, total = chats.search(replace(filters, limit=1, offset=0))
            last, _ = chats.search(replace(filters, limit=1, offset=max(total - 1, 0)))
            if not last:
                return
            chat_id = last[0]["_id"]
        messages.add(chat_id, text=DRIFT_TEXT)
