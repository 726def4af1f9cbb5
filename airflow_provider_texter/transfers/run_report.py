"""What a run did, row by row: the counts and samples XCom gets, the state's confirmations, the rejected
rows, and the failure budget; every outcome goes through here, from any worker thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.transfers.rows import Delivered, RowTask
from airflow_provider_texter.transfers.run_guard import RunGuard
from airflow_provider_texter.validation import to_json_value

SAMPLE_SIZE = 20


class Outcomes(Protocol):
    """Where a stateful run hands each row's outcome (``SyncState``); called from worker threads."""

    def confirm(
        self, key: str, fingerprint: str, chat_ids: Sequence[str], written: Sequence[str] | None = None
    ) -> None: ...

    def forget(self, key: str) -> None: ...

    def drop(self, key: str) -> None: ...


@dataclass
class SyncSummary:
    """What a run did; ``as_dict()`` is what the operator returns to XCom."""

    dry_run: bool = False
    rows_read: int = 0
    sent: int = 0  # rows whose every request Texter confirmed (none in a preview): departures are undone
    succeeded: int = 0
    failed: int = 0
    unmatched: int = 0
    skipped: int = 0
    unchanged: int = 0
    removed: int | None = 0
    undone: int = 0  # removed keys whose labels were taken off their chats
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0
    aborted: str | None = None
    not_attempted: int | None = None
    # The first SAMPLE_SIZE failed and unmatched rows: XCom and the log stay small; the table has all.
    failed_sample: list[dict[str, Any]] = field(default_factory=list)
    unmatched_sample: list[dict[str, Any]] = field(default_factory=list)
    would_send: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rows_done(self) -> int:
        return self.succeeded + self.failed + self.unmatched + self.skipped + self.unchanged

    def as_dict(self) -> dict[str, Any]:
        rate = round(self.rows_done / self.seconds, 1) if self.seconds else 0.0
        result: dict[str, Any] = {
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "sent": self.sent,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "unmatched": self.unmatched,
            "skipped": self.skipped,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "undone": self.undone,
            "requests": self.requests,
            "retries": self.retries,
            "seconds": round(self.seconds, 3),
            "rows_per_second": rate,
            "failed_rows": self.failed_sample,
            "unmatched_rows": self.unmatched_sample,
        }
        if self.aborted:
            result["aborted"] = self.aborted
            result["not_attempted"] = self.not_attempted
        if self.dry_run:
            result["would_send"] = self.would_send
        return result


class RunReport:
    """Records each task's outcome: counts, samples, the state (``outcomes``), the rejected rows
    (``on_rejected``) and the failure budget (``guard``), which may end the run (``stop``).

    :param columns: the query's column names, to report rejected rows by name.
    """

    def __init__(
        self,
        *,
        columns: Sequence[str],
        guard: RunGuard,
        preview: bool,
        outcomes: Outcomes | None = None,
        on_rejected: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.columns = list(columns)
        self.guard = guard
        self.outcomes = outcomes
        self.on_rejected = on_rejected
        self.summary = SyncSummary(dry_run=preview)
        self.fatal: BaseException | None = None
        self.stopped = threading.Event()
        self._lock = threading.Lock()

    def read(self, task: RowTask) -> None:
        """A task came from the query (or the state: a departed key): count it; settle it if not sent."""
        self.summary.rows_read += not task.departed
        if task.problem:
            self.reject(task, task.problem)
        elif task.unchanged:
            self.summary.unchanged += 1

    def delivered(self, task: RowTask, outcome: Delivered) -> None:
        """A worker finished a task without error."""
        if outcome.status == "unmatched":
            self.reject(task, f"no chat found for {task.chat_key}", status="unmatched")
            return
        with self._lock:
            if outcome.status == "skipped":
                self.summary.skipped += 1
                return
            if self.summary.dry_run:
                room = SAMPLE_SIZE - len(self.summary.would_send)
                self.summary.would_send += list(outcome.would_send[: max(room, 0)])
            if task.departed:
                self.summary.undone += 1
            else:
                self.summary.succeeded += 1
                self.summary.sent += not self.summary.dry_run  # rows, however many requests each made
            self.guard.succeeded()
        if self.outcomes is not None and task.departed:
            self.outcomes.drop(task.key)
        elif self.outcomes is not None and task.fingerprint is not None:
            self.outcomes.confirm(task.key, task.fingerprint, outcome.chat_ids, task.written)

    def reject(
        self,
        task: RowTask,
        reason: str,
        *,
        status: str = "failed",
        chat_id: str | None = None,
        transient: bool = False,
    ) -> None:
        """Record a row that was not written, with everything needed to find and retry it."""
        if self.outcomes is not None and (task.fingerprint is not None or task.departed):
            self.outcomes.forget(task.key)
        item = {
            "row_number": task.row_number,
            "chat_key": task.chat_key,
            "chat_id": chat_id,
            "status": status,
            "reason": reason,
            "row": task.row if isinstance(task.row, dict) else reportable_row(self.columns, task.row),
            "rejected_at": datetime.now(timezone.utc).isoformat(),
        }
        with self._lock:
            if status == "failed":
                self.summary.failed += 1
                sample = self.summary.failed_sample
                stop = self.guard.failed_row(transient=transient)
            else:
                self.summary.unmatched += 1
                sample = self.summary.unmatched_sample
                stop = None
            if len(sample) < SAMPLE_SIZE:
                sample.append(item)
        if self.on_rejected is not None:
            self.on_rejected(item)
        if stop is not None:
            self.stop(stop)

    def request_gave_up(self, reason: str) -> None:
        """A request outlived the hook's retries: the circuit breaker may open."""
        with self._lock:
            api_down = self.guard.request_gave_up(reason)
        if api_down is not None:
            self.stop(api_down)

    def stop(self, error: BaseException) -> None:
        """End the run with ``error``: no new rows start, rows in flight finish."""
        with self._lock:
            if self.fatal is None:
                self.fatal = error
                self.summary.aborted = f"{type(error).__name__}: {error}"
        self.stopped.set()


def reportable_row(columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    """A row as JSON-safe ``{column: value}`` for reports; values JSON cannot hold become their repr."""
    result = {}
    for column, value in zip(columns, row, strict=False):
        try:
            result[column] = to_json_value(value, field=column)
        except TexterValidationError:
            result[column] = repr(value)
    return result
