"""How fast to send when nobody published the limit: learn it from the 429s, remember it, probe above rarely.

A 429 brackets the server's limit. The rate that met it was too high; what really went through in the
cycle it ends (the answers that were not 429, per second of that cycle, its pause included) is what
this behaviour achieves: the limit lies between them, and after a long cycle the goodput is the limit.
The rate settles just under the lower of the two and stays there, then after a quiet spell probes
above it, growing slowly until a 429 brackets the limit again. Each probe that meets a 429 doubles the
quiet spell before the next, so once the limit is found probes become rare.

Measured against a token-bucket server (``benchmarks/unknown_limit.py``), this replaced CUBIC
(botocore's adaptive mode) for uncapped hooks: it climbed back past the limit within seconds of each
cut and so paused every worker again and again (57 % of a 20 req/s limit, against 97 %). A hook
capped at a known limit keeps CUBIC (``cubic_share``), which shares that limit fairly among hooks.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

SETTLE_SHARE = 0.98  # of the estimated limit: the rate kept between probes
MINIMUM_RATE = 0.5  # requests/s: even a much-throttled client keeps probing
KEPT_AFTER_CUT = 0.7  # of a paced rate that met a 429 after too few requests to measure (CUBIC's beta)
TELLING_SENDS = 10  # requests a cycle needs before its goodput tells a rate
MOST_DOUBLINGS = 30  # a probe nobody stopped for hours: unpaced in effect, and no float overflow


@dataclass(frozen=True)
class Probing:
    """How soon a probe above the settled rate starts (``quiet`` seconds) and how fast it grows."""

    quiet: float
    doubling_seconds: float

    def after_failed_probe(self) -> Probing:
        return Probing(min(self.quiet * 2, LONGEST_QUIET_SECONDS), self.doubling_seconds)


# After a 429 met unpaced the goodput may be far below the limit (a server that allows no burst lets
# one request of a volley through): search upwards quickly until a 429 meets a paced rate.
SEARCHING = Probing(quiet=1.0, doubling_seconds=2.0)
# Once a paced rate met a 429, the limit is bracketed: probe above it rarely and slowly.
BRACKETED = Probing(quiet=4.0, doubling_seconds=10.0)
LONGEST_QUIET_SECONDS = 300.0


@dataclass(frozen=True)
class LearnedLimit:
    """What the last 429 taught: ``settled`` requests/s from ``since`` (its pause's end, on the clock of
    whoever keeps it), and how to probe above it."""

    settled: float
    since: float
    probing: Probing = BRACKETED

    def rate_at(self, now: float) -> float:
        """The settled rate, and once the quiet spell is over, the probe's growing rate."""
        probing = max(0.0, now - self.since - self.probing.quiet) / self.probing.doubling_seconds
        return self.settled * 2 ** min(probing, MOST_DOUBLINGS)

    def as_record(self) -> str:
        """The form a shared store keeps (``from_record`` reads it back)."""
        return " ".join(repr(number) for number in (self.settled, self.since, *astuple(self.probing)))

    @classmethod
    def from_record(cls, record: str | bytes) -> LearnedLimit:
        text = record.decode() if isinstance(record, bytes) else record
        settled, since, quiet, doubling_seconds = (float(part) for part in text.split())
        return cls(settled, since, Probing(quiet, doubling_seconds))


def learn(
    previous: LearnedLimit | None, *, sending_rate: float | None, goodput: float | None, resume_at: float
) -> LearnedLimit | None:
    """A 429 met ``sending_rate`` (None: unpaced) after ``goodput`` requests/s went through (None: too
    few sent to tell): settle under the limit they bracket from ``resume_at``.

    A cycle of a few requests tells no rate: a paced client then keeps ``KEPT_AFTER_CUT`` of its rate
    (CUBIC's cut), an unpaced one learns nothing and only pauses. One met while probing above the
    settled rate delays the next probe.
    """
    if sending_rate is None:
        if goodput is None:
            return previous
        return LearnedLimit(max(goodput * SETTLE_SHARE, MINIMUM_RATE), resume_at, SEARCHING)
    if previous is None or previous.probing == SEARCHING:
        probing = BRACKETED
    elif sending_rate > previous.settled * 1.001:  # met while probing above the settled rate
        probing = previous.probing.after_failed_probe()
    else:
        probing = previous.probing
    estimate = KEPT_AFTER_CUT * sending_rate if goodput is None else min(sending_rate, goodput)
    return LearnedLimit(max(estimate * SETTLE_SHARE, MINIMUM_RATE), resume_at, probing)


@dataclass
class SendCycle:
    """Requests sent and 429s met since the cycle began (the last pause's end, or the first send after
    an idle spell): what ``goodput`` divides by the time it took."""

    started: float
    sent: int = 0
    throttled: int = 0

    def goodput(self, now: float, pause: float) -> float | None:
        """Answers that were not 429, per second of the cycle with the pause it ends in; None when too
        few requests were sent to tell a rate."""
        if self.sent < TELLING_SENDS:
            return None
        return max(self.sent - self.throttled, 0) / max(now - self.started + pause, 1e-3)


IDLE_SECONDS = 5.0  # a gap without a send longer than this starts a new cycle: idle time is not a slow rate


def cycle_after(cycle: SendCycle | None, last_sent: float, now: float) -> SendCycle:
    """The cycle a send at ``now`` belongs to: a new one when none runs or the client sat idle."""
    if cycle is None or now - last_sent > IDLE_SECONDS:
        return SendCycle(now)
    return cycle


def paced_rate(learned: LearnedLimit | None, ceiling: float | None, now: float) -> float | None:
    """The rate to send at: the learned one under the ceiling (``max_requests_per_second``); None: unpaced."""
    if learned is None:
        return ceiling
    rate = learned.rate_at(now)
    return rate if ceiling is None else min(rate, ceiling)
