"""
### Texter CRM enrichment: what the warehouse knows about each customer, in their Texter chat, nightly

Every night, two `SqlToTexterOperator` tasks read the `customers` table and write each customer's plan,
tags and facts (lifetime value, lead id, last order date, under `customer`) into the crmData of their
Texter chat, where agents and bots see them. `merging_mode="assign"`: these keys are the warehouse's and
are replaced whole, so a tag or a lead id removed in the warehouse disappears from the chat too (a deep
`merge` would merge arrays index by index and keep stale values); keys others wrote (a bot's) stay.

- `sync_customers_by_chat_id`: customers whose Texter chat id the warehouse stores (`chat_id_column`).
- `sync_customers_by_phone`: customers known only by a phone in any notation (`phone_column`); each
  phone is looked up once with Search Chats, local numbers belong to `DEFAULT_REGION`.

Every row must meet `customer_contract.json` (plan one of free/pro/premium, tags a list of strings, ...).
A row that breaks it, or a phone with no chat, is not sent: it is logged and appended to the
`texter_rejected_rows` table next to the customers, to query and fix. A task fails only when more than
`MAX_FAILED_RATIO` of its rows failed. Each task logs a summary line (rows read, sent, unchanged, failed,
unmatched, requests, time) and returns it as XCom.

The sync is incremental: `texter_sync_state` (next to the customers, created on the first run) remembers
what Texter confirmed for each customer, so a night on which nothing changed sends nothing, and a run
that died halfway resumes with the rows it had not delivered. Rows that failed or matched no chat are
tried again the next night. Trigger with `full_refresh` on to send every row again (after someone
edited chats by hand in Texter, say).

**It writes to Texter.** The DAG is created paused; unpausing it does not run it at once (as a cron
`schedule` with a `start_date` would, for the latest 02:00): the first run is the next 02:00 UTC. Point
`texter_default` at a test project or the sandbox first, or use *Trigger DAG* when you mean it.

**Connections** (change the ids in one place, the constants at the top of this file):
- `warehouse`: any SQL connection with a DB-API hook (PostgreSQL, SQLite, Snowflake, ...) holding
  `customers(chat_id, phone, plan, tags, lifetime_value, lead_id, last_order_date)`; `tags` is a JSON
  array, as text or as a native array.
- `texter_default`: type `texter`, host = your Texter project id, password = an API token with the
  scopes *Manage all chats* and *List all chats*.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from airflow.sdk import DAG, Param
from airflow.timetables.trigger import CronTriggerTimetable

from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator

WAREHOUSE_CONN_ID = "warehouse"
TEXTER_CONN_ID = "texter_default"
DEFAULT_REGION = "IL"
REJECTED_ROWS_TABLE = "texter_rejected_rows"
STATE_TABLE = "texter_sync_state"
MAX_FAILED_RATIO = 0.05
CUSTOMER_CONTRACT = Path(__file__).parent / "customer_contract.json"
# Without a start_date, and with no run within 0 s of now, unpausing waits for the next 02:00.
NIGHTLY = CronTriggerTimetable("0 2 * * *", timezone="UTC", run_immediately=timedelta(0))

# The warehouse columns that are facts about the customer go under crmData.customer.
CUSTOMER_FACTS = {
    "lifetime_value": "customer.lifetime_value",
    "lead_id": "customer.lead_id",
    "last_order_date": "customer.last_order_date",
}
# A full nightly sync; for a large table add e.g. "AND updated_at >= '{{ data_interval_start }}'".
CUSTOMERS_WITH_CHAT_ID = """
SELECT chat_id, plan, tags, lifetime_value, lead_id, last_order_date
FROM customers
WHERE chat_id IS NOT NULL
"""
CUSTOMERS_WITH_PHONE_ONLY = """
SELECT phone, plan, tags, lifetime_value, lead_id, last_order_date
FROM customers
WHERE chat_id IS NULL AND phone IS NOT NULL
"""

with DAG(
    dag_id="texter_crm_enrichment",
    description="Nightly: merge plan, tags, lifetime value, lead id, last order into Texter crmData",
    doc_md=__doc__,
    schedule=NIGHTLY,
    is_paused_upon_creation=True,
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["texter"],
    params={"full_refresh": Param(False, type="boolean", description="Send every row, changed or not")},
):
    shared = {
        "conn_id": WAREHOUSE_CONN_ID,
        "texter_conn_id": TEXTER_CONN_ID,
        "operation": "crm_data",
        "merging_mode": "assign",
        "column_map": CUSTOMER_FACTS,
        "json_columns": ["tags"],
        "data_schema": CUSTOMER_CONTRACT,
        "rejected_rows_table": REJECTED_ROWS_TABLE,
        "max_failed_ratio": MAX_FAILED_RATIO,
        "state_table": STATE_TABLE,
        "full_refresh": "{{ params.full_refresh }}",
    }
    SqlToTexterOperator(
        task_id="sync_customers_by_chat_id", sql=CUSTOMERS_WITH_CHAT_ID, chat_id_column="chat_id", **shared
    )
    SqlToTexterOperator(
        task_id="sync_customers_by_phone",
        sql=CUSTOMERS_WITH_PHONE_ONLY,
        phone_column="phone",
        default_region=DEFAULT_REGION,
        **shared,
    )
