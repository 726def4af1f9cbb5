"""Messages per chat as Get Messages of a Chat serves them; a new message moves its chat to the top of
Search Chats (its ``last_message_timestamp`` becomes the message's).

Pages go backwards in time: a page holds the ``limit`` newest messages before ``beforeTime`` (epoch
ms, inclusive) and ``beforeId`` (excluded), oldest first. Messages of the same millisecond are ordered
by id, and ``beforeId`` names where the previous page began, so no message repeats or goes missing; an
id the chat does not have excludes nothing. With ``botSessionId`` a page holds the newest ``limit``
messages of that bot session (the chat's ``botState.id`` when the message arrived). The docs give no
maximum ``limit``: the sandbox takes up to 1000.
"""

from __future__ import annotations

import base64
import bisect
import os
import threading
from dataclasses import dataclass
from typing import Any

from .chats import iso_timestamp, new_chat_id, now_ms
from .delivery import DELIVERED, Delivery
from .payloads import integer_parameter, last_value, raise_if_any, unknown_fields
from .store import ChatStore

MESSAGE_TYPES = ("text", "media", "contacts", "location", "buttons", "list", "postback", "special")
DIRECTIONS = ("incoming", "outgoing")
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
_ID_AFTER_ALL = "g"  # sorts after every hex id: the place of an id the chat does not have


@dataclass(frozen=True)
class Message:
    """One message as stored; its status is worked out when read (see ``delivery.py``)."""

    message_id: str
    chat_id: str
    bot_session_id: str | None
    type: str
    direction: str
    text: str
    timestamp: int
    wamid: str
    failure: str | None = None

    @property
    def order(self) -> tuple[int, str]:
        return self.timestamp, self.message_id

    def view(self, delivery: Delivery, now: int) -> dict[str, Any]:
        """The message as Get Messages shows it; a failed one carries ``error`` (the sandbox's field)."""
        if self.direction == "incoming":
            history = [(DELIVERED, self.timestamp)]
        else:
            history = delivery.history(self.timestamp, self.failure, now)
        status, changed = history[-1]
        view = {
            "_id": self.message_id,
            "parent_chat": self.chat_id,
            "type": self.type,
            "direction": self.direction,
            "text": self.text,
            "status": status,
            "statusHistory": [{"status": step, "timestamp": at} for step, at in history],
            "timestamp": self.timestamp,
            "updatedAt": iso_timestamp(changed),
            "channelInfo": {"id": self.wamid},
            "agent": None,
            "botSessionId": self.bot_session_id,
        }
        if len(history) > 1 and self.failure is not None:
            view["error"] = self.failure
        return view


@dataclass(frozen=True)
class MessagePage:
    """A checked Get Messages query: the bot session, or the place before which the page ends."""

    limit: int
    bot_session_id: str | None = None
    before: tuple[int, str] | None = None


def message_page(query: dict[str, list[str]]) -> MessagePage:
    """The page a Get Messages query string asks for: ``botSessionId``, or ``beforeTime`` with
    ``beforeId``; ``limit`` 1 to 1000, default 50."""
    problems = unknown_fields(query, ("botSessionId", "beforeTime", "beforeId", "limit"))
    limit = integer_parameter(query, "limit", DEFAULT_LIMIT)
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        problems.append(f"limit must be an integer from 1 to {MAX_LIMIT}")
    session = last_value(query, "botSessionId")
    before_time, before_id = last_value(query, "beforeTime"), last_value(query, "beforeId")
    if session is None and (before_time is None or before_id is None):
        problems.append("botSessionId, or beforeTime together with beforeId, is required")
    if before_time is not None and not before_time.isdigit():
        problems.append("beforeTime must be epoch milliseconds")
    raise_if_any(problems)
    assert limit is not None  # a problem above otherwise
    if session is not None:
        return MessagePage(limit, bot_session_id=session)
    assert before_time is not None and before_id is not None
    return MessagePage(limit, before=(int(before_time), before_id))


class MessageStore:
    """Thread-safe messages by chat, oldest first; adding one updates its chat in the chat store."""

    def __init__(self, chats: ChatStore, delivery: Delivery) -> None:
        self._chats = chats
        self.delivery = delivery
        self._lock = threading.Lock()
        self._by_chat: dict[str, list[Message]] = {}

    def add(self, chat_id: str, *, text: str, direction: str = "incoming", type: str = "text") -> Message:
        """A new message in the chat, now; an outgoing one to a contact marked to fail will fail.

        The chat moves to the top of Search Chats; UnknownChat for a chat id the store does not have.
        """
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
        if type not in MESSAGE_TYPES:
            raise ValueError(f"type must be one of {', '.join(MESSAGE_TYPES)}, got {type!r}")
        chat = self._chats.get(chat_id)
        contact = str((chat.get("channelInfo") or {}).get("id", ""))
        message = Message(
            message_id=new_chat_id(),
            chat_id=chat_id,
            bot_session_id=(chat.get("botState") or {}).get("id"),
            type=type,
            direction=direction,
            text=text,
            timestamp=now_ms(),
            wamid="wamid." + base64.b64encode(os.urandom(24)).decode(),
            failure=self.delivery.failure_for(contact) if direction == "outgoing" else None,
        )
        with self._lock:
            bisect.insort(self._by_chat.setdefault(chat_id, []), message, key=lambda stored: stored.order)
        moved = {"last_message_timestamp": message.timestamp, "lastMessage": {"type": type, "text": text}}
        if direction == "incoming":
            moved["lastIncomingMessageTimestamp"] = message.timestamp
        self._chats.update_properties(chat_id, moved)
        return message

    def page(self, chat_id: str, page: MessagePage) -> tuple[list[dict], int | None, int | None]:
        """``(messages oldest first, minTime, maxTime)``: the page, and the times of the chat's first and
        last messages (None for a chat without any); UnknownChat for an unknown chat."""
        self._chats.get(chat_id)
        with self._lock:
            messages = list(self._by_chat.get(chat_id, ()))
        if page.bot_session_id is not None:
            chosen = [message for message in messages if message.bot_session_id == page.bot_session_id]
        else:
            assert page.before is not None
            chosen = [message for message in messages if message.order < self._place(messages, page.before)]
        now = now_ms()
        views = [message.view(self.delivery, now) for message in chosen[-page.limit :]]
        if not messages:
            return views, None, None
        return views, messages[0].timestamp, messages[-1].timestamp

    def of_chat(self, chat_id: str) -> list[dict]:
        """Every message of the chat, oldest first, as Get Messages shows them."""
        with self._lock:
            messages = list(self._by_chat.get(chat_id, ()))
        now = now_ms()
        return [message.view(self.delivery, now) for message in messages]

    def view(self, message: Message) -> dict:
        """The message as Get Messages shows it now."""
        return message.view(self.delivery, now_ms())

    @staticmethod
    def _place(messages: list[Message], before: tuple[int, str]) -> tuple[int, str]:
        """Where a page ends: at the message ``before`` names if it has that time, else after the time."""
        before_time, before_id = before
        named = any(message.order == (before_time, before_id) for message in messages)
        return (before_time, before_id) if named else (before_time, _ID_AFTER_ALL)
