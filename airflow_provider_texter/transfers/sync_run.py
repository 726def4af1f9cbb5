"""One run of a SqlToTexterOperator plan: it owns the connections and passes each row through stages.

A row's trip: the query streams it; ``map_row`` turns it into a ``RowTask`` (key, payload, or problem);
the state decides (``IncrementalSync.decide``: unchanged or to send); a worker delivers it
(``RowDelivery``: chats, requests, sends) and the ``RunReport`` records the outcome. Then, with
``on_removed="remove_labels"``, the keys that left the result are undone the same way.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass
from itertools import islice
from typing import Any

from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_provider_texter.actions.action import RowOptions
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.transfers.incremental import IncrementalSync
from airflow_provider_texter.transfers.progress import Progress
from airflow_provider_texter.transfers.rejected_rows import RejectedRowsTable
from airflow_provider_texter.transfers.row_delivery import RowDelivery
from airflow_provider_texter.transfers.row_mapping import RowMapper
from airflow_provider_texter.transfers.row_sync import RowSync
from airflow_provider_texter.transfers.rows import RowTask
from airflow_provider_texter.transfers.run_guard import RunGuard
from airflow_provider_texter.transfers.run_report import RunReport, SyncSummary
from airflow_provider_texter.transfers.sql_rows import count_rows, streamed_rows
from airflow_provider_texter.transfers.summary_log import log_summary, where_rejected_rows_are
from airflow_provider_texter.transfers.sync_lease import SyncLease
from airflow_provider_texter.transfers.sync_plan import StatePlan, SyncPlan
from airflow_provider_texter.transfers.sync_state import DepartedKey, SyncState

# SQLite cannot commit on a second connection while the first reads: the state shares the read one.
SHARED_CONNECTION_DIALECTS = ("sqlite",)


@dataclass(frozen=True)
class RunIdentity:
    """Which task instance runs: names the lease's holder and the rejected rows."""

    dag_id: str
    task_id: str
    run_id: str
    map_index: int = -1
    try_number: int | str = "?"

    @classmethod
    def of(cls, dag_id: str, task_id: str, context: Mapping[str, Any]) -> RunIdentity:
        """The task instance an Airflow ``context`` runs (outside a DAG run: no run id, no try)."""
        ti = context.get("ti")
        run_id = context.get("run_id", "")
        return cls(dag_id, task_id, run_id, getattr(ti, "map_index", -1), getattr(ti, "try_number", "?"))

    def lease(self, connection: Any, table: str, sync_id: str, *, placeholder: str) -> SyncLease:
        """The lease of ``sync_id`` in ``table``, held by this task instance (its retries take it over)."""
        return SyncLease(
            connection,
            table,
            sync_id,
            owner=f"{self.dag_id}|{self.task_id}|{self.run_id}|{self.map_index}",
            holder=f"DAG {self.dag_id!r} task {self.task_id!r} run {self.run_id!r} "
            f"try {self.try_number} on {socket.gethostname()}",
            placeholder=placeholder,
        )


