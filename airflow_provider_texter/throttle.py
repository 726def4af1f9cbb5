"""Pace the requests of every thread that shares one hook, so a pool of workers never floods the API."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RequestThrottle:
    """Hands out send slots at most ``max_requests_per_second`` apart, and holds every thread while the
    API has asked us to back off (a 429 pauses the whole pool, not only the thread that got it).

    ``max_requests_per_second=None`` means no client-side cap; pauses still apply.
    """

    def __init__(
        self,
        max_requests_per_second: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / max_requests_per_second if max_requests_per_second else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0

    def wait(self) -> float:
        """Block until this thread may send; returns the seconds it waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot, self._paused_until)
            self._next_slot = slot + self.interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)

    def pause(self, seconds: float) -> None:
        """Hold every thread for ``seconds`` from now (extends, never shortens, a running pause)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
