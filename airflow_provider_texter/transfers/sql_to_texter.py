"""SqlToTexterOperator: stream a warehouse query into Texter chat updates, concurrently and accountably."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_texter.compat import BaseHook, BaseOperator
from airflow_provider_texter.exceptions import TexterPermanentError, TexterValidationError
from airflow_provider_texter.hooks.texter import POOL_SIZE, TexterHook
from airflow_provider_texter.transfers.phone_matching import PhoneResolver, normalise_phone
from airflow_provider_texter.transfers.rejected_rows import check_table_name, write_rejected_rows
from airflow_provider_texter.transfers.row_mapping import RowMapper
from airflow_provider_texter.transfers.row_sync import RowSync, RowTask, SyncSummary
from airflow_provider_texter.transfers.sql_rows import count_rows, streamed_rows
from airflow_provider_texter.validation import (
    MERGING_MODES,
    chat_properties_request,
    crm_data_request,
    load_data_schema,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

OPERATIONS = ("crm_data", "chat")


class SqlToTexterOperator(BaseOperator):
    """Run ``sql`` on a common-sql connection and turn each row into one Texter chat update.

    Rows are streamed (never all in memory), mapped to payloads, validated, and written by
    ``max_workers`` threads sharing one hook, so the connection's ``max_requests_per_second`` and
    429 back-off hold for the whole run. A row that cannot be written is recorded with its key and
    reason and the run goes on; the task fails at the end if too many rows failed.

    :param sql: the query (or a ``.sql`` file), templated.
    :param conn_id: the SQL connection (SQLite, PostgreSQL, ...: anything with a DbApiHook).
    :param operation: ``"crm_data"`` (Update CRM Data) or ``"chat"`` (Update Chat Properties: columns
        named like the properties, e.g. ``display_name`` or ``displayName``).
    :param merging_mode: for ``crm_data``: replace, assign, merge, defaults or defaultsDeep.
    :param chat_id_column: column holding the Texter chat id ...
    :param phone_column: ... or the contact's phone, resolved with Search Chats (cached per run).
    :param channel_name: with ``account_id``, restrict phone matches to one channel account.
    :param default_country_code: country code for local phone numbers (``"972"`` for ``052...``).
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
    :param dry_run: query, map, validate and resolve phones, but write nothing; report a sample.
    :param count_rows: count the result first, so progress lines show an ETA.
    """

    template_fields: Sequence[str] = ("sql", "parameters", "column_map", "rejected_rows_table")
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
        chat_id_column: str | None = None,
        phone_column: str | None = None,
        channel_name: str | None = None,
        account_id: str | None = None,
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
        dry_run: bool = False,
        count_rows: bool = False,
        batch_size: int = 1000,
        progress_every: float = 30.0,
        texter_conn_id: str = TexterHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.conn_id = conn_id
        self.operation = operation
        self.merging_mode = merging_mode
        self.chat_id_column = chat_id_column
        self.phone_column = phone_column
        self.channel_name = channel_name
        self.account_id = account_id
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
        self.dry_run = dry_run
        self.count_rows = count_rows
        self.batch_size = batch_size
        self.progress_every = progress_every
        self.texter_conn_id = texter_conn_id

    @cached_property
    def texter_hook(self) -> TexterHook:
        return TexterHook(texter_conn_id=self.texter_conn_id)

    @cached_property
    def db_hook(self) -> Any:
        return BaseHook.get_connection(self.conn_id).get_hook()

    def execute(self, context: Context) -> dict[str, Any]:
        self._check_arguments()
        resolver = PhoneResolver(
            self.texter_hook,
            channel_name=self.channel_name,
            account_id=self.account_id,
            on_multiple_chats=self.on_multiple_chats,
        )
        total = count_rows(self.db_hook, self.sql, self.parameters) if self.count_rows else None
        with streamed_rows(self.db_hook, self.sql, self.parameters, batch_size=self.batch_size) as (
            columns,
            rows,
        ):
            mapper = RowMapper(
                columns,
                key_columns=[self.chat_id_column or self.phone_column],
                column_map=self.column_map,
                keep_nulls=self.keep_nulls,
                json_columns=self.json_columns or (),
            )
            sync = RowSync(
                self._writer(),
                lambda task: resolver.chat_ids(task.key_value) if self.phone_column else [task.key_value],
                columns=columns,
                max_workers=self.max_workers,
                dry_run=self.dry_run,
                skip_empty=not (self.operation == "crm_data" and self.merging_mode == "replace"),
                progress_every=self.progress_every,
                total_rows=total,
                log=self.log,
            )
            try:
                sync.run(self._tasks(rows, mapper))
            finally:
                self._finish(context, sync.summary, resolver)
        self._last_summary = sync.summary.as_dict()
        return self._result(sync.summary)

    def _check_arguments(self) -> None:
        """Every argument problem at once, before the query runs."""
        problems = []
        if self.operation not in OPERATIONS:
            problems.append(f"operation: {self.operation!r} is not one of {', '.join(OPERATIONS)}")
        if self.operation == "crm_data" and self.merging_mode not in MERGING_MODES:
            problems.append(f"merging_mode: {self.merging_mode!r} is not one of {', '.join(MERGING_MODES)}")
        if bool(self.chat_id_column) == bool(self.phone_column):
            problems.append("chat_id_column and phone_column: give exactly one of them")
        if self.max_failed_ratio is not None and not 0 <= self.max_failed_ratio <= 1:
            problems.append(f"max_failed_ratio: must be between 0 and 1, got {self.max_failed_ratio!r}")
        if not 1 <= self.max_workers <= POOL_SIZE:
            problems.append(f"max_workers: must be from 1 to {POOL_SIZE}, got {self.max_workers!r}")
        if self.rejected_rows_table is not None:
            try:
                check_table_name(self.rejected_rows_table)
            except TexterValidationError as error:
                problems += error.problems
        if problems:
            raise TexterValidationError(problems, context=f"arguments of task {self.task_id!r}")

    def _writer(self):
        """``write(chat_id, payload)``: the hook (which validates first), or in a dry run validation only."""
        data_schema = load_data_schema(self.data_schema)
        if self.operation == "chat":
            if self.dry_run:
                return lambda chat_id, payload: chat_properties_request(payload)
            return self.texter_hook.update_chat
        if self.dry_run:
            return lambda chat_id, payload: crm_data_request(
                payload, self.merging_mode, data_schema=data_schema
            )
        return lambda chat_id, payload: self.texter_hook.update_crm_data(
            chat_id, payload, self.merging_mode, data_schema=data_schema
        )

    def _tasks(self, rows, mapper: RowMapper):
        """One task per row; a row whose key is missing or unreadable carries its problem instead."""
        key_column = self.chat_id_column or self.phone_column
        for row_number, row in enumerate(rows, start=1):
            raw_key = mapper.key(row, key_column)
            task = RowTask(row_number, f"{key_column}={raw_key}", raw_key, {}, row)
            try:
                task.key_value = self._key_value(raw_key, key_column)
                task.payload = mapper.payload(row)
            except TexterValidationError as error:
                task.problem = f"row {row_number}: " + "; ".join(error.problems)
            yield task

    def _key_value(self, raw_key: Any, key_column: str) -> str:
        if raw_key is None or (isinstance(raw_key, str) and not raw_key.strip()):
            raise TexterValidationError([f"{key_column}: is empty"])
        if self.phone_column:
            return normalise_phone(raw_key, default_country_code=self.default_country_code)
        return str(raw_key).strip()

    def _finish(self, context: Context, summary: SyncSummary, resolver: PhoneResolver) -> None:
        """Count requests, keep the rejected rows, and log the summary: also when the run aborts."""
        summary.requests = self.texter_hook.request_count
        summary.retries = self.texter_hook.retry_count
        if self.rejected_rows_table and summary.rejected and not self.dry_run:
            written = write_rejected_rows(
                self.db_hook, self.rejected_rows_table, context["run_id"], summary.rejected
            )
            self.log.info("Wrote %d rejected rows to %s", written, self.rejected_rows_table)
        result = summary.as_dict()
        self.log.info(
            "%sSummary: %d rows read, %d sent, %d succeeded, %d failed, %d unmatched, %d skipped; "
            "%d requests (%d phone searches), %d retries; %.1f s, %.1f rows/s",
            "[dry run] " if self.dry_run else "",
            summary.rows_read, summary.sent, summary.succeeded, summary.failed, summary.unmatched,
            summary.skipped, summary.requests, resolver.searches, summary.retries, summary.seconds,
            result["rows_per_second"],
        )  # fmt: skip
        for item in summary.rejected:
            self.log.warning(
                "Row %d (%s) %s: %s", item["row_number"], item["chat_key"], item["status"], item["reason"]
            )
        if self.dry_run:
            for item in summary.would_send:
                self.log.info("[dry run] would send to chat %s: %s", item["chat_id"], item["body"])

    def _result(self, summary: SyncSummary) -> dict[str, Any]:
        """The summary for XCom, or a failure when more rows failed than allowed."""
        result = summary.as_dict()
        ratio = summary.failed / summary.rows_read if summary.rows_read else 0.0
        max_rows = (
            0 if self.max_failed_rows is None and self.max_failed_ratio is None else self.max_failed_rows
        )
        too_many_rows = max_rows is not None and summary.failed > max_rows
        too_high_ratio = self.max_failed_ratio is not None and ratio > self.max_failed_ratio
        if too_many_rows or too_high_ratio:
            raise TexterPermanentError(
                f"{summary.failed} of {summary.rows_read} rows failed (allowed: max_failed_rows="
                f"{max_rows}, max_failed_ratio={self.max_failed_ratio}); "
                "the failed rows are listed in the log above"
                + (f" and in table {self.rejected_rows_table}" if self.rejected_rows_table else "")
            )
        return result

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
