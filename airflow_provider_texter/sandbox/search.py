"""How Search Chats decides which chats match and in which order they come back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

PHONE_INDEX_DIGITS = 7  # a phone search needs at least this many digits, so chats are indexed by them
_PHONE_QUERY = re.compile(r"\+?[\d\s().-]+")


@dataclass(frozen=True)
class SearchFilters:
    """A validated Search Chats query; ``None``/empty means "no filter"."""

    search: str | None = None
    channel_name: str | None = None
    account_id: str | None = None
    labels: frozenset[str] = frozenset()
    statuses: frozenset[int] = frozenset()
    limit: int = 30
    offset: int = 0

    @cached_property
    def phone_suffix(self) -> str | None:
        """The digits a phone search matches at the end of ``channelInfo.id``, or None for a name search.

        A query written only with phone characters and holding at least 7 significant digits is a phone
        number: leading zeros (trunk or international prefix) are dropped, so ``+972521234567``,
        ``972521234567`` and ``0521234567`` all find ``972521234567``.
        """
        if self.search is None or not _PHONE_QUERY.fullmatch(self.search):
            return None
        digits = re.sub(r"\D", "", self.search).lstrip("0")
        return digits if len(digits) >= PHONE_INDEX_DIGITS else None


def contact_digits(chat: dict) -> str:
    """The digits of the chat's contact id (``channelInfo.id``), which phone searches compare against."""
    channel_info = chat.get("channelInfo") or {}
    return re.sub(r"\D", "", str(channel_info.get("id", "")))


def matches(chat: dict, filters: SearchFilters) -> bool:
    """Whether ``chat`` passes every filter; a name search is a case-insensitive substring match."""
    channel_info = chat.get("channelInfo") or {}
    channel = (channel_info.get("name"), channel_info.get("accountId"))
    if filters.channel_name is not None and channel != (filters.channel_name, filters.account_id):
        return False
    if filters.labels and filters.labels.isdisjoint(chat.get("labels") or ()):
        return False
    if filters.statuses and chat.get("status") not in filters.statuses:
        return False
    if filters.search is None:
        return True
    suffix = filters.phone_suffix
    if suffix is not None:
        return contact_digits(chat).endswith(suffix)
    needle = filters.search.strip().casefold()
    names = (chat.get("title"), chat.get("displayName"))
    return any(isinstance(name, str) and needle in name.casefold() for name in names)


def newest_first(chat: dict) -> tuple[int, str]:
    """Sort key: newest ``last_message_timestamp`` first, ties by ``_id`` so pages are stable."""
    return -(chat.get("last_message_timestamp") or 0), chat["_id"]
