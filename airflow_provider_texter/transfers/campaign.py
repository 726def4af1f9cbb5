"""SqlToTexterCampaignOperator: a WhatsApp template message to each contact a warehouse query returns,
exactly once per campaign, with consent, opt-outs, caps and quiet hours checked before the first send.

The operator holds the arguments; ``campaign_plan`` checks them and ``campaign_run`` runs the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_texter.compat import BaseOperator
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.transfers.campaign_plan import build_campaign_plan
from airflow_provider_texter.transfers.campaign_run import CampaignRun
from airflow_provider_texter.transfers.sql_hooks import sql_hook
from airflow_provider_texter.transfers.sync_run import RunIdentity

if TYPE_CHECKING:
    from airflow.sdk import Context

PLAN_ARGUMENTS = (
    "sql", "parameters", "campaign_id", "phone_column", "default_region", "default_country_code",
    "template_name", "language", "account_id", "body_columns", "ledger_table", "max_messages",
    "consent_column",
    "exclude_unsubscribed", "frequency_cap", "frequency_window_days", "quiet_hours", "canary", "preview",
    "resend_unknown", "max_workers", "batch_size", "clock",
)  # fmt: skip


class SqlToTexterCampaignOperator(BaseOperator):
    """Send an approved WhatsApp template to each contact of ``sql``, at most once per ``campaign_id``.

    The ledger (``ledger_table`` on ``conn_id``, created if missing) holds one row per campaign and E.164
    phone, committed as a reservation before its message is sent, then its outcome: ``sent`` (with
    Texter's message id), ``unsubscribed``, ``rejected``, ``not_sent`` or ``unknown``. A later run of the
    campaign sends only what is not ``sent``, ``unsubscribed`` or ``unknown``. An ``unknown`` message
    (Texter may have sent it) is looked for in the contact's chat and becomes ``sent`` when it is there;
    otherwise it is reported (the task fails) and sent again only with ``resend_unknown=True``.

    :param sql: the query (or a ``.sql`` file), templated; one row per contact.
    :param conn_id: the SQL connection (SQLite, PostgreSQL, MySQL, ...: anything with a DbApiHook).
    :param phone_column: the column holding each contact's phone, in any written form.
    :param default_region: region of local phone numbers (``"IL"``) ...
    :param default_country_code: ... or its calling code (``"972"``).
    :param campaign_id: templated (``"renewal-{{ ds }}"``): a contact gets a campaign at most once, ever.
    :param template_name: the approved WhatsApp template to send.
    :param language: its localization (``"he"``); None when it has only one.
    :param account_id: our WhatsApp number to send from; None: the project's default channel.
    :param body_columns: the columns whose values fill ``{{1}}``, ``{{2}}``, ... in order.
    :param ledger_table: required: the ledger table on ``conn_id``; ``<ledger_table>_lease`` keeps two
        runs of one campaign from overlapping.
    :param max_messages: required: a run that would send more fails before its first send.
    :param consent_column: only rows where it is true are sent (booleans, 1, or texts like ``"yes"``).
    :param exclude_unsubscribed: skip Texter's template opt-out list, read once per run (default).
    :param frequency_cap: with ``frequency_window_days``: skip a contact who got this many messages of
        other campaigns of the ledger in that many days.
    :param quiet_hours: ``("21:00", "09:00")``: a contact for whom it is that time (their number's time
        zone; several zones: where it is latest) is ``deferred`` and sent by the next run.
    :param canary: send only this many, and leave the rest for the next run (e.g. 50).
    :param preview: everything but the sends and the ledger's writes: counts, and the first 20 messages
        rendered with phones masked.
    :param resend_unknown: send the rows still ``unknown`` after reconciliation again: your decision.
    :param max_workers: concurrent sends.
    :param clock: returns the current time (aware) for quiet hours and the frequency window; default
        ``quiet_hours.utc_now``. Tests fix it.
    """

    template_fields: Sequence[str] = (
        "sql", "parameters", "campaign_id", "ledger_table", "preview", "resend_unknown", "conn_id",
        "texter_conn_id", "sql_hook_params",
)  # fmt: skip
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql", "parameters": "json"}
    ui_color = "#25d366"

    def __init__(
        self,
        *,
        sql: str,
        conn_id: str,
        phone_column: str,
        campaign_id: str,
        template_name: str,
        body_columns: Sequence[str],
        ledger_table: str,
        max_messages: int,
        language: str | None = None,
        account_id: str | None = None,
        default_region: str | None = None,
        default_country_code: str | None = None,
        consent_column: str | None = None,
        exclude_unsubscribed: bool = True,
        frequency_cap: int | None = None,
        frequency_window_days: int | None = None,
        quiet_hours: tuple[str, str] | None = None,
        canary: int | None = None,
        preview: bool | str = False,
        resend_unknown: bool | str = False,
        parameters: Sequence | Mapping | None = None,
        max_workers: int = 8,
        batch_size: int = 1000,
        clock: Callable[[], datetime] | None = None,
        texter_conn_id: str = TexterHook.default_conn_name,
        sql_hook_params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.conn_id = conn_id
        self.phone_column = phone_column
        self.campaign_id = campaign_id
        self.template_name = template_name
        self.body_columns = list(body_columns)
        self.ledger_table = ledger_table
        self.max_messages = max_messages
        self.language = language
        self.account_id = account_id
        self.default_region = default_region
        self.default_country_code = default_country_code
        self.consent_column = consent_column
        self.exclude_unsubscribed = exclude_unsubscribed
        self.frequency_cap = frequency_cap
        self.frequency_window_days = frequency_window_days
        self.quiet_hours = quiet_hours
        self.canary = canary
        self.preview = preview
        self.resend_unknown = resend_unknown
        self.parameters = parameters
        self.max_workers = max_workers
        self.batch_size = batch_size
        self.clock = clock
        self.texter_conn_id = texter_conn_id
        self.sql_hook_params = sql_hook_params

    @cached_property
    def texter_hook(self) -> TexterHook:
        return TexterHook(texter_conn_id=self.texter_conn_id)

    def execute(self, context: Context) -> dict[str, Any]:
        identity = RunIdentity.of(self.dag_id, self.task_id, context)
        plan = build_campaign_plan(
            {name: getattr(self, name) for name in PLAN_ARGUMENTS}, task_id=self.task_id
        )
        db_hook = sql_hook(self.conn_id, self.sql_hook_params, task_id=self.task_id)
        run = CampaignRun(plan, identity, texter_hook=self.texter_hook, db_hook=db_hook, log=self.log)
        self._last_result = run.execute()
        return self._last_result

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: the tables ``sql`` reads, and the template sent (``whatsapp.templates.<name>``)."""
        from airflow_provider_texter.lineage import campaign_lineage

        result = getattr(self, "_last_result", None)  # None when execute() stopped early
        return campaign_lineage(
            sql=self.sql,
            conn_id=self.conn_id,
            texter_conn_id=self.texter_conn_id,
            template_name=self.template_name,
            messages_sent=None if result is None else result["sent"],
        )
