"""Which chats belong to a phone number: an exact match over Search Chats, asked once per number."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Literal, get_args

from airflow_provider_texter.exceptions import AmbiguousPhoneError, TexterValidationError

MultipleChats = Literal["most_recent", "all", "error"]
MULTIPLE_CHAT_POLICIES: tuple[str, ...] = get_args(MultipleChats)
SEARCH_PAGE_SIZE = 100
MAX_SEARCH_RESULTS = 1000
NON_DIGITS = re.compile(r"\D")

SearchKey = tuple[str, str | None, str | None]


def check_multiple_chat_policy(on_multiple_chats: str) -> str:
    if on_multiple_chats not in MULTIPLE_CHAT_POLICIES:
        allowed = ", ".join(MULTIPLE_CHAT_POLICIES)
        raise TexterValidationError([f"on_multiple_chats: {on_multiple_chats!r} is not one of {allowed}"])
    return on_multiple_chats


def choose_chats(phone_digits: str, chat_ids: list[str], on_multiple_chats: str) -> list[str]:
    """The chats to write for one phone, newest first, as ``on_multiple_chats`` says."""
    if len(chat_ids) > 1 and check_multiple_chat_policy(on_multiple_chats) == "error":
        raise AmbiguousPhoneError(
            [f"phone +{phone_digits} matches {len(chat_ids)} chats ({', '.join(chat_ids)}): set "
             "on_multiple_chats to 'most_recent' or 'all', or narrow with channel_name/account_id"]
        )  # fmt: skip
    return chat_ids[:1] if on_multiple_chats == "most_recent" else chat_ids


class ChatsByPhone:
    """Chat ids per phone, newest first, cached for the life of a hook.

    Search Chats also returns fuzzy matches (names, partial numbers): only chats whose contact
    (``channelInfo.id``) has exactly the phone's E.164 digits count. Threads asking for the same
    phone at once share one search.

    :param search_chats: the hook's ``search_chats``.
    """

    def __init__(self, search_chats: Callable[..., Any]) -> None:
        self.search_chats = search_chats
        self._lock = threading.Lock()
        self._answers: dict[SearchKey, Future[list[str]]] = {}

    @property
    def phones_searched(self) -> int:
        return len(self._answers)

    def find(
        self, phone_digits: str, channel_name: str | None, account_id: str | None, on_multiple_chats: str
    ) -> list[str]:
        """The chats to write for one phone, as ``on_multiple_chats`` says (see ``choose_chats``)."""
        check_multiple_chat_policy(on_multiple_chats)
        return choose_chats(
            phone_digits, self.chat_ids(phone_digits, channel_name, account_id), on_multiple_chats
        )

    def chat_ids(self, phone_digits: str, channel_name: str | None, account_id: str | None) -> list[str]:
        key = (phone_digits, channel_name, account_id)
        with self._lock:
            answer = self._answers.get(key)
            asks = answer is None
            if answer is None:
                answer = self._answers[key] = Future()
        if asks:
            try:
                answer.set_result(self._search(*key))
            except BaseException as error:
                answer.set_exception(error)
        return list(answer.result())

    def _search(self, phone_digits: str, channel_name: str | None, account_id: str | None) -> list[str]:
        chats: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self.search_chats(
                phone_digits, channel_name=channel_name, account_id=account_id,
                limit=SEARCH_PAGE_SIZE, offset=offset,
            )  # fmt: skip
            found = page.get("data") or []
            chats += [chat for chat in found if contact_digits(chat) == phone_digits]
            offset += len(found)
            if len(found) < SEARCH_PAGE_SIZE or offset >= (page.get("total") or 0):
                break
            if offset >= MAX_SEARCH_RESULTS:
                raise TexterValidationError(
                    [f"phone +{phone_digits}: Search Chats returned more than {MAX_SEARCH_RESULTS} chats; "
                     "narrow it with channel_name/account_id"]
                )  # fmt: skip
        chats.sort(key=lambda chat: chat.get("last_message_timestamp") or 0, reverse=True)
        return [chat["_id"] for chat in chats]


def contact_digits(chat: dict[str, Any]) -> str:
    """The digits of a chat's contact id, which Texter keeps as E.164 without the plus."""
    return NON_DIGITS.sub("", str((chat.get("channelInfo") or {}).get("id") or ""))
