"""When a run must stop before its last row: the failure budget is spent, or the API keeps failing.

Both are decided from row outcomes as they arrive, so a run whose fate is sealed stops sending at
once instead of writing (or failing) the rest of a million rows first.
"""

from __future__ import annotations

import math

from airflow_provider_texter.exceptions import TexterError, TexterPermanentError

MIN_FAILURES_IN_A_ROW = 2
MAX_FAILURES_IN_A_ROW = 16


class TexterUnavailableError(TexterError):
    """The API failed row after row even with retries: the run stopped; an Airflow retry may finish it."""


class RunGuard:
    """Counts row outcomes and says when (and why) the run must stop.

    :param max_failed_rows: failed rows allowed ...
    :param max_failed_ratio: ... or their share of all rows; decided early only when the row count is
        known (``total_rows``), else at the end. With neither set, no row may fail.
    :param workers: concurrent rows; the circuit breaker opens after that many requests in a row (2 to
        16), with no success between them, outlived the hook's retries: with the API down for good, the
        first round of requests of all workers (about one request's retry budget).
    """

    def __init__(
        self,
        *,
        max_failed_rows: int | None = None,
        max_failed_ratio: float | None = None,
        total_rows: int | None = None,
        workers: int = 8,
    ) -> None:
        self.max_failed_rows = 0 if max_failed_rows is None and max_failed_ratio is None else max_failed_rows
        self.max_failed_ratio = max_failed_ratio
        self.total_rows = total_rows
        self.failures_to_open = min(max(workers, MIN_FAILURES_IN_A_ROW), MAX_FAILURES_IN_A_ROW)
        self.failed = 0
        self.transient_failed = 0
        self.failures_in_a_row = 0

    def succeeded(self) -> None:
        self.failures_in_a_row = 0

    def request_gave_up(self, reason: str) -> TexterError | None:
        """A request outlived the hook's retries (429/5xx/network); the error when the API looks down."""
        self.failures_in_a_row += 1
        if self.failures_in_a_row >= self.failures_to_open:
            return TexterUnavailableError(
                f"the Texter API failed {self.failures_in_a_row} requests in a row after retries "
                f"(last: {reason}): the run stopped; retrying the task later sends what is left"
            )
        return None

    def failed_row(self, *, transient: bool) -> TexterError | None:
        """Count a failed row; the error that ends the run when this one spent the budget, else None."""
        self.failed += 1
        if transient:
            self.transient_failed += 1
        allowed = self.allowed_failures()
        if allowed is not None and self.failed > allowed:
            return self.too_many_failures()
        return None

    def allowed_failures(self) -> int | None:
        """The failed rows the run may have; None while only the (unknown) total can tell."""
        limits = []
        if self.max_failed_rows is not None:
            limits.append(self.max_failed_rows)
        if self.max_failed_ratio is not None and self.total_rows is not None:
            limits.append(math.floor(self.max_failed_ratio * self.total_rows))
        return min(limits) if limits else None

    def verdict(self, rows: int) -> TexterError | None:
        """At the end of a complete run: the error when more rows failed than allowed."""
        allowed = self.max_failed_rows
        too_many = allowed is not None and self.failed > allowed
        too_high = self.max_failed_ratio is not None and rows and self.failed / rows > self.max_failed_ratio
        return self.too_many_failures(f" of {rows}") if too_many or too_high else None

    def too_many_failures(self, of_rows: str = "") -> TexterError:
        message = (
            f"failed rows: {self.failed}{of_rows} (allowed: max_failed_rows={self.max_failed_rows}, "
            f"max_failed_ratio={self.max_failed_ratio})"
        )
        if self.transient_failed:  # some rows only met an unavailable API: a later try may deliver them
            return TexterError(f"{message}; {self.transient_failed} of them because the API was unavailable")
        return TexterPermanentError(message)
