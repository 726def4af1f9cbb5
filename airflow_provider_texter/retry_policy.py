"""When to retry a Texter request and how long to wait first; one policy for every call of a hook."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Literal

from airflow_provider_texter.connection_fields import BACKOFF_FACTOR, MAX_RETRIES, MAX_RETRY_WAIT

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
# final: the answer is the result (or its typed error); retry: send again after the delay; give_up: the
# budget is spent; outcome_unknown: the request may have been applied and must not be sent again.
Verdict = Literal["final", "retry", "give_up", "outcome_unknown"]
MAX_BACKOFF_SECONDS = 30.0
# Up to this share is added to a Retry-After: clients told the same moment do not all come back in it.
RETRY_AFTER_JITTER = 0.2


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, ``Retry-After`` honoured, and a bound on the total wait.

    A 429 that says when to come back (``Retry-After``) is budgeted by time only: the server is
    pacing us, not failing, so those retries do not spend ``max_retries``; ``max_retry_wait`` still
    bounds them. Every other retry (5xx, 429 without ``Retry-After``, network errors) spends both.

    :param max_retries: counted retries after the first attempt (0 disables retrying).
    :param backoff_factor: first backoff in seconds; it doubles on every retry, up to 30 s.
    :param max_retry_wait: seconds after a request's first attempt beyond which it is not retried
        (waits, pauses, pacing and the attempts themselves all count).
    """

    max_retries: int = MAX_RETRIES.default
    backoff_factor: float = BACKOFF_FACTOR.default
    max_retry_wait: float = MAX_RETRY_WAIT.default

    def verdict(
        self,
        *,
        status: int | None,
        not_sent: bool,
        may_resend: bool,
        retry_number: int,
        spent: float,
        delay: float,
        by_time_only: bool,
    ) -> Verdict:
        """What to do after one attempt: its ``status`` (None: no answer; ``not_sent``: it surely never
        reached Texter, e.g. connection refused), and whether the request may be sent twice.

        A 429 is a refusal and a request that never left was never seen: both are retried for every
        call. A read timeout, a reset after sending and a 5xx may follow a request Texter applied: a
        call that may not be sent twice (it messages a person) then ends with an unknown outcome.
        """
        refused = status == 429 or (status is None and not_sent)
        if not refused and (status is None or status >= 500) and not may_resend:
            return "outcome_unknown"
        if status is not None and status not in RETRYABLE_STATUSES:
            return "final"
        return "retry" if self.allows(retry_number, spent, delay, by_time_only=by_time_only) else "give_up"

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        """Seconds to wait before counted retry ``retry_number`` (1-based); ``Retry-After`` (plus up to
        20 % jitter) wins when given."""
        if retry_after is not None:
            return retry_after * random.uniform(1, 1 + RETRY_AFTER_JITTER)
        ceiling = min(self.backoff_factor * 2 ** (retry_number - 1), MAX_BACKOFF_SECONDS)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def allows(self, retry_number: int, spent: float, delay: float, *, by_time_only: bool = False) -> bool:
        """Whether another attempt, ``delay`` from now, fits in the time budget (``spent`` seconds of it
        are gone) and, unless ``by_time_only``, in the count."""
        within_count = self.max_retries > 0 and (by_time_only or retry_number <= self.max_retries)
        return within_count and spent + delay <= self.max_retry_wait


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds from now (delta-seconds or HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max((moment - (now or datetime.now(timezone.utc))).total_seconds(), 0.0)
