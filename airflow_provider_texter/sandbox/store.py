"""The sandbox's chats: one lock, chats by ``_id``, and a phone index so lookups stay fast at scale."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable

from .chats import CHAT_ID_PATTERN, iso_timestamp, new_chat_id, now_ms
from .merging import apply_merging_mode
from .search import PHONE_INDEX_DIGITS, SearchFilters, contact_digits, matches, newest_first


class UnknownChat(KeyError):
    """No chat has this id."""


class ChatStore:
    """Thread-safe chat storage.

    A stored chat is never changed in place: every update stores a new dict (and new values). So the dict
    a method returns is a consistent snapshot that needs no copy to be serialised; callers must not change
    it. ``add`` copies what it is given.
    """

    def __init__(self, chats: Iterable[dict] = ()):
        self._lock = threading.Lock()
        self._chats: dict[str, dict] = {}
        self._ids_by_phone_end: dict[str, set[str]] = defaultdict(set)
        for chat in chats:
            self.add(chat)

    def add(self, chat: dict) -> dict:
        """Store a copy of ``chat`` (a new ``_id`` if it has none), replacing a chat with the same id."""
        stored = _checked_copy(chat)
        with self._lock:
            self._put(stored)
        return stored

    def find_or_add(
        self, contact: str, channel_name: str, account_id: str, new_chat: Callable[[], dict]
    ) -> dict:
        """The chat of ``contact`` on the channel; when there is none, ``new_chat()`` stored (one lock
        round: two sends to a new number make one chat)."""
        with self._lock:
            for chat in self._with_contact(contact):
                channel_info = chat.get("channelInfo") or {}
                if (channel_info.get("name"), channel_info.get("accountId")) == (channel_name, account_id):
                    return chat
            stored = _checked_copy(new_chat())
            self._put(stored)
            return stored

    def get(self, chat_id: str) -> dict:
        """The chat with this id; UnknownChat (a KeyError) if there is none."""
        with self._lock:
            return self._find(chat_id)

    def all(self) -> dict[str, dict]:
        """Every chat by id (the chats themselves, not copies: see the class docstring)."""
        with self._lock:
            return dict(self._chats)

    def with_contact(self, contact: str) -> list[dict]:
        """The chats whose contact id (``channelInfo.id``) is exactly ``contact``, on any channel."""
        with self._lock:
            return self._with_contact(contact)

    def update_crm_data(self, chat_id: str, data: dict, merging_mode: str) -> dict:
        """Merge ``data`` into the chat's crmData as Update CRM Data does; KeyError for an unknown chat."""
        with self._lock:
            chat = self._find(chat_id)
            crm_data = apply_merging_mode(chat.get("crmData") or {}, data, merging_mode)
            return self._replace(chat, {"crmData": crm_data})

    def update_properties(self, chat_id: str, values: dict, removed: Iterable[str] = ()) -> dict:
        """Set top-level ``values`` and drop the ``removed`` keys, as Update Chat Properties does."""
        with self._lock:
            # copied, so that the recorded request body and the stored chat never share objects
            return self._replace(self._find(chat_id), json.loads(json.dumps(values)), removed)

    def update_from(self, chat_id: str, values_for: Callable[[dict], dict]) -> dict:
        """Set the top-level values ``values_for(chat)`` gives, under the lock: a change computed from the
        stored chat (labels added to its labels) cannot undo a concurrent one."""
        with self._lock:
            chat = self._find(chat_id)
            return self._replace(chat, values_for(chat))

    def search(self, filters: SearchFilters) -> tuple[list[dict], int]:
        """One page of matching chats, newest first, and the number of matches before paging."""
        suffix = filters.phone_suffix
        with self._lock:
            if suffix is None:
                candidates = list(self._chats.values())
            else:
                ids = self._ids_by_phone_end.get(suffix[-PHONE_INDEX_DIGITS:], ())
                candidates = [self._chats[chat_id] for chat_id in ids]
        found = sorted((chat for chat in candidates if matches(chat, filters)), key=newest_first)
        return found[filters.offset : filters.offset + filters.limit], len(found)

    def _with_contact(self, contact: str) -> list[dict]:
        ids = self._ids_by_phone_end.get(contact[-PHONE_INDEX_DIGITS:], ())
        return [chat for chat in (self._chats[chat_id] for chat_id in ids) if contact_digits(chat) == contact]

    def _put(self, stored: dict) -> None:
        chat_id = stored["_id"]
        previous = self._chats.get(chat_id)
        if previous is not None:
            self._ids_by_phone_end[self._phone_end(previous)].discard(chat_id)
        self._chats[chat_id] = stored
        self._ids_by_phone_end[self._phone_end(stored)].add(chat_id)

    def _find(self, chat_id: str) -> dict:
        try:
            return self._chats[chat_id]
        except KeyError:
            raise UnknownChat(chat_id) from None

    def _replace(self, chat: dict, values: dict, removed: Iterable[str] = ()) -> dict:
        """Store a new version of ``chat``: ``values`` set, ``removed`` dropped, ``updatedAt`` bumped."""
        dropped = set(removed)
        updated = {key: value for key, value in chat.items() if key not in dropped}
        updated.update(values, updatedAt=iso_timestamp(now_ms()))
        self._chats[chat["_id"]] = updated
        return updated

    @staticmethod
    def _phone_end(chat: dict) -> str:
        return contact_digits(chat)[-PHONE_INDEX_DIGITS:]


def _checked_copy(chat: dict) -> dict:
    """A deep copy of ``chat`` that also proves it is JSON, with an ``_id`` (new if missing) and crmData."""
    stored = json.loads(json.dumps(chat))
    chat_id = stored.setdefault("_id", new_chat_id())
    if not isinstance(chat_id, str) or not CHAT_ID_PATTERN.fullmatch(chat_id):
        raise ValueError(f"chat _id must be 24 lowercase hex characters, got {chat_id!r}")
    if not isinstance(stored.setdefault("crmData", {}), dict):
        raise ValueError(f"chat {chat_id}: crmData must be an object, got {stored['crmData']!r}")
    return stored
