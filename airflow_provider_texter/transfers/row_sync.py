"""Send many rows to Texter with a fixed pool of threads; each row's outcome goes to the run's report.

Rows with the same key always go to the same worker, so two rows for one chat are applied in query
order even though different chats are written concurrently.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator

from airflow_provider_texter.exceptions import (
    TexterAuthError,
    TexterConfigError,
    TexterError,
    TexterPermanentError,
)
from airflow_provider_texter.transfers.progress import Progress
from airflow_provider_texter.transfers.row_delivery import RowDelivery
from airflow_provider_texter.transfers.rows import ChatWriteError, RowTask
from airflow_provider_texter.transfers.run_report import RunReport, SyncSummary
from airflow_provider_texter.transfers.worker_pool import KeyedWorkerPool

TICK_ROWS = 100  # rows fed between two ticks (and progress checks) when no queue is full


class RowSync:
    """Delivers every task on ``max_workers`` threads and records what happened in ``report``.

    :param tick: called on the feeding thread at least every half second, to commit and renew.
    :param wake: set by anyone with work for the feeding thread (a finished row, a full batch of
        outcomes to commit); it ticks then instead of after a fixed sleep.
    """

    def __init__(
        self,
        delivery: RowDelivery,
        report: RunReport,
        progress: Progress,
        *,
        max_workers: int,
        tick: Callable[[], None],
        wake: threading.Event,
    ) -> None:
        self.delivery = delivery
        self.report = report
        self.progress = progress
        self.tick = tick
        self.pool = KeyedWorkerPool(
            self._work, max_workers=max_workers, tick=self._tick, wake=wake, name="texter-sync"
        )

    @property
    def summary(self) -> SyncSummary:
        return self.report.summary

    def run(self, tasks: Iterable[RowTask]) -> SyncSummary:
        """Feed every task to the workers, wait for them, and return the summary.

        A run-level error (401/403, a broken connection), a spent failure budget or an API that
        keeps failing stops the run: no new rows are started, rows in flight finish, and the error
        is raised after the summary is complete, with the rows not attempted counted.
        """
        started = time.monotonic()
        try:
            self.pool.run(self._feed(tasks))
        finally:
            self.summary.seconds = time.monotonic() - started
        if self.report.fatal is not None:
            total = (
                self.progress.total_rows if self.progress.total_rows is not None else self.summary.rows_read
            )
            self.summary.not_attempted = max(total - self.summary.rows_done, 0)
            raise self.report.fatal
        return self.summary

    def _feed(self, tasks: Iterable[RowTask]) -> Iterator[tuple[str, RowTask]]:
        """The tasks to send, keyed; every task is read into the report, until the run stops."""
        for task in tasks:
            if self.report.stopped.is_set():
                return
            self.report.read(task)
            if not task.problem and not task.unchanged:
                yield task.key, task
            if self.summary.rows_read % TICK_ROWS == 0:
                self._tick()

    def _tick(self) -> None:
        self.progress.log_if_due(self.summary)
        self.tick()

    def _work(self, task: RowTask) -> None:
        if not self.report.stopped.is_set():
            self._handle(task)

    def _handle(self, task: RowTask) -> None:
        """One row, and what its failure means: the row's alone, or the whole run's.

        A request that outlived the hook's retries surely changed nothing twice (a call that may not be
        sent twice fails with a permanent unknown-outcome error instead), so the row is tried once more.
        """
        for attempt in (1, 2):
            try:
                self.report.delivered(task, self.delivery.deliver(task))
                return
            except ChatWriteError as failure:
                error, chat_id = failure.error, failure.chat_id
                if isinstance(error, (TexterAuthError, TexterConfigError)):  # the token or connection
                    self.report.reject(task, str(error), chat_id=chat_id)
                    self.report.stop(error)
                    return
                if isinstance(error, TexterPermanentError):
                    self.report.reject(task, str(error), chat_id=chat_id)
                    return
                if not isinstance(error, TexterError):  # anything else is this row's problem, never the run's
                    self.report.reject(
                        task, f"{task.where}: {type(error).__name__}: {error}", chat_id=chat_id
                    )
                    return
                self.report.request_gave_up(str(error))  # 429/5xx/network after the hook's retries
                if attempt == 2 or self.report.stopped.is_set():
                    self.report.reject(task, str(error), chat_id=chat_id, transient=True)
                    return