class SyncRun:
    """Runs ``plan`` once; ``summary`` is complete after ``execute`` returns or raises."""

    def __init__(
        self, plan: SyncPlan, identity: RunIdentity, *, texter_hook: TexterHook, db_hook: DbApiHook, log: Any
    ) -> None:
        self.plan = plan
        self.identity = identity
        self.hook = texter_hook
        self.db_hook = db_hook
        self.log = log
        self.summary = SyncSummary(dry_run=plan.preview)

    def execute(self) -> SyncSummary:
        plan, hook = self.plan, self.hook
        options = RowOptions(
            plan.merging_mode, plan.data_schema, tuple(self.label_ids()), plan.key.account_id
        )
        wake = threading.Event()  # workers and the state wake the feeding thread with it
        total = count_rows(self.db_hook, plan.sql, plan.parameters) if plan.count_rows else None
        guard = RunGuard(
            max_failed_rows=plan.max_failed_rows,
            max_failed_ratio=plan.max_failed_ratio,
            total_rows=total,
            workers=plan.max_workers,
        )
        dialect = getattr(self.db_hook, "dialect_name", None)
        with ExitStack() as open_connections:
            read_connection = open_connections.enter_context(closing(self.db_hook.get_conn()))
            side_connection = read_connection  # for the state and the rejected rows, on this thread
            if dialect not in SHARED_CONNECTION_DIALECTS and (plan.state or plan.rejected_rows_table):
                side_connection = open_connections.enter_context(closing(self.db_hook.get_conn()))
            incremental = None
            if plan.state:
                incremental = self.incremental(side_connection, plan.state, wake, options)
                incremental.start()
            rejected_table = None
            if plan.rejected_rows_table and not plan.preview:
                rejected_table = RejectedRowsTable(
                    side_connection,
                    plan.rejected_rows_table,
                    self.identity.run_id,
                    dag_id=self.identity.dag_id,
                    task_id=self.identity.task_id,
                    placeholder=self.db_hook.placeholder,
                    escape_word_format=self.db_hook.escape_word_format,
                )
                rejected_table.create()

            def tick() -> None:
                if incremental:
                    incremental.tick()
                if rejected_table:
                    rejected_table.flush_if_due()

            with streamed_rows(
                read_connection, dialect, plan.sql, plan.parameters, batch_size=plan.batch_size
            ) as (columns, rows):
                mapper = RowMapper(
                    columns,
                    key_columns=[plan.key.column],
                    column_map=plan.column_map,
                    keep_nulls=plan.keep_nulls,
                    json_columns=plan.json_columns,
                )
                problems = plan.action.target_problems([path for _, path in mapper.targets])
                if problems:
                    raise TexterValidationError(
                        problems, context=f"columns of operation {plan.action.operation!r}"
                    )
                report = RunReport(
                    columns=columns,
                    guard=guard,
                    preview=plan.preview,
                    outcomes=incremental.state if incremental and not plan.preview else None,
                    on_rejected=rejected_table.add if rejected_table else None,
                )
                self.summary = report.summary
                stats = hook.transport.stats
                sync = RowSync(
                    RowDelivery(hook, plan.action, options, plan.key, preview=plan.preview),
                    report,
                    Progress(
                        self.log, every=plan.progress_every, total_rows=total, retried=stats.retried_so_far
                    ),
                    max_workers=plan.max_workers,
                    tick=tick,
                    wake=wake,
                )
                try:
                    sync.run(self.tasks(rows, mapper, incremental, options))
                finally:
                    if incremental:
                        incremental.finish(self.summary, completed=self.summary.aborted is None)
                    if rejected_table:
                        rejected_table.flush()
                    self.summary.requests, self.summary.retries = stats.requests, stats.retries
                    log_summary(
                        self.log, plan, self.summary, phones_searched=hook.chats_by_phone.phones_searched
                    )
        verdict = guard.verdict(self.summary.rows_read)
        if verdict is not None:
            raise type(verdict)(f"{verdict}; " + where_rejected_rows_are(plan))
        return self.summary

    def label_ids(self) -> list[str]:
        """The ids of ``labels`` (names resolved, missing ones created or, in a preview, named), sorted;
        before the query, so an unknown label fails the task before any write."""
        if self.plan.labels is None:
            return []
        ids = self.hook.label_ids(
            self.plan.labels, create_missing=self.plan.create_missing_labels, preview=self.plan.preview
        )
        return sorted(ids)

    def incremental(
        self, connection: Any, state: StatePlan, wake: threading.Event, options: RowOptions
    ) -> IncrementalSync:
        """The state and lease of this sync, on ``connection``."""
        placeholder = self.db_hook.placeholder
        lease = self.identity.lease(
            connection, f"{state.table}_lease", state.sync_id, placeholder=placeholder
        )
        sync_state = SyncState(
            connection,
            state.table,
            state.sync_id,
            placeholder=placeholder,
            batch_size=self.plan.batch_size,
            wake=wake,
            dialect=getattr(self.db_hook, "dialect_name", None),
        )
        return IncrementalSync(
            sync_state,
            lease,
            action=self.plan.action,
            options=options,
            full_refresh=state.full_refresh,
            preview=self.plan.preview,
            walks_departures=state.undoes_departures,
        )

    def tasks(
        self,
        rows: Iterator[Sequence[Any]],
        mapper: RowMapper,
        incremental: IncrementalSync | None,
        options: RowOptions,
    ) -> Iterator[RowTask]:
        """One task per row, a batch at a time (the state is read per batch). Then, when the plan undoes
        departures, one task per key that left the result."""
        numbered = enumerate(rows, start=1)
        while batch := list(islice(numbered, self.plan.batch_size)):
            tasks = [self.map_row(row_number, row, mapper, options) for row_number, row in batch]
            yield from incremental.decide(tasks) if incremental else tasks
        state = self.plan.state
        if incremental and state and state.undoes_departures:
            departures = incremental.departures(
                self.plan.batch_size, max_count=state.max_removed_rows, max_ratio=state.max_removed_ratio
            )
            for departed in departures:
                yield self.departed_task(departed, options)

    def map_row(self, row_number: int, row: Sequence[Any], mapper: RowMapper, options: RowOptions) -> RowTask:
        """The row's key and payload, or the problem that keeps it from being sent."""
        key_column = self.plan.key.column
        raw_key = mapper.key(row, key_column)
        chat_key = f"{key_column}={raw_key}"
        try:
            key = self.key_value(raw_key)
            payload = self.plan.action.row_payload(mapper.payload(row), options)
        except TexterValidationError as error:
            return RowTask(
                row_number, chat_key, "", {}, row, problem=f"row {row_number}: " + "; ".join(error.problems)
            )
        except Exception as error:  # whatever one row holds, it fails that row, never the run
            return RowTask(
                row_number,
                chat_key,
                "",
                {},
                row,
                problem=f"row {row_number}: {type(error).__name__}: {error}",
            )
        return RowTask(row_number, chat_key, key, payload, row, written=self.plan.action.row_written(options))

    def key_value(self, raw_key: Any) -> str:
        """The row's key: the chat id, or the phone's E.164 digits (``972521234567``)."""
        key = self.plan.key
        if raw_key is None or (isinstance(raw_key, str) and not raw_key.strip()):
            raise TexterValidationError([f"{key.column}: is empty"])
        if key.by_phone:
            return self.hook.phones.parse(raw_key, default_region=key.default_region, field=key.column).digits
        return str(raw_key).strip()

    def departed_task(self, departed: DepartedKey, options: RowOptions) -> RowTask:
        """Take back what a key's row wrote from the chats it wrote to (what the run writes now, if the
        state predates recording it)."""
        action = self.plan.action
        written = departed.written if departed.written is not None else action.row_written(options) or []
        record = {"row_key": departed.key, "chat_ids": departed.chat_ids, action.written_name: written}
        return RowTask(
            None,
            f"{self.plan.key.column}={departed.key}",
            departed.key,
            action.undo_payload(written) or {},
            record,
            chat_ids=tuple(departed.chat_ids) if written else (),  # nothing written: nothing to take off
            departed=True,
        )
