"""The request log that tests assert on: every API request, in arrival order, with the sandbox's answer."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    """One API request as the sandbox saw it.

    ``path`` is the raw path below the base URL (``/chats/<id>/crm-data``; the whole path for requests
    outside it), ``chat_id`` the decoded id when the route has one, ``body`` the parsed JSON (None when
    empty, the text when not JSON), ``status`` None when the connection was reset, ``timestamp`` the
    ``time.monotonic()`` of arrival.
    """

    method: str
    path: str
    chat_id: str | None
    query: dict[str, list[str]]
    body: Any
    status: int | None
    authorization_ok: bool
    timestamp: float


class _Slot:
    """A place in the log taken on arrival and filled when the answer is known."""

    __slots__ = ("record",)

    def __init__(self):
        self.record: RecordedRequest | None = None


class RequestLog:
    """Thread-safe; a request still being served is left out of snapshots until it is answered."""

    def __init__(self):
        self._lock = threading.Lock()
        self._slots: list[_Slot] = []

    def arrive(self) -> _Slot:
        slot = _Slot()
        with self._lock:
            self._slots.append(slot)
        return slot

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return [slot.record for slot in self._slots if slot.record is not None]

    def clear(self) -> None:
        with self._lock:
            self._slots = []
