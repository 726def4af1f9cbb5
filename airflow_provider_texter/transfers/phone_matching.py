"""Find the chat ids of a phone number with Search Chats, once per phone per run."""

from __future__ import annotations

import re
import threading
from concurrent.futures import Future
from typing import Any

from airflow_provider_texter.exceptions import TexterValidationError

MULTIPLE_CHAT_POLICIES = ("most_recent", "all", "error")
SEARCH_PAGE_SIZE = 50
NON_DIGITS = re.compile(r"\D")


class AmbiguousPhoneError(TexterValidationError):
    """One phone matches several chats and the run was told to refuse that."""


def normalise_phone(value: Any, *, default_country_code: str | None = None) -> str:
    """Digits with country code and no plus, as Texter stores contacts (``972521234567``).

    Accepts ``+972 52-123-4567``, ``00972521234567``, and local ``0521234567`` when a
    ``default_country_code`` (``"972"``) is given.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise TexterValidationError([f"phone: {value!r} is not a phone number"])
    text = value.strip()
    digits = NON_DIGITS.sub("", text)
    if text.startswith("+"):
        pass
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0") and default_country_code:
        digits = default_country_code + digits[1:]
    elif digits.startswith("0"):
        raise TexterValidationError(
            [f"phone: {value!r} is a local number: set default_country_code to match it"]
        )
    if not 8 <= len(digits) <= 15:
        raise TexterValidationError([f"phone: {value!r} is not a phone number (8 to 15 digits expected)"])
    return digits


class PhoneResolver:
    """Resolves normalised phones to chat ids, caching each phone's answer for the whole run.

    Threads asking for the same phone at once share one search (the first asks, the others wait).
    """

    def __init__(
        self,
        hook: Any,
        *,
        channel_name: str | None = None,
        account_id: str | None = None,
        on_multiple_chats: str = "most_recent",
    ) -> None:
        if on_multiple_chats not in MULTIPLE_CHAT_POLICIES:
            allowed = ", ".join(MULTIPLE_CHAT_POLICIES)
            raise TexterValidationError([f"on_multiple_chats: {on_multiple_chats!r} is not one of {allowed}"])
        self.hook = hook
        self.channel_name = channel_name
        self.account_id = account_id
        self.on_multiple_chats = on_multiple_chats
        self._lock = threading.Lock()
        self._answers: dict[str, Future[list[str]]] = {}

    @property
    def searches(self) -> int:
        return len(self._answers)

    def chat_ids(self, phone: str) -> list[str]:
        """Chat ids to update for ``phone``: empty when no chat has it; newest first."""
        with self._lock:
            answer = self._answers.get(phone)
            owner = answer is None
            if owner:
                answer = self._answers[phone] = Future()
        if owner:
            try:
                answer.set_result(self._search(phone))
            except BaseException as error:
                answer.set_exception(error)
        matches = answer.result()
        if len(matches) > 1 and self.on_multiple_chats == "error":
            raise AmbiguousPhoneError(
                [f"phone {phone} matches {len(matches)} chats ({', '.join(matches)}): "
                 "set on_multiple_chats to 'most_recent' or 'all', or narrow with channel_name/account_id"]
            )  # fmt: skip
        return matches[:1] if self.on_multiple_chats == "most_recent" else matches

    def _search(self, phone: str) -> list[str]:
        found = self.hook.search_chats(
            phone, channel_name=self.channel_name, account_id=self.account_id, limit=SEARCH_PAGE_SIZE
        )
        # Search also matches names and partial numbers: keep the chats whose contact IS this phone.
        chats = [chat for chat in found.get("data", []) if (chat.get("channelInfo") or {}).get("id") == phone]
        chats.sort(key=lambda chat: chat.get("last_message_timestamp") or 0, reverse=True)
        return [chat["_id"] for chat in chats]
