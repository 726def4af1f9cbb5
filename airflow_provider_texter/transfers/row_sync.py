"""Send many rows to Texter with a fixed pool of threads, recording each row's outcome.

Rows with the same chat key always go to the same worker, so two rows for one chat are
applied in query order even though different chats are written concurrently.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from airflow_provider_texter.exceptions import (
    TexterAuthError,
    TexterConfigError,
    TexterError,
    TexterNotFoundError,
    TexterPermanentError,
    TexterValidationError,
)
from airflow_provider_texter.transfers.run_guard import RunGuard
from airflow_provider_texter.validation import to_json_value

SAMPLE_SIZE = 20
QUEUE_DEPTH = 64
TICK_SECONDS = 0.5
TICK_ROWS = 100  # rows fed between two ticks (and progress checks) when no queue is full
_DONE = object()


class Outcomes(Protocol):
    """Where a stateful run hands each row's outcome (``SyncState``); called from worker threads."""

    def confirm(
        self, key: str, fingerprint: str, chat_ids: Sequence[str], written: Sequence[str] | None = None
    ) -> None: ...

    def forget(self, key: str) -> None: ...

    def drop(self, key: str) -> None: ...


@dataclass
class RowTask:
    """One row on its way: its number in the result, the chat it names, what to write, or why not.

    A *departed* task is no row: a key the state holds that left the result, whose ``written`` labels
    are removed from the ``chat_ids`` it wrote (``row`` then holds the state's record, by name).
    """

    row_number: int | None
    chat_key: str
    key_value: Any
    payload: dict[str, Any]
    row: Sequence[Any] | dict[str, Any]
    problem: str | None = None
    fingerprint: str | None = None
    unchanged: bool = False
    chat_id: str | None = None  # the chat being written, for reports
    chat_ids: list[str] | None = None  # the chats, when known without a look-up
    written: list[str] | None = None  # what the state keeps to undo later (label ids)
    previously_written: list[str] | None = None  # what the state kept from the last confirmed write
    departed: bool = False

    @property
    def where(self) -> str:
        """The task in messages: ``row 12``, or the departed key."""
        return f"{self.chat_key} (left the result)" if self.departed else f"row {self.row_number}"


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


