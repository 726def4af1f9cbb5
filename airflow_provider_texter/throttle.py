"""Pace the requests of every thread that shares one hook, and learn the API's limit from its 429s."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from airflow_provider_texter.adaptive_rate import (
    LearnedLimit,
    SendCycle,
    cycle_after,
    learn,
    paced_rate,
)
from airflow_provider_texter.cubic_share import CubicShare


class RequestThrottle:
    """Hands out send slots at the current rate, and holds every thread while the API has asked us to
    back off (a 429 pauses the whole pool, not only the thread that got it).

    Unpaced without ``max_requests_per_second`` until the first 429; from then on the rate is what the
    429s taught (``adaptive_rate``): just under the limit they bracket, probing above it rarely. With
    ``max_requests_per_second`` (the plan's limit, so 429s mean others share it) a 429 cuts the rate
    and it grows back along CUBIC's curve under the cap (``cubic_share``), which shares a limit fairly.
    ``shared_rate_limit.SharedRateLimit`` paces every hook on every worker at once; this one paces one
    hook, and stands in when the store is away.

    :param learned: what an earlier throttle learned, on this throttle's clock (a shared limiter's
        store going away hands its knowledge over).
    """

    def __init__(
        self,
        max_requests_per_second: float | None = None,
        *,
        learned: LearnedLimit | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ceiling = max_requests_per_second
        self._learned = learned
        self._share = (
            None if max_requests_per_second is None else CubicShare(max_requests_per_second, clock())
        )
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._cycle: SendCycle | None = None
        self._last_sent = 0.0

    @property
    def rate(self) -> float | None:
        """Requests per second now (None: unpaced)."""
        if self._share is not None:
            return self._share.rate
        return paced_rate(self._learned, None, self._clock())

    @property
    def interval(self) -> float:
        """Seconds between two sends at the current rate (0: unpaced)."""
        rate = self.rate
        return 1.0 / rate if rate else 0.0

    def now(self) -> float:
        """The throttle's clock: what ``throttled(sent_at=...)`` compares against."""
        return self._clock()

    def pause_until(self, moment: float) -> None:
        """Hold every thread until ``moment`` (this throttle's clock)."""
        with self._lock:
            self._paused_until = max(self._paused_until, moment)

    def wait(self) -> float:
        """Block until this thread may send; returns the seconds it waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot, self._paused_until)
            self._next_slot = slot + self.interval
            self._cycle = cycle_after(self._cycle, self._last_sent, slot)
            self._cycle.sent += 1
            self._last_sent = slot
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)

    def answered(self) -> None:
        """A request got an answer other than 429: a capped rate grows back (the cycle counts the rest)."""
        if self._share is not None:
            with self._lock:
                self._share.answered(self._clock())

    def throttled(self, sent_at: float, pause: float) -> None:
        """A request sent at ``sent_at`` got a 429: learn from it and hold every thread ``pause`` seconds.

        Requests sent before the last lesson's pause ended answer 429 too; they belong to the same
        congestion event and teach nothing new (as TCP cuts once per window, not per lost packet).
        """
        with self._lock:
            now = self._clock()
            if self._cycle is None:  # a 429 nobody waited for (a test, or a caller without wait())
                self._cycle = SendCycle(sent_at, sent=1)
            cycle = self._cycle
            cycle.throttled += 1
            resume_at = max(self._paused_until, now + pause)
            if self._share is not None:
                self._share.throttled(now, sent_at)
            elif self._learned is None or sent_at >= self._learned.since:
                lesson = learn(
                    self._learned,
                    sending_rate=paced_rate(self._learned, None, sent_at),
                    goodput=cycle.goodput(now, pause),
                    resume_at=resume_at,
                )
                if lesson is not self._learned:
                    self._learned, self._cycle = lesson, SendCycle(resume_at)
            self._paused_until = resume_at
