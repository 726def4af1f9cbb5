"""When to retry a Texter request and how long to wait first; one policy for every call of a hook."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from airflow_provider_texter.connection_fields import BACKOFF_FACTOR, MAX_RETRIES, MAX_RETRY_WAIT

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, ``Retry-After`` honoured, and a bound on the total wait.

    :param max_retries: retries after the first attempt (0 disables retrying).
    :param backoff_factor: first backoff in seconds; it doubles on every retry, up to 30 s.
    :param max_retry_wait: total seconds one request may spend waiting between attempts.
    """

    max_retries: int = MAX_RETRIES.default
    backoff_factor: float = BACKOFF_FACTOR.default
    max_retry_wait: float = MAX_RETRY_WAIT.default

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based); ``Retry-After`` wins when given."""
        if retry_after is not None:
            return retry_after
        ceiling = min(self.backoff_factor * 2 ** (retry_number - 1), MAX_BACKOFF_SECONDS)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def allows(self, retry_number: int, waited: float, delay: float) -> bool:
        """Whether another attempt fits in the retry count and the total wait budget."""
        return retry_number <= self.max_retries and waited + delay <= self.max_retry_wait


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
