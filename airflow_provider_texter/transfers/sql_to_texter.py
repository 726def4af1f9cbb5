"""SqlToTexterOperator: stream a warehouse query into Texter calls, concurrently and accountably.

The operator holds the arguments; ``sync_plan`` checks them into a plan and ``sync_run`` runs it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_provider_texter.actions import ROW_ACTIONS, Operation
from airflow_provider_texter.actions.update_crm_data import MergingMode
from airflow_provider_texter.chat_lookup import MultipleChats
from airflow_provider_texter.compat import BaseOperator
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.transfers.sql_hooks import sql_hook
from airflow_provider_texter.transfers.sync_plan import OnRemoved, build_plan
from airflow_provider_texter.transfers.sync_run import RunIdentity, SyncRun

if TYPE_CHECKING:
    from airflow.sdk import Context

# The arguments the plan is built from, read from the operator after Airflow rendered them.
PLAN_ARGUMENTS = (
    "sql", "parameters", "operation", "merging_mode", "labels", "create_missing_labels", "allow_resubscribe",
    "on_removed", "max_removed_rows", "max_removed_ratio", "chat_id_column", "phone_column", "channel_name",
    "account_id", "default_region", "default_country_code", "on_multiple_chats", "column_map", "keep_nulls",
    "json_columns", "data_schema", "max_workers", "max_failed_rows", "max_failed_ratio",
    "rejected_rows_table", "state_table", "sync_id", "full_refresh", "preview", "count_rows", "batch_size",
    "progress_every",
)  # fmt: skip


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
        ``"unsubscribe"`` / ``"resubscribe"`` (Unsubscribe from / Resubscribe to templates): the query
        returns phones (``phone_column``, no other column), each sent as is, no chat looked up; with
        ``account_id`` only for that number of ours. Resubscribing needs ``allow_resubscribe=True``.
    :param merging_mode: for ``crm_data``: replace, assign, merge, defaults or defaultsDeep.
    :param labels: for ``labels``: the labels, by name or id, every member's chat gets; a name no label
        has fails the task before any write, unless ``create_missing_labels``.
    :param create_missing_labels: create the labels ``labels`` names that do not exist yet.
    :param allow_resubscribe: for ``resubscribe``: you confirm every phone of the query consented again
        (resubscribing a contact who opted out is a consent decision, never a default).
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
        operation: Operation = "crm_data",
        merging_mode: MergingMode = "merge",
        labels: Sequence[str] | str | None = None,
        create_missing_labels: bool = False,
        allow_resubscribe: bool = False,
        on_removed: OnRemoved = "report",
        max_removed_rows: int | None = None,
        max_removed_ratio: float | None = None,
        chat_id_column: str | None = None,
        phone_column: str | None = None,
        channel_name: str | None = None,
        account_id: str | None = None,
        default_region: str | None = None,
        default_country_code: str | None = None,
        on_multiple_chats: MultipleChats = "most_recent",
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
        self.allow_resubscribe = allow_resubscribe
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
        hook.transport.log_each_retried_request = False  # progress lines count the retries instead
        return hook

    @cached_property
    def db_hook(self) -> DbApiHook:
        """The SQL connection's hook, as ``GenericTransfer`` gets it: any common-sql ``DbApiHook``."""
        return sql_hook(self.conn_id, self.sql_hook_params, task_id=self.task_id)

    def execute(self, context: Context) -> dict[str, Any]:
        identity = RunIdentity.of(self.dag_id, self.task_id, context)
        # A mapped task's instances are separate syncs, each with its own state.
        mapped = f"[{identity.map_index}]" if identity.map_index >= 0 else ""
        default_sync_id = f"{self.dag_id}.{self.task_id}{mapped}"
        arguments = {name: getattr(self, name) for name in PLAN_ARGUMENTS}
        plan = build_plan(arguments, task_id=self.task_id, default_sync_id=default_sync_id)
        run = SyncRun(plan, identity, texter_hook=self.texter_hook, db_hook=self.db_hook, log=self.log)
        self._last_summary = run.execute().as_dict()
        return self._last_summary

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: the tables ``sql`` reads, the chats written, and the rows that succeeded."""
        from airflow_provider_texter.lineage import sql_to_texter_lineage

        summary = getattr(self, "_last_summary", None)  # None when execute() stopped early
        return sql_to_texter_lineage(
            sql=self.sql,
            conn_id=self.conn_id,
            texter_conn_id=self.texter_conn_id,
            action=ROW_ACTIONS[self.operation],
            column_map=self.column_map,
            rows_succeeded=None if summary is None else summary["succeeded"],
        )
