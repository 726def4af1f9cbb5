"""SqlToTexterOperator: stream a warehouse query into Texter chat updates, concurrently and accountably."""

from __future__ import annotations

import socket
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, closing
from functools import cached_property
from itertools import islice
from typing import TYPE_CHECKING, Any

from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_provider_texter.chat_lookup import check_multiple_chat_policy
from airflow_provider_texter.compat import BaseHook, BaseOperator
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.hooks.texter import POOL_SIZE, TexterHook
from airflow_provider_texter.phones import default_region_of
from airflow_provider_texter.transfers.incremental import IncrementalSync
from airflow_provider_texter.transfers.rejected_rows import RejectedRowsTable, check_table_name
from airflow_provider_texter.transfers.row_mapping import RowMapper
from airflow_provider_texter.transfers.row_requests import OPERATIONS, check_targets, row_requests
from airflow_provider_texter.transfers.row_sync import SAMPLE_SIZE, RowSync, RowTask, SyncSummary
from airflow_provider_texter.transfers.run_guard import RunGuard
from airflow_provider_texter.transfers.sql_rows import count_rows, streamed_rows
from airflow_provider_texter.transfers.sync_lease import SyncLease
from airflow_provider_texter.transfers.sync_state import DepartedKey, SyncState
from airflow_provider_texter.validation import MERGING_MODES, load_data_schema

if TYPE_CHECKING:
    from airflow.sdk import Context

ON_REMOVED = ("report", "remove_labels")
TRUE_TEXTS = ("true", "1", "yes", "on")
FALSE_TEXTS = ("false", "0", "no", "off", "")
# SQLite cannot commit on a second connection while the first reads: the state shares the read one.
SHARED_CONNECTION_DIALECTS = ("sqlite",)


