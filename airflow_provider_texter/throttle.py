"""Pace the requests of every thread that shares one hook, and adapt the pace to the API's 429s."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from airflow_provider_texter.adaptive_rate import AnswerRateMeter, CubicRate

MEASURED_RATE_HEADROOM = 2.0  # the rate may grow to twice what was achieved, not to a rate never tried


class RequestThrottle:
    """Hands out send slots at the current rate, and holds every thread while the API has asked us to
    back off (a 429 pauses the whole pool, not only the thread that got it).

    The rate is ``max_requests_per_second`` (None: unpaced) until the first 429. From then on it adapts,
    as botocore's adaptive retry mode does: each congestion event cuts it (``adaptive_rate.CubicRate``),
    each success lets it grow back along the cubic curve, never above ``max_requests_per_second`` and
    never above twice the measured answer rate. So hooks in several tasks or DAGs that share one
    project's limit settle on shares of it instead of taking turns at 429s.
    """

    def __init__(
        self,
        max_requests_per_second: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ceiling = max_requests_per_second
        self.rate = max_requests_per_second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._adapting = False
        self._last_cut = -math.inf
        self._meter = AnswerRateMeter(clock())
        self._curve = CubicRate()

    @property
    def interval(self) -> float:
        """Seconds between two sends at the current rate (0: unpaced)."""
        return 1.0 / self.rate if self.rate else 0.0

    def now(self) -> float:
        """The throttle's clock: what ``throttled(sent_at=...)`` compares against."""
        return self._clock()

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

    def answered(self) -> None:
        """A request got an answer other than 429: once adapting, the rate grows back along the curve."""
        with self._lock:
            now = self._clock()
            measured = self._meter.record(now)
            if self._adapting:
                self._set_rate(min(self._curve.rate_at(now), MEASURED_RATE_HEADROOM * measured))

    def throttled(self, sent_at: float, pause: float) -> None:
        """A request sent at ``sent_at`` got a 429: cut the rate and hold every thread ``pause`` seconds.

        Requests already in flight when the rate was cut answer 429 too; they belong to the same
        congestion event and do not cut again (as TCP cuts once per window, not per lost packet).
        """
        with self._lock:
            now = self._clock()
            measured = self._meter.record(now)
            if sent_at >= self._last_cut:
                self._set_rate(self._curve.cut(min(measured, self.rate or measured), now))
                self._adapting = True
                self._last_cut = now
            self._paused_until = max(self._paused_until, now + pause)

    def _set_rate(self, rate: float) -> None:
        self.rate = rate if self.ceiling is None else min(rate, self.ceiling)
