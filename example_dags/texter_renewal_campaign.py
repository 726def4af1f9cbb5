"""
### Texter renewal campaign: a WhatsApp reminder 7 days before each renewal, exactly once, then its delivery

Every morning, `send_renewal_reminders` (`SqlToTexterCampaignOperator`) sends the approved template
`renewal_reminder` (Hebrew) to each customer whose plan renews in 7 days, with their first name and the
date as `{{1}}` and `{{2}}`. The campaign is `renewal-<date>`: a customer gets it at most once, whatever
retries or re-runs happen. Before the first send the task checks the template (it exists, its Hebrew
localization is APPROVED, it takes two values), leaves out customers without consent (`opted_in`) and
those on Texter's opt-out list, leaves out anyone who got 2 messages of any campaign in the last 7 days,
and fails without sending anything if more than `MAX_MESSAGES` would go out. Customers for whom it is
21:00-09:00 where their number is are deferred to the next run. It runs in the morning (UTC) for that
reason: the night's warehouse load is done, and Israel is past its quiet hours.

`texter_campaign_ledger` (next to the subscriptions, created on the first run) holds one row per campaign
and phone: `sent` with Texter's message id, `unsubscribed`, `rejected` (with the column at fault),
`not_sent`, `deferred` or `unknown`. A row is written before its message goes out, so a killed worker
never leads to a second message: the next run looks for the message in the chat instead. A task that
ends with `unknown` rows fails and says so: check those contacts' chats in Texter, then set the rows to
`sent`, or clear the task with `resend_unknown` on.

`delivery_report` (`TexterCampaignDeliveryOperator`) then reads where yesterday's messages got to
(Sent, Delivered, Seen, Failed with the error) into the same ledger: `SELECT delivery_status, COUNT(*)
FROM texter_campaign_ledger WHERE campaign_id = 'renewal-2026-12-01' GROUP BY 1`.

**Params**: `preview` (count and render the first 20 messages, send nothing), `resend_unknown`.

**Connections** (the constants at the top of this file):
- `warehouse`: any SQL connection with a DB-API hook holding
  `subscriptions(phone, first_name, renewal_date, opted_in)`.
- `texter_default`: type `texter`, an API token with the scopes *Send template messages*, *View template
  messages*, *List all chats* and *View all chats*.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG, Param

from airflow_provider_texter.transfers.campaign import SqlToTexterCampaignOperator
from airflow_provider_texter.transfers.campaign_delivery import TexterCampaignDeliveryOperator

WAREHOUSE_CONN_ID = "warehouse"
TEXTER_CONN_ID = "texter_default"
LEDGER_TABLE = "texter_campaign_ledger"
MAX_MESSAGES = 500
RENEWING_IN_7_DAYS = """
SELECT phone, first_name, renewal_date, opted_in
FROM subscriptions
WHERE renewal_date = '{{ macros.ds_add(ds, 7) }}'
"""

with DAG(
    dag_id="texter_renewal_campaign",
    description="Daily: a WhatsApp renewal reminder 7 days ahead, once per customer, then its delivery",
    doc_md=__doc__,
    schedule="30 7 * * *",
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["texter"],
    params={
        "preview": Param(False, type="boolean", description="Count and render, send nothing"),
        "resend_unknown": Param(False, type="boolean", description="Send the unknown messages again"),
    },
):
    send = SqlToTexterCampaignOperator(
        task_id="send_renewal_reminders",
        conn_id=WAREHOUSE_CONN_ID,
        texter_conn_id=TEXTER_CONN_ID,
        sql=RENEWING_IN_7_DAYS,
        phone_column="phone",
        default_region="IL",
        campaign_id="renewal-{{ ds }}",
        template_name="renewal_reminder",
        language="he",
        body_columns=["first_name", "renewal_date"],
        ledger_table=LEDGER_TABLE,
        max_messages=MAX_MESSAGES,
        consent_column="opted_in",
        frequency_cap=2,
        frequency_window_days=7,
        quiet_hours=("21:00", "09:00"),
        preview="{{ params.preview }}",
        resend_unknown="{{ params.resend_unknown }}",
    )
    report = TexterCampaignDeliveryOperator(
        task_id="delivery_report",
        conn_id=WAREHOUSE_CONN_ID,
        texter_conn_id=TEXTER_CONN_ID,
        ledger_table=LEDGER_TABLE,
        campaign_id="renewal-{{ macros.ds_add(ds, -1) }}",
    )
    send >> report
