"""Template opt-outs: who gets no WhatsApp template message, on one of our numbers or on all of them.

An opt-out is stored per contact and account; one without an account covers every WhatsApp channel.
Resubscribing with an account lifts that account's opt-out only: a contact out of every channel stays
out until a resubscribe without an account (the docs say nothing on mixing the two; this never sends
a template to someone who opted out of all of them). List unsubscribed answers oldest opt-out first,
each phone once; opting out again keeps a contact's first place.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from .chats import now_ms
from .contacts import contact_id, e164
from .payloads import page_window, raise_if_any, require_object, unknown_fields
from .store import ChatStore

PHONE_LENGTH = (5, 30)
MAX_LIMIT = 9_999
DEFAULT_LIMIT = 10_000  # as documented: above the largest limit a client may send
MAX_SKIP = 99_999
EVERY_ACCOUNT = None


@dataclass(frozen=True)
class OptOut:
    """One opt-out: the contact (digits), our number it applies to (None: every WhatsApp channel),
    the contact's WhatsApp name when a chat knew it, and when (epoch ms)."""

    contact: str
    account_id: str | None
    title: str | None
    at_ms: int

    def listed(self) -> dict[str, str]:
        """How List unsubscribed shows it: ``{"phone": "+972...", "title"?}``."""
        return {"phone": e164(self.contact)} | ({"title": self.title} if self.title else {})

    def admin_view(self) -> dict[str, Any]:
        return {
            "phone": e164(self.contact),
            "accountId": self.account_id,
            "title": self.title,
            "at": self.at_ms,
        }


def opt_out_request(body: Any) -> tuple[str, str | None]:
    """The contact and account (None: every WhatsApp channel) of an unsubscribe or subscribe body."""
    require_object(body)
    problems = unknown_fields(body, ("phone", "accountId"))
    phone, account_id = body.get("phone"), body.get("accountId")
    low, high = PHONE_LENGTH
    contact = contact_id(phone) if isinstance(phone, str) and low <= len(phone) <= high else None
    if "phone" not in body:
        problems.append("phone is required")
    elif contact is None:
        problems.append(f"phone must be a phone number of {low} to {high} characters")
    if "accountId" in body and not (isinstance(account_id, str) and account_id):
        problems.append("accountId must be a non-empty string")
    raise_if_any(problems)
    assert contact is not None  # a problem above otherwise
    return contact, account_id


def unsubscribed_page(query: dict[str, list[str]]) -> tuple[int, int]:
    """``(skip, limit)`` of a List unsubscribed query string."""
    return page_window(query, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT, max_skip=MAX_SKIP)


class OptOutStore:
    """Thread-safe opt-outs by (contact, account), in the order they were made; each change also sets
    the ``unsubscribed`` flag (and ``unsubscribeTime``, epoch ms) of the contact's WhatsApp chats."""

    def __init__(self, chats: ChatStore) -> None:
        self._chats = chats
        self._lock = threading.Lock()
        self._opt_outs: dict[tuple[str, str | None], OptOut] = {}

    def unsubscribe(self, contact: str, account_id: str | None, title: str | None = None) -> OptOut:
        """Add an opt-out (titled like the contact's chat unless ``title`` is given); one that exists
        keeps its place and time."""
        chats = self._whatsapp_chats(contact, account_id)
        title = title or next((chat["title"] for chat in chats if chat.get("title")), None)
        with self._lock:
            opt_out = self._opt_outs.setdefault(
                (contact, account_id), OptOut(contact, account_id, title, now_ms())
            )
        self._flag(contact, chats)
        return opt_out

    def subscribe(self, contact: str, account_id: str | None) -> None:
        """Lift the opt-out for ``account_id``; without an account, every opt-out of the contact."""
        with self._lock:
            for key in [key for key in self._opt_outs if key[0] == contact]:
                if account_id is EVERY_ACCOUNT or key[1] == account_id:
                    del self._opt_outs[key]
        self._flag(contact, self._whatsapp_chats(contact, account_id))

    def is_unsubscribed(self, contact: str, account_id: str | None) -> bool:
        """Whether templates from our number ``account_id`` to ``contact`` are refused."""
        with self._lock:
            return self._is_out(contact, account_id) is not None

    def listing(self, account_id: str | None) -> list[OptOut]:
        """Who gets no templates from ``account_id`` (None: from one or all of our numbers), oldest
        first, each contact once."""
        with self._lock:
            opt_outs = list(self._opt_outs.values())
        first_by_contact: dict[str, OptOut] = {}
        for opt_out in opt_outs:
            if account_id is EVERY_ACCOUNT or opt_out.account_id in (EVERY_ACCOUNT, account_id):
                first_by_contact.setdefault(opt_out.contact, opt_out)
        return list(first_by_contact.values())

    def all(self) -> list[OptOut]:
        with self._lock:
            return list(self._opt_outs.values())

    def _is_out(self, contact: str, account_id: str | None) -> OptOut | None:
        return self._opt_outs.get((contact, EVERY_ACCOUNT)) or self._opt_outs.get((contact, account_id))

    def _whatsapp_chats(self, contact: str, account_id: str | None) -> list[dict]:
        return [
            chat for chat in self._chats.with_contact(contact)
            if chat["channelInfo"].get("name") == "whatsapp"
            and account_id in (EVERY_ACCOUNT, chat["channelInfo"].get("accountId"))
        ]  # fmt: skip

    def _flag(self, contact: str, chats: list[dict]) -> None:
        """Set the flag of each of the contact's chats from the opt-outs as they are now."""
        for chat in chats:
            with self._lock:
                opt_out = self._is_out(contact, chat["channelInfo"].get("accountId"))
            if opt_out is None:
                self._chats.update_properties(chat["_id"], {"unsubscribed": False}, ["unsubscribeTime"])
            else:
                values = {"unsubscribed": True, "unsubscribeTime": opt_out.at_ms}
                self._chats.update_properties(chat["_id"], values)
