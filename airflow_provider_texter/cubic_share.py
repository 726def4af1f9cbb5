"""How hooks that each know the limit share it: the CUBIC curve of botocore's "adaptive" retry mode.

Hooks capped at the plan's ``max_requests_per_second`` that meet 429s are sharing the limit with
others (tasks, DAGs, workers without a shared store). A 429 cuts the send rate to 70 % of the rate
that met it; the rate then grows back along a cubic curve, quickly while far below that rate, slowly
near it, and probes above it only after a while. Clients that share one server limit and each cut by
the same factor drift towards equal shares (the larger one loses more on every cut), and their sum
stays just below the limit: two syncs measured 44 % / 53 % of one limit. Measured against the learned
limit of ``adaptive_rate`` (made for one client and a limit nobody published), which kept whatever
shares the hooks had (34 % / 63 %). ``shared_rate_limit`` gives exact shares.
"""

from __future__ import annotations

import math

from airflow_provider_texter.adaptive_rate import KEPT_AFTER_CUT, MINIMUM_RATE

SCALE = 0.4  # CUBIC's C: growth of the curve, in requests/s per second cubed
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


MEASURED_RATE_HEADROOM = 2.0  # the rate may grow to twice what was achieved, not to a rate never tried


class CubicShare:
    """The rate of a hook capped at ``ceiling``: the cap until a 429, then the cubic curve under it,
    never above twice the measured answer rate."""

    def __init__(self, ceiling: float, now: float) -> None:
        self.ceiling = ceiling
        self.rate = ceiling
        self._adapting = False
        self._last_cut = -math.inf
        self._meter = AnswerRateMeter(now)
        self._curve = CubicRate()

    def answered(self, now: float) -> None:
        """An answer other than 429: once adapting, the rate grows back along the curve."""
        measured = self._meter.record(now)
        if self._adapting:
            self.rate = min(self.ceiling, self._curve.rate_at(now), MEASURED_RATE_HEADROOM * measured)

    def throttled(self, now: float, sent_at: float) -> None:
        """A 429 to a request sent at ``sent_at``: cut once per congestion event (requests already in
        flight when the rate was cut answer 429 too, as TCP cuts once per window, not per lost packet)."""
        measured = self._meter.record(now)
        if sent_at >= self._last_cut:
            self.rate = min(self.ceiling, self._curve.cut(min(measured, self.rate), now))
            self._adapting = True
            self._last_cut = now
