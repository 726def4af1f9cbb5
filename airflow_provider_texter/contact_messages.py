"""A contact's recent messages across their chats, newest first: how a campaign finds a template message it
may have sent (no endpoint reads one message by id), and later that message's delivery status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airflow_provider_texter.actions.get_messages import messages_request
from airflow_provider_texter.chat_lookup import ChatsByPhone
from airflow_provider_texter.hooks.texter import TexterHook

PAGE_SIZE = 50
STATUS_NAMES = ("Sent", "Accepted", "Delivered", "Seen", "Failed", "Channel Failed", "Deleted")


class ContactMessages:
    """Reads messages of a contact's WhatsApp chats (on ``account_id``, or on every channel when None).

    Chats are looked up fresh for each instance: a send may have created one since an older look-up.
    """

    def __init__(self, hook: TexterHook, account_id: str | None = None) -> None:
        self.hook = hook
        self.chats = ChatsByPhone(hook.search_chats)
        self.channel = ("whatsapp", account_id) if account_id else (None, None)

    def chat_ids(self, phone_digits: str) -> list[str]:
        return self.chats.chat_ids(phone_digits, *self.channel)

    def since(self, chat_ids: list[str], since_ms: int) -> Iterator[dict[str, Any]]:
        """The messages of ``chat_ids`` at or after ``since_ms`` (epoch ms), newest first per chat."""
        for chat_id in chat_ids:
            before: tuple[int | None, str | None] = (None, None)
            while True:
                page = self.hook.send(messages_request(chat_id, *before, PAGE_SIZE)).get("messages") or []
                for message in reversed(page):
                    if int(message.get("timestamp") or 0) < since_ms:
                        break
                    yield message
                else:
                    if len(page) == PAGE_SIZE:
                        before = (int(page[0]["timestamp"]), str(page[0]["_id"]))
                        continue
                break


def is_template_we_sent(message: dict[str, Any]) -> bool:
    """An outgoing message of type ``special``: how a template message shows in its chat."""
    return message.get("direction") == "outgoing" and message.get("type") == "special"


def delivery_status(message: dict[str, Any]) -> tuple[str, int | None, str | None]:
    """``(status name, epoch ms it was reached, error)`` of a message: ``("Seen", 1764..., None)``."""
    status = message.get("status")
    name = str(status)
    if isinstance(status, int) and 0 <= status < len(STATUS_NAMES):
        name = STATUS_NAMES[status]
    history = message.get("statusHistory") or []
    at = history[-1].get("timestamp") if history else message.get("timestamp")
    error = message.get("error")
    return name, None if at is None else int(at), None if error is None else str(error)
