"""Chat objects shaped like Texter's, and the views of them that each endpoint answers with."""

from __future__ import annotations

import itertools
import os
import random
import re
import time
from datetime import datetime, timezone
from typing import Any

CHANNEL_NAMES = ("whatsapp", "messenger", "instagram", "website_chat", "email")
CHAT_STATUSES = {"BOT": 0, "PENDING": 1, "ASSIGNED": 2, "RESOLVED": 3, "BULK": 4}
CHAT_ID_PATTERN = re.compile(r"[0-9a-f]{24}")
DEFAULT_ACCOUNT_ID = "972586640430"  # the sandbox project's WhatsApp number: its default channel
_PHONE_PATTERN = re.compile(r"\+?[\d\s().-]+")
_FIRST_NAMES = ("Dana", "Noa", "Yael", "Omer", "Itai", "Maya", "Tamar", "Amit", "Lior", "Shira", "Eden")
_LAST_NAMES = ("Levi", "Cohen", "Mizrahi", "Peretz", "Biton", "Friedman", "Katz", "Azulay", "Dahan")
_object_id_counter = itertools.count(int.from_bytes(os.urandom(3), "big"))
_process_bytes = os.urandom(5)


def new_chat_id() -> str:
    """A fresh MongoDB-style ObjectId: creation second, per-process bytes, counter; 24 lowercase hex."""
    counter = next(_object_id_counter) % 0x1000000
    return (int(time.time()).to_bytes(4, "big") + _process_bytes + counter.to_bytes(3, "big")).hex()


def iso_timestamp(epoch_ms: int) -> str:
    """The ISO form Texter uses for ``created``/``updatedAt``: UTC, milliseconds, ``Z``."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def now_ms() -> int:
    """Epoch milliseconds, the unit of Texter's ``...Timestamp`` fields."""
    return time.time_ns() // 1_000_000


def make_chat(
    phone: str,
    *,
    title: str | None = None,
    channel: str = "whatsapp",
    account_id: str = DEFAULT_ACCOUNT_ID,
    crm_data: dict | None = None,
    **fields: Any,
) -> dict:
    """A realistic Chat object for the contact ``phone`` (any phone notation; stored as digits, no plus).

    ``fields`` set or override top-level keys, e.g. ``_id``, ``status``, ``labels``, ``displayName``,
    ``last_message_timestamp``. A contact id that is not a phone number (an email address) is kept as is.
    """
    contact = re.sub(r"\D", "", phone) if _PHONE_PATTERN.fullmatch(phone) else phone
    stamp = now_ms()
    chat: dict[str, Any] = {
        "_id": new_chat_id(),
        "title": title if title is not None else "",
        "personId": new_chat_id(),
        "channelInfo": {"name": channel, "id": contact, "accountId": account_id},
        "agent": None,
        "departmentId": None,
        "status": 0,
        "unreadCount": 0,
        "labels": [],
        "lastMessage": {"type": "text", "text": "Hi!"},
        "last_message_timestamp": stamp,
        "lastIncomingMessageTimestamp": stamp,
        "created": iso_timestamp(stamp),
        "updatedAt": iso_timestamp(stamp),
        "botState": {"id": os.urandom(32).hex()},
        "crmData": dict(crm_data) if crm_data is not None else {},
        "externalBot": False,
        "channel": channel,
        "clientPhone": contact,
        "entityPhone": account_id,
    }
    chat.update(fields)
    return chat


def generate_chats(count: int, *, seed: int = 0) -> list[dict]:
    """``count`` chats with distinct phones (97250XXXXXXX) and ids, identical for the same ``seed``.

    For demos and benchmarks; names, statuses, labels and timestamps vary but are reproducible.
    """
    rng = random.Random(seed)
    start = 1_767_225_600_000  # 2026-01-01T00:00:00Z: fixed, so the same seed gives the same chats
    chats = []
    for number in rng.sample(range(10_000_000), count):
        last_message = start + rng.randrange(30 * 86_400_000)
        created = last_message - rng.randrange(365 * 86_400_000)
        chats.append(
            make_chat(
                f"97250{number:07d}",
                title=f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}",
                _id=f"{rng.getrandbits(96):024x}",
                personId=f"{rng.getrandbits(96):024x}",
                botState={"id": f"{rng.getrandbits(256):064x}"},
                status=rng.randrange(5),
                labels=rng.sample(("vip", "billing", "urgent", "lead"), rng.randrange(3)),
                last_message_timestamp=last_message,
                lastIncomingMessageTimestamp=last_message,
                created=iso_timestamp(created),
                updatedAt=iso_timestamp(last_message),
            )
        )
    return chats


def public_view(chat: dict) -> dict:
    """Get Chat's answer: no ``_id``, ``crmData``, ``displayName`` or ``labels``; camelCase timestamp."""
    view = {
        "status": chat.get("status"),
        "channelInfo": chat.get("channelInfo"),
        "agent": chat.get("agent"),
        "departmentId": chat.get("departmentId"),
        "lastMessageTimestamp": chat.get("last_message_timestamp"),
        "lastMessage": chat.get("lastMessage"),
        "created": chat.get("created"),
        "updatedAt": chat.get("updatedAt"),
    }
    bot_state = chat.get("botState")
    if isinstance(bot_state, dict) and "id" in bot_state:
        view["botState"] = {"id": bot_state["id"]}
    return view


def search_view(chat: dict) -> dict:
    """A Search Chats result: the whole chat except ``lastMessage``."""
    return {key: value for key, value in chat.items() if key != "lastMessage"}
