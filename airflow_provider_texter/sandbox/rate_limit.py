"""The sandbox's rate limit: a token bucket, so tests can watch clients meet 429 and back off."""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """Refills ``rate`` tokens a second up to ``capacity``; every request takes one.

    Rate and capacity are passed on each call, so a test can change them while the server runs.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens: float | None = None  # None: full, the first time a limit applies
        self._updated = 0.0

    def take(self, rate: float | None, capacity: float | None = None) -> float:
        """Take a token: 0.0 when granted, else seconds until one is available; ``rate`` None: no limit."""
        if rate is None:
            return 0.0
        capacity = max(1.0, rate) if capacity is None else capacity
        with self._lock:
            now = time.monotonic()
            if self._tokens is None:
                self._tokens = capacity
            else:
                self._tokens = min(capacity, self._tokens + (now - self._updated) * rate)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / rate
