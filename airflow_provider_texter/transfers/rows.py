"""What one warehouse row becomes on its way to Texter: a frozen ``RowTask``, replaced (never changed) by
each stage: mapped from the row, decided by the state, delivered by a worker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RowTask:
    """One row: its number in the result, the key naming its contact, what to write, or why not.

    A *departed* task is no row: a key the state holds that left the result; its payload takes back
    what the key wrote from the ``chat_ids`` it wrote to (``row`` then holds the state's record).

    :param key: the chat id, or the phone's E.164 digits (``972521234567``).
    :param problem: why the row is not sent (it is reported as failed).
    :param unchanged: the state says Texter already confirmed this very request.
    :param written: what the state keeps to undo later (label ids).
    :param chat_ids: the chats, when known without a look-up.
    """

    row_number: int | None
    chat_key: str
    key: str
    payload: dict[str, Any]
    row: Sequence[Any] | dict[str, Any]
    problem: str | None = None
    fingerprint: str | None = None
    unchanged: bool = False
    written: list[str] | None = None
    chat_ids: tuple[str, ...] | None = None
    departed: bool = False

    @property
    def where(self) -> str:
        """The task in messages: ``row 12``, or the departed key."""
        return f"{self.chat_key} (left the result)" if self.departed else f"row {self.row_number}"


@dataclass(frozen=True)
class Delivered:
    """What delivering one task did: ``succeeded`` (a row), ``undone`` (a departed key), ``skipped``
    (an empty payload) or ``unmatched`` (no chat has its phone); the chats written, and in a preview
    the requests it would have sent."""

    status: str
    chat_ids: tuple[str, ...] = ()
    would_send: tuple[dict[str, Any], ...] = ()


class ChatWriteError(Exception):
    """A request of one row failed; carries the chat it was for (None: before any chat) and the cause."""

    def __init__(self, chat_id: str | None, error: Exception) -> None:
        super().__init__(str(error))
        self.chat_id = chat_id
        self.error = error
