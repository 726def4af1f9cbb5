"""How fast to send once the API has said 429: the CUBIC curve of botocore's "adaptive" retry mode.

A 429 cuts the send rate to 70 % of the rate that met it; the rate then grows back along a cubic
curve, quickly while far below that rate, slowly near it, and probes above it only after a while.
Clients that share one server limit and each cut by the same factor drift towards equal shares
(the larger one loses more on every cut), and their sum stays just below the limit.
"""

from __future__ import annotations

import math

SCALE = 0.4  # CUBIC's C: growth of the curve, in requests/s per second cubed
KEPT_AFTER_CUT = 0.7  # CUBIC's beta: the share of the failing rate kept after a 429
MINIMUM_RATE = 0.5  # requests/s: even a much-throttled client keeps probing
METER_WINDOW_SECONDS = 0.5
METER_SMOOTHING = 0.8  # weight of the newest window in the measured rate


class AnswerRateMeter:
    """The rate at which answers arrive while the client is sending, in half-second windows,
    exponentially smoothed.

    A cut starts from what the client really achieved, not from a ceiling it never reached. A gap of
    more than a window (a pause the API asked for) is idle time, not a slow rate: it is skipped, so a
    client resuming after ``Retry-After`` is not held to a fraction of the rate it had.
    """

    def __init__(self, now: float) -> None:
        self._started = now
        self._smoothed: float | None = None
        self._window = math.floor(now / METER_WINDOW_SECONDS)
        self._count = 0  # answers in the current window
        self._answers = 0  # answers in all

    def record(self, now: float) -> float:
        """Count one answer at ``now``; returns the measured rate (the plain average until a window ends)."""
        window = math.floor(now / METER_WINDOW_SECONDS)
        if window == self._window + 1:
            current = self._count / METER_WINDOW_SECONDS
            previous = current if self._smoothed is None else self._smoothed
            self._smoothed = METER_SMOOTHING * current + (1 - METER_SMOOTHING) * previous
        if window > self._window:
            self._window, self._count = window, 0
        self._count += 1
        self._answers += 1
        if self._smoothed is None:
            return self._answers / max(now - self._started, METER_WINDOW_SECONDS)
        return self._smoothed


class CubicRate:
    """The send rate after the last cut: ``SCALE * (t - k)**3 + rate_at_cut`` with ``k`` its return time."""

    def __init__(self) -> None:
        self._rate_at_cut = 0.0
        self._cut_at = 0.0
        self._return_seconds = 0.0

    def cut(self, rate: float, now: float) -> float:
        """A 429 met the client sending at ``rate``: remember it and return the lowered rate."""
        self._rate_at_cut = rate
        self._cut_at = now
        self._return_seconds = (rate * (1 - KEPT_AFTER_CUT) / SCALE) ** (1 / 3)
        return max(rate * KEPT_AFTER_CUT, MINIMUM_RATE)

    def rate_at(self, now: float) -> float:
        """The rate the curve allows at ``now``."""
        elapsed = now - self._cut_at
        return max(SCALE * (elapsed - self._return_seconds) ** 3 + self._rate_at_cut, MINIMUM_RATE)