class SqlToTexterOperator(BaseOperator):
    """Run ``sql`` on a common-sql connection and turn each row into one Texter chat update.

    Rows are streamed (never all in memory), mapped to payloads, validated, and written by
    ``max_workers`` threads sharing one hook, so the connection's ``max_requests_per_second`` and
    429 back-off hold for the whole run. A row that cannot be written is recorded with its key and
    reason and the run goes on; the task fails at the end if too many rows failed.

    :param sql: the query (or a ``.sql`` file), templated.
    :param conn_id: the SQL connection (SQLite, PostgreSQL, ...: anything with a DbApiHook).
    :param operation: ``"crm_data"`` (Update CRM Data), ``"chat"`` (Update Chat Properties: columns
        named like the properties, e.g. ``display_name`` or ``displayName``), ``"labels"`` (the query
        returns a segment's members; their chats get ``labels``) or ``"assign"`` (Assign Chat: columns
        ``agent_email``, ``agent_uid`` or ``agent_crm_id``, and/or ``department_id``; a row whose
        columns are all NULL is skipped). With ``state_table``, only new and changed rows are sent: an
        owner is re-assigned (which makes the chat PENDING again) only when it changed.
    :param merging_mode: for ``crm_data``: replace, assign, merge, defaults or defaultsDeep.
    :param labels: for ``labels``: the labels, by name or id, every member's chat gets; a name no label
        has fails the task before any write, unless ``create_missing_labels``.
    :param create_missing_labels: create the labels ``labels`` names that do not exist yet.
    :param on_removed: what happens to keys the state holds that the result no longer has:
        ``"report"`` counts them (``removed``); ``"remove_labels"`` (operation ``labels``, with
        ``state_table``) takes the labels this sync gave them off their chats, and no other label.
        Only after the whole result was read without the run stopping.
    :param max_removed_rows: with ``remove_labels``: when more keys than this left the result ...
    :param max_removed_ratio: ... or more than this share (0..1) of the keys the state holds, nothing
        is removed and the task fails (``TooManyRemovedError``): a guard against a query that came
        back empty or broken.
    :param chat_id_column: column holding the Texter chat id ...
    :param phone_column: ... or the contact's phone, in any written form, parsed by libphonenumber and
        matched exactly against each chat's contact with Search Chats (once per number per run).
    :param channel_name: with ``account_id``, restrict phone matches to one channel account.
    :param default_region: region of local phone numbers (``"IL"`` for ``052-123-4567``) ...
    :param default_country_code: ... or its calling code (``"972"``); without either, a number needs
        ``+`` or Texter's bare international digits (``972521234567``).
    :param on_multiple_chats: when a phone has several chats: ``most_recent``, ``all`` or ``error``.
    :param column_map: ``{column: "target.path"}``; dotted targets nest, ``None`` drops a column.
    :param keep_nulls: send NULL columns as JSON null instead of leaving them out.
    :param json_columns: columns holding JSON as text (SQLite, MySQL, Snowflake): parsed before sending,
        so ``'["vip"]'`` becomes an array; values the driver already decoded pass unchanged.
    :param data_schema: the user's JSON Schema (dict or .json path) each row's data must meet.
    :param max_workers: concurrent requests.
    :param max_failed_rows: the task fails when more rows than this failed ...
    :param max_failed_ratio: ... or when the share of failed rows is above this (0..1). With neither
        set, one failed row fails the task.
    :param rejected_rows_table: table on ``conn_id`` that receives failed and unmatched rows.
    :param state_table: table on ``conn_id`` (created if missing) remembering, per sync and row key, a
        fingerprint of the last request Texter confirmed: a run then sends only new and changed rows,
        and a run that died resumes where it stopped. ``<state_table>_lease`` keeps two runs of one
        sync from overlapping. The key (chat id or phone) must be unique in the result.
    :param sync_id: the sync's name in the state table (default ``"<dag_id>.<task_id>"``).
    :param full_refresh: with ``state_table``: send every row anyway and rewrite the state; accepts
        ``True``/``False`` or their text, so ``"{{ params.full_refresh }}"`` works.
    :param preview: query, map, validate, resolve phones and read the state, but write nothing (neither
        Texter nor the state); report what would be sent. (``dry_run=`` is accepted as an old alias.)
    :param count_rows: count the result first, so progress lines show an ETA.
    :param sql_hook_params: extra arguments for the SQL connection's hook (e.g. ``{"schema": ...}``).
    """

    template_fields: Sequence[str] = (
        "sql",
        "parameters",
        "labels",
        "column_map",
        "rejected_rows_table",
        "state_table",
        "sync_id",
        "full_refresh",
        "conn_id",
        "texter_conn_id",
        "sql_hook_params",
    )
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql", "parameters": "json", "column_map": "json"}
    ui_color = "#25d366"

    def __init__(
        self,
        *,
        sql: str,
        conn_id: str,
        operation: str = "crm_data",
        merging_mode: str = "merge",
        labels: Sequence[str] | str | None = None,
        create_missing_labels: bool = False,
        on_removed: str = "report",
        max_removed_rows: int | None = None,
        max_removed_ratio: float | None = None,
        chat_id_column: str | None = None,
        phone_column: str | None = None,
        channel_name: str | None = None,
        account_id: str | None = None,
        default_region: str | None = None,
        default_country_code: str | None = None,
        on_multiple_chats: str = "most_recent",
        column_map: Mapping[str, str | None] | None = None,
        keep_nulls: bool = False,
        json_columns: Sequence[str] | None = None,
        data_schema: Mapping[str, Any] | str | None = None,
        parameters: Sequence | Mapping | None = None,
        max_workers: int = 8,
        max_failed_rows: int | None = None,
        max_failed_ratio: float | None = None,
        rejected_rows_table: str | None = None,
        state_table: str | None = None,
        sync_id: str | None = None,
        full_refresh: bool | str = False,
        preview: bool = False,
        count_rows: bool = False,
        batch_size: int = 1000,
        progress_every: float = 30.0,
        texter_conn_id: str = TexterHook.default_conn_name,
        sql_hook_params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if "dry_run" in kwargs:  # the old name shadowed BaseOperator.dry_run(); keep DAGs that use it working
            warnings.warn(
                "SqlToTexterOperator(dry_run=...) is now preview=...", DeprecationWarning, stacklevel=2
            )
            preview = bool(kwargs.pop("dry_run"))
        super().__init__(**kwargs)
        self.sql = sql
        self.conn_id = conn_id
        self.operation = operation
        self.merging_mode = merging_mode
        self.labels = labels
        self.create_missing_labels = create_missing_labels
        self.on_removed = on_removed
        self.max_removed_rows = max_removed_rows
        self.max_removed_ratio = max_removed_ratio
        self.chat_id_column = chat_id_column
        self.phone_column = phone_column
        self.channel_name = channel_name
        self.account_id = account_id
        self.default_region = default_region
        self.default_country_code = default_country_code
        self.on_multiple_chats = on_multiple_chats
        self.column_map = column_map
        self.keep_nulls = keep_nulls
        self.json_columns = json_columns
        self.data_schema = data_schema
        self.parameters = parameters
        self.max_workers = max_workers
        self.max_failed_rows = max_failed_rows
        self.max_failed_ratio = max_failed_ratio
        self.rejected_rows_table = rejected_rows_table
        self.state_table = state_table
        self.sync_id = sync_id
        self.full_refresh = full_refresh
        self.preview = preview
        self.count_rows = count_rows
        self.batch_size = batch_size
        self.progress_every = progress_every
        self.texter_conn_id = texter_conn_id
        self.sql_hook_params = sql_hook_params

    @cached_property
    def texter_hook(self) -> TexterHook:
        hook = TexterHook(texter_conn_id=self.texter_conn_id)
        hook.log_each_retried_request = False  # progress lines count the retries instead
        return hook

    @cached_property
    def db_hook(self) -> DbApiHook:
        """The SQL connection's hook, as ``GenericTransfer`` gets it: any common-sql ``DbApiHook``."""
        hook = BaseHook.get_connection(self.conn_id).get_hook(hook_params=dict(self.sql_hook_params or {}))
        if not isinstance(hook, DbApiHook):
            raise TexterValidationError(
                [f"conn_id: connection {self.conn_id!r} has no SQL hook (got {type(hook).__name__})"],
                context=f"arguments of task {self.task_id!r}",
            )
        return hook

    def execute(self, context: Context) -> dict[str, Any]:
        self._check_arguments()
        label_ids = self._label_ids()  # before the query: an unknown label fails the task before any write
        wake = threading.Event()  # workers and the state wake the feeding thread with it
        total = count_rows(self.db_hook, self.sql, self.parameters) if self.count_rows else None
        guard = RunGuard(
            max_failed_rows=self.max_failed_rows,
            max_failed_ratio=self.max_failed_ratio,
            total_rows=total,
            workers=self.max_workers,
        )
        dialect = getattr(self.db_hook, "dialect_name", None)
        with ExitStack() as open_connections:
            read_connection = open_connections.enter_context(closing(self.db_hook.get_conn()))
            side_connection = read_connection  # for the state and the rejected rows, on this thread
            if dialect not in SHARED_CONNECTION_DIALECTS and (self.state_table or self.rejected_rows_table):
                side_connection = open_connections.enter_context(closing(self.db_hook.get_conn()))
            incremental = None
            if self.state_table:
                incremental = self._incremental(context, side_connection, self.state_table, wake)
                incremental.start()
            rejected_table = None
            if self.rejected_rows_table and not self.preview:
                rejected_table = RejectedRowsTable(
                    side_connection,
                    self.rejected_rows_table,
                    context["run_id"], dag_id=self.dag_id, task_id=self.task_id,
                    placeholder=self.db_hook.placeholder, escape_word_format=self.db_hook.escape_word_format,
                )
                rejected_table.create()

            def tick() -> None:
                if incremental:
                    incremental.tick()
                if rejected_table:
                    rejected_table.flush_if_due()

            with streamed_rows(
                read_connection, dialect, self.sql, self.parameters, batch_size=self.batch_size
            ) as (columns, rows):
                mapper = RowMapper(
                    columns,
                    key_columns=[self.key_column],
                    column_map=self.column_map,
                    keep_nulls=self.keep_nulls,
                    json_columns=self.json_columns or (),
                )
                check_targets(self.operation, [path for _, path in mapper.targets])
                sync = RowSync(
                    self._writer(),
                    self._chat_ids,
                    columns=columns,
                    max_workers=self.max_workers,
                    dry_run=self.preview,
                    skip_empty=not (self.operation == "crm_data" and self.merging_mode == "replace"),
                    progress_every=self.progress_every,
                    total_rows=total,
                    log=self.log,
                    outcomes=incremental.state if incremental and not self.preview else None,
                    tick=tick,
                    guard=guard,
                    on_rejected=rejected_table.add if rejected_table else None,
                    wake=wake,
                    retried=self.texter_hook.retries_so_far,
                )
                try:
                    sync.run(self._tasks(rows, mapper, incremental, label_ids))
                finally:
                    if incremental:
                        incremental.finish(sync.summary, completed=sync.summary.aborted is None)
                    if rejected_table:
                        rejected_table.flush()
                    self._finish(sync.summary)
        self._last_summary = sync.summary.as_dict()
        verdict = guard.verdict(sync.summary.rows_read)
        if verdict is not None:
            raise type(verdict)(f"{verdict}; " + self._where_rejected_rows_are())
        return self._last_summary

    @property
    def key_column(self) -> str:
        """The column naming each row's chat: ``chat_id_column`` or ``phone_column`` (one is set)."""
        return self.chat_id_column or self.phone_column or ""

    def _incremental(
        self, context: Context, connection: Any, state_table: str, wake: threading.Event
    ) -> IncrementalSync:
        """The state and lease of this sync, on ``connection``; named after the task unless ``sync_id``."""
        ti = context.get("ti")
        map_index = getattr(ti, "map_index", -1)
        sync_id = self.sync_id or f"{self.dag_id}.{self.task_id}" + (
            f"[{map_index}]" if map_index >= 0 else ""
        )
        run_id = context.get("run_id", "")
        placeholder = self.db_hook.placeholder
        lease = SyncLease(
            connection,
            f"{state_table}_lease",
            sync_id,
            owner=f"{self.dag_id}|{self.task_id}|{run_id}|{map_index}",
            holder=f"DAG {self.dag_id!r} task {self.task_id!r} run {run_id!r} "
            f"try {getattr(ti, 'try_number', '?')} on {socket.gethostname()}",
            placeholder=placeholder,
        )
        state = SyncState(
            connection,
            state_table,
            sync_id,
            placeholder=placeholder,
            batch_size=self.batch_size,
            wake=wake,
            dialect=getattr(self.db_hook, "dialect_name", None),
        )
        return IncrementalSync(
            state,
            lease,
            operation=self.operation,
            merging_mode=self.merging_mode if self.operation == "crm_data" else None,
            full_refresh=as_bool(self.full_refresh),
            preview=self.preview,
            walks_departures=self.on_removed == "remove_labels",
        )

    def _check_arguments(self) -> None:
        """Every argument problem at once, before the query runs."""
        problems = []
        if self.operation not in OPERATIONS:
            problems.append(f"operation: {self.operation!r} is not one of {', '.join(OPERATIONS)}")
        if self.operation == "crm_data" and self.merging_mode not in MERGING_MODES:
            problems.append(f"merging_mode: {self.merging_mode!r} is not one of {', '.join(MERGING_MODES)}")
        problems += self._operation_problems()
        if bool(self.chat_id_column) == bool(self.phone_column):
            problems.append("chat_id_column and phone_column: give exactly one of them")
        if self.max_failed_ratio is not None and not 0 <= self.max_failed_ratio <= 1:
            problems.append(f"max_failed_ratio: must be between 0 and 1, got {self.max_failed_ratio!r}")
        if not 1 <= self.max_workers <= POOL_SIZE:
            problems.append(f"max_workers: must be from 1 to {POOL_SIZE}, got {self.max_workers!r}")
        checks: list[Callable[[], object]] = [
            lambda: as_bool(self.full_refresh, field="full_refresh"),
            lambda: check_multiple_chat_policy(self.on_multiple_chats),
            lambda: default_region_of(self.default_region, self.default_country_code),
        ]
        rejected_rows_table, state_table = self.rejected_rows_table, self.state_table
        if rejected_rows_table is not None:
            checks.append(lambda: check_table_name(rejected_rows_table))
        if state_table is not None:
            checks.append(lambda: check_table_name(state_table, field="state_table"))
        for check in checks:
            try:
                check()
            except TexterValidationError as error:
                problems += error.problems
        if problems:
            raise TexterValidationError(problems, context=f"arguments of task {self.task_id!r}")

    def _operation_problems(self) -> list[str]:
        """The arguments that belong to one operation, given to another or missing."""
        problems = []
        if self.operation == "labels" and not self.labels:
            problems.append("labels: operation 'labels' needs the labels to give (names or ids)")
        if self.operation != "labels" and self.labels is not None:
            problems.append(f"labels: only operation 'labels' takes labels, not {self.operation!r}")
        if self.on_removed not in ON_REMOVED:
            problems.append(f"on_removed: {self.on_removed!r} is not one of {', '.join(ON_REMOVED)}")
        elif self.on_removed == "remove_labels" and (self.operation != "labels" or not self.state_table):
            problems.append("on_removed: 'remove_labels' needs operation 'labels' and a state_table")
        guards = {"max_removed_rows": self.max_removed_rows, "max_removed_ratio": self.max_removed_ratio}
        for name, value in guards.items():
            if value is not None and self.on_removed != "remove_labels":
                problems.append(f"{name}: only with on_removed='remove_labels'")
        if self.max_removed_rows is not None and not (
            isinstance(self.max_removed_rows, int) and self.max_removed_rows >= 0
        ):
            problems.append(f"max_removed_rows: must be an integer >= 0, got {self.max_removed_rows!r}")
        if self.max_removed_ratio is not None and not 0 <= self.max_removed_ratio <= 1:
            problems.append(f"max_removed_ratio: must be between 0 and 1, got {self.max_removed_ratio!r}")
        return problems

    def _label_ids(self) -> list[str]:
        """The ids of ``labels`` (names resolved, missing ones created or, in a preview, named), sorted."""
        if self.operation != "labels":
            return []
        ids = self.texter_hook.label_ids(
            self.labels or [], create_missing=self.create_missing_labels, preview=self.preview
        )
        return sorted(ids)

    def _writer(self) -> Callable[[str, dict[str, Any]], Any]:
        """``write(chat_id, payload)``: send the row's requests, or in a preview check and describe them."""
        build = row_requests(
            self.operation, merging_mode=self.merging_mode, data_schema=load_data_schema(self.data_schema)
        )
        if self.preview:
            return lambda chat_id, payload: [request.preview() for request in build(chat_id, payload)]
        return lambda chat_id, payload: [
            request.send(self.texter_hook) for request in build(chat_id, payload)
        ]

    def _tasks(
        self,
        rows: Iterator[Sequence[Any]],
        mapper: RowMapper,
        incremental: IncrementalSync | None,
        label_ids: list[str],
    ) -> Iterator[RowTask]:
        """One task per row, a batch at a time (the state is read per batch); a row whose key or
        payload cannot be built carries its problem instead. Then, with ``on_removed="remove_labels"``,
        one task per key that left the result."""
        numbered = enumerate(rows, start=1)
        while batch := list(islice(numbered, self.batch_size)):
            tasks = [self._task(row_number, row, mapper, label_ids) for row_number, row in batch]
            if incremental:
                incremental.classify(tasks)
            if incremental and self.on_removed == "remove_labels":
                for task in tasks:  # labels the sync gave before and gives no more come off
                    dropped = [label for label in task.previously_written or () if label not in label_ids]
                    if dropped and not task.problem:
                        task.payload = {"add": label_ids, "remove": dropped}
            yield from tasks
        if incremental and self.on_removed == "remove_labels":
            departures = incremental.departures(
                self.batch_size, max_count=self.max_removed_rows, max_ratio=self.max_removed_ratio
            )
            for departed in departures:
                yield self._departed_task(departed, label_ids)

    def _departed_task(self, departed: DepartedKey, label_ids: list[str]) -> RowTask:
        """Take the labels a key's row gave off the chats it gave them to (the current ones, if the state
        predates recording them)."""
        labels = departed.written if departed.written is not None else label_ids
        record = {"row_key": departed.key, "chat_ids": departed.chat_ids, "labels": labels}
        task = RowTask(None, f"{self.key_column}={departed.key}", departed.key, {"remove": labels}, record)
        task.chat_ids, task.departed = departed.chat_ids, True
        if not labels:
            task.chat_ids = []  # nothing to take off
        return task

    def _task(self, row_number: int, row: Sequence[Any], mapper: RowMapper, label_ids: list[str]) -> RowTask:
        key_column = self.key_column
        raw_key = mapper.key(row, key_column)
        task = RowTask(row_number, f"{key_column}={raw_key}", raw_key, {}, row)
        try:
            task.key_value = self._key_value(raw_key, key_column)
            if self.operation == "labels":
                task.payload, task.written = {"add": label_ids}, label_ids
            else:
                task.payload = mapper.payload(row)
        except TexterValidationError as error:
            task.problem = f"row {row_number}: " + "; ".join(error.problems)
        except Exception as error:  # whatever one row holds, it fails that row, never the run
            task.problem = f"row {row_number}: {type(error).__name__}: {error}"
        return task

    def _key_value(self, raw_key: Any, key_column: str) -> str:
        """The row's key: the chat id, or the phone's E.164 digits (``972521234567``)."""
        if raw_key is None or (isinstance(raw_key, str) and not raw_key.strip()):
            raise TexterValidationError([f"{key_column}: is empty"])
        if self.phone_column:
            region = default_region_of(self.default_region, self.default_country_code)
            return self.texter_hook.parse_phone(raw_key, default_region=region, field=key_column).digits
        return str(raw_key).strip()

    def _chat_ids(self, task: RowTask) -> list[str]:
        """The chats a row's key names: the chat id itself, or the phone's chats found by search."""
        if not self.phone_column:
            return [task.key_value]
        return self.texter_hook.find_chat_ids(
            "+" + task.key_value,
            channel_name=self.channel_name,
            account_id=self.account_id,
            on_multiple_chats=self.on_multiple_chats,
        )

    def _finish(self, summary: SyncSummary) -> None:
        """Count requests and log the summary with a sample of the rejected rows: also when the run stops."""
        summary.requests = self.texter_hook.request_count
        summary.retries = self.texter_hook.retry_count
        result = summary.as_dict()
        self.log.info(
            "%sSummary: %d rows read, %d sent, %d succeeded, %d unchanged, %d failed, %d unmatched, "
            "%d skipped, %s removed%s; %d requests (%d phone searches), %d retries; %.1f s, %.1f rows/s",
            "[preview: nothing written] " if self.preview else "",
            summary.rows_read, summary.sent, summary.succeeded, summary.unchanged, summary.failed,
            summary.unmatched, summary.skipped, "?" if summary.removed is None else summary.removed,
            f" ({summary.undone} had their labels taken off)" if self.on_removed == "remove_labels" else "",
            summary.requests, self.texter_hook.chats_by_phone.phones_searched, summary.retries,
            summary.seconds, result["rows_per_second"],
        )  # fmt: skip
        if summary.aborted:
            self.log.error("The run stopped early (%s); %d rows were not attempted", summary.aborted,
                           summary.not_attempted or 0)  # fmt: skip
        for item in summary.failed_sample + summary.unmatched_sample:
            self.log.warning(
                "Row %s (%s) %s: %s", item["row_number"], item["chat_key"], item["status"], item["reason"]
            )
        unlisted = (
            summary.failed + summary.unmatched - len(summary.failed_sample) - len(summary.unmatched_sample)
        )
        if unlisted:
            self.log.warning("... and %d more rejected rows: %s", unlisted, self._where_rejected_rows_are())
        if self.preview:
            for item in summary.would_send:
                self.log.info("[preview] would send %s %s: %s", item["method"], item["path"], item["body"])

    def _where_rejected_rows_are(self) -> str:
        if self.rejected_rows_table and not self.preview:
            return f"every one is in table {self.rejected_rows_table}"
        return (
            f"the log and XCom list the first {SAMPLE_SIZE} of each kind; set rejected_rows_table to keep all"
        )

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: the tables ``sql`` reads, the chats written, and the rows that succeeded."""
        from airflow_provider_texter.lineage import sql_to_texter_lineage

        summary = getattr(self, "_last_summary", None)  # None when execute() stopped early
        return sql_to_texter_lineage(
            sql=self.sql,
            conn_id=self.conn_id,
            texter_conn_id=self.texter_conn_id,
            operation=self.operation,
            column_map=self.column_map,
            rows_succeeded=None if summary is None else summary["succeeded"],
        )


def as_bool(value: bool | str, *, field: str = "full_refresh") -> bool:
    """A flag given as a bool or as the text a template renders (``"True"``, ``"false"``, ``"1"``)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_TEXTS or text in FALSE_TEXTS:
        return text in TRUE_TEXTS
    raise TexterValidationError([f"{field}: {value!r} is not true or false"])
