"""Progress lines of a long run: rows done, rate, ETA, and what the hook retried since the last line."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from airflow_provider_texter.transfers.run_report import SyncSummary


class Progress:
    """Logs a progress line at most every ``every`` seconds.

    :param total_rows: the result size when known, for the ETA.
    :param retried: the hook's retries so far by outcome (``{"503": 12, "ReadTimeout": 3}``).
    """

    def __init__(
        self, log: Any, *, every: float, total_rows: int | None, retried: Callable[[], Counter[str]]
    ) -> None:
        self.log = log
        self.every = every
        self.total_rows = total_rows
        self.retried = retried
        self._started = self._last = time.monotonic()
        self._retried_at_last: Counter[str] = Counter()

    def log_if_due(self, summary: SyncSummary) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        done, elapsed = summary.rows_done, now - self._started
        rate = done / elapsed if elapsed else 0.0
        eta = ""
        if self.total_rows and rate:
            eta = f", ETA {max(self.total_rows - done, 0) / rate:.0f} s"
        total = f"/{self.total_rows}" if self.total_rows else ""
        retried = Counter(self.retried())
        new_retries = retried - self._retried_at_last
        self._retried_at_last = retried
        retries = ", ".join(f"{outcome} x {count}" for outcome, count in new_retries.most_common())
        self.log.info(
            "Progress: %d%s rows done (%d sent ok, %d unchanged, %d failed, %d unmatched, %d skipped), "
            "%.1f rows/s%s; retried since the last line: %s",
            done, total, summary.succeeded, summary.unchanged, summary.failed,
            summary.unmatched, summary.skipped, rate, eta, retries or "nothing",
        )  # fmt: skip
