"""Failures queued by a test: answers with an error status, or connections dropped without an answer."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    """One injected failure: ``status`` None means reset the connection instead of answering."""

    status: int | None
    retry_after: int | str | None = None


class FaultQueue:
    """Faults in the order they were queued; each request takes the next one, if any."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pending: deque[list] = deque()  # [fault, requests still to hit]

    def add(self, count: int, fault: Fault) -> None:
        if count < 0:
            raise ValueError(f"count must be at least 0, got {count}")
        if count:
            with self._lock:
                self._pending.append([fault, count])

    def take(self) -> Fault | None:
        with self._lock:
            if not self._pending:
                return None
            entry = self._pending[0]
            entry[1] -= 1
            if entry[1] == 0:
                self._pending.popleft()
            return entry[0]