class RowSync:
    """Writes every row's payload to each of its chats on ``max_workers`` threads.

    :param write: ``write(chat_id, payload)`` sends one payload (in a dry run: only checks it and
        returns the requests it would send, as ``[{"method", "path", "body"}]``).
    :param resolve_chat_ids: ``resolve_chat_ids(task)`` gives the chats a row targets (may search).
    :param columns: the query's column names, to report rejected rows by name.
    :param skip_empty: rows with an empty payload are counted as skipped instead of written.
    :param progress_every: seconds between progress lines in the log.
    :param total_rows: the result size when known, for the ETA.
    :param outcomes: receives each sent row's outcome (a stateful run), keyed by the task's key.
    :param tick: called on the feeding thread at least every half second, to commit and renew.
    :param guard: decides when failures end the run early (by default no row may fail).
    :param on_rejected: receives every rejected row (thread-safe), e.g. ``RejectedRowsTable.add``.
    :param wake: set by anyone with work for the feeding thread (a finished row, a full batch of
        outcomes to commit); it ticks then instead of after a fixed sleep.
    :param retried: the retries so far by outcome (``{"503": 12, "ReadTimeout": 3}``), for progress lines.
    """

    def __init__(
        self,
        write: Callable[[str, dict[str, Any]], Any],
        resolve_chat_ids: Callable[[RowTask], list[str]],
        *,
        columns: Sequence[str],
        max_workers: int = 8,
        dry_run: bool = False,
        skip_empty: bool = True,
        progress_every: float = 30.0,
        total_rows: int | None = None,
        log: Any = None,  # Airflow's task logger (structlog) or a logging.Logger
        outcomes: Outcomes | None = None,
        tick: Callable[[], None] = lambda: None,
        guard: RunGuard | None = None,
        on_rejected: Callable[[dict[str, Any]], None] | None = None,
        wake: threading.Event | None = None,
        retried: Callable[[], Counter[str]] = Counter,
    ) -> None:
        self.write = write
        self.resolve_chat_ids = resolve_chat_ids
        self.columns = list(columns)
        self.skip_empty = skip_empty
        self.progress_every = progress_every
        self.total_rows = total_rows
        self.log = log or logging.getLogger(__name__)
        self.outcomes = outcomes
        self.tick = tick
        self.guard = guard or RunGuard(workers=max_workers)
        self.on_rejected = on_rejected
        self.wake = wake or threading.Event()
        self.retried = retried
        self._retried_at_last_progress: Counter[str] = Counter()
        self.summary = SyncSummary(dry_run=dry_run)
        self._lock = threading.Lock()
        self._abort = threading.Event()
        self._fatal: BaseException | None = None
        self._queues: list[queue.Queue] = [queue.Queue(maxsize=QUEUE_DEPTH) for _ in range(max_workers)]
        self._started = time.monotonic()
        self._last_progress = self._started

    def run(self, tasks: Iterable[RowTask]) -> SyncSummary:
        """Feed every task to the workers, wait for them, and return the summary.

        A run-level error (401/403, a broken connection), a spent failure budget or an API that
        keeps failing stops the run: no new rows are started, rows in flight finish, and the error
        is raised after the summary is complete, with the rows not attempted counted.
        """
        workers = [
            threading.Thread(target=self._work, args=(work,), name=f"texter-sync-{index}", daemon=True)
            for index, work in enumerate(self._queues)
        ]
        for worker in workers:
            worker.start()
        try:
            for task in tasks:
                if self._abort.is_set():
                    break
                self.summary.rows_read += not task.departed
                if task.problem:
                    self.reject(task, task.problem)
                elif task.unchanged:
                    self.summary.unchanged += 1
                else:
                    self._put(self._queue_for(str(task.key_value)), task)
                if self.summary.rows_read % TICK_ROWS == 0:
                    self._log_progress()
                    self.tick()
        finally:
            for work in self._queues:
                self._put(work, _DONE)
            for worker in workers:
                while worker.is_alive():
                    self.wake.clear()
                    self._log_progress()
                    self.tick()
                    if worker.is_alive():
                        self.wake.wait(TICK_SECONDS)
            self.summary.seconds = time.monotonic() - self._started
        if self._fatal is not None:
            total = self.total_rows if self.total_rows is not None else self.summary.rows_read
            self.summary.not_attempted = max(total - self.summary.rows_done, 0)
            raise self._fatal
        return self.summary

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
            self.outcomes.forget(task.key_value)
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
            self._stop(stop)

    def _stop(self, error: BaseException) -> None:
        """End the run with ``error``: no new rows start, rows in flight finish."""
        with self._lock:
            if self._fatal is None:
                self._fatal = error
                self.summary.aborted = f"{type(error).__name__}: {error}"
        self._abort.set()

    def _put(self, work: queue.Queue, item: Any) -> None:
        """Hand ``item`` to a worker; while its queue is full, tick whenever a worker wakes us."""
        while True:
            self.wake.clear()
            try:
                work.put_nowait(item)
                return
            except queue.Full:
                self.tick()
                self.wake.wait(TICK_SECONDS)

    def _queue_for(self, key: str) -> queue.Queue:
        return self._queues[hash(key) % len(self._queues)]  # stable within the run, which is all it needs

    def _work(self, work: queue.Queue) -> None:
        while (task := work.get()) is not _DONE:
            if not self._abort.is_set():
                self._handle(task)
            self.wake.set()  # a queue has room, and there may be outcomes to commit
        self.wake.set()

    def _handle(self, task: RowTask) -> None:
        """One row, and what its failure means: the row's alone, or the whole run's."""
        for attempt in (1, 2):
            try:
                self._deliver(task)
                return
            except (TexterAuthError, TexterConfigError) as error:  # the token or connection: every row
                self.reject(task, str(error), chat_id=task.chat_id)
                self._stop(error)
                return
            except TexterPermanentError as error:
                self.reject(task, str(error), chat_id=task.chat_id)
                return
            except TexterError as error:  # 429/5xx/network after the hook's retries: once more, afresh
                with self._lock:
                    api_down = self.guard.request_gave_up(str(error))
                if api_down is not None:
                    self._stop(api_down)
                if attempt == 2 or self._abort.is_set():
                    self.reject(task, str(error), chat_id=task.chat_id, transient=True)
                    return
            except Exception as error:  # anything else is this row's problem, named, never the run's
                self.reject(task, f"{task.where}: {type(error).__name__}: {error}", chat_id=task.chat_id)
                return

    def _deliver(self, task: RowTask) -> None:
        chat_ids = task.chat_ids if task.chat_ids is not None else self.resolve_chat_ids(task)
        if not chat_ids and not task.departed:  # a departed key without chats has nothing to undo
            self.reject(task, f"no chat found for {task.chat_key}", status="unmatched")
            return
        if self.skip_empty and not task.payload:
            with self._lock:
                self.summary.skipped += 1
            return
        for chat_id in chat_ids:
            task.chat_id = chat_id
            try:
                written = self.write(chat_id, task.payload)
            except TexterNotFoundError:
                if not task.departed:
                    raise
                continue  # the chat was deleted, and what the key wrote with it
            self._record_preview(chat_id, written)
        with self._lock:
            if task.departed:
                self.summary.undone += 1
            else:
                self.summary.succeeded += 1
                self.summary.sent += not self.summary.dry_run  # a row, once Texter confirmed all its requests
            self.guard.succeeded()
        if self.outcomes is not None and task.departed:
            self.outcomes.drop(task.key_value)
        elif self.outcomes is not None and task.fingerprint is not None:
            self.outcomes.confirm(task.key_value, task.fingerprint, chat_ids, task.written)

    def _record_preview(self, chat_id: str, written: Any) -> None:
        with self._lock:
            if self.summary.dry_run:
                for request in written:
                    if len(self.summary.would_send) < SAMPLE_SIZE:
                        self.summary.would_send.append({"chat_id": chat_id, **request})

    def _log_progress(self) -> None:
        now = time.monotonic()
        if now - self._last_progress < self.progress_every:
            return
        self._last_progress = now
        done, elapsed = self.summary.rows_done, now - self._started
        rate = done / elapsed if elapsed else 0.0
        eta = ""
        if self.total_rows and rate:
            eta = f", ETA {max(self.total_rows - done, 0) / rate:.0f} s"
        total = f"/{self.total_rows}" if self.total_rows else ""
        retried = Counter(self.retried())
        new_retries = retried - self._retried_at_last_progress
        self._retried_at_last_progress = retried
        retries = ", ".join(f"{outcome} x {count}" for outcome, count in new_retries.most_common())
        self.log.info(
            "Progress: %d%s rows done (%d sent ok, %d unchanged, %d failed, %d unmatched, %d skipped), "
            "%.1f rows/s%s; retried since the last line: %s",
            done, total, self.summary.succeeded, self.summary.unchanged, self.summary.failed,
            self.summary.unmatched, self.summary.skipped, rate, eta, retries or "nothing",
        )  # fmt: skip


def reportable_row(columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    """A row as JSON-safe ``{column: value}`` for reports; values JSON cannot hold become their repr."""
    result = {}
    for column, value in zip(columns, row, strict=False):
        try:
            result[column] = to_json_value(value, field=column)
        except TexterValidationError:
            result[column] = repr(value)
    return result
