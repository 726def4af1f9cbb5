"""
### Texter segment labels: a warehouse segment as a label on exactly its members' chats, and their owners

Every hour, `label_premium_segment` reads the premium customers with a Texter chat and keeps the label
`SEGMENT_LABEL` on exactly their chats: a customer who became premium gets it, a customer who left the
segment (downgraded, churned, deleted) loses it. Only that label is touched: the labels agents or other
syncs put on a chat stay. Give the segment a label of its own, not one agents also set by hand, since a
chat leaving the segment loses it whoever set it. The label is created on the first run if missing.

`assign_account_managers` routes each customer's chat to their account manager (an agent, by email) or
to a department, from the `account_managers` table. Assigning makes a chat PENDING for its owner, so
only owners that changed since the last run are sent again.

Both are stateful: `texter_segment_state` (next to the customers, created on the first run) remembers
what Texter confirmed per chat; an hour in which nobody joined, left or changed owner sends nothing.
Trigger with `full_refresh` on to send everything again (after someone removed the label by hand, say).

**It writes to Texter.** The DAG is created paused; unpausing it does not run it at once: the first run
is at the next full hour.

**Connections** (the constants at the top of this file):
- `warehouse`: a SQL connection holding `customers(customer_id, chat_id, plan)` and
  `account_managers(customer_id, agent_email, department_id)`.
- `texter_default`: type `texter`, an API token with the scopes *Manage all chats* and *Manage labels*.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG, Param
from airflow.timetables.trigger import CronTriggerTimetable

from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator

WAREHOUSE_CONN_ID = "warehouse"
TEXTER_CONN_ID = "texter_default"
SEGMENT_LABEL = "Premium customer"
STATE_TABLE = "texter_segment_state"
REJECTED_ROWS_TABLE = "texter_rejected_rows"
# Without a start_date, and with no run within 0 s of now, unpausing waits for the next full hour.
HOURLY = CronTriggerTimetable("@hourly", timezone="UTC", run_immediately=timedelta(0))

PREMIUM_SEGMENT = """
SELECT chat_id
FROM customers
WHERE chat_id IS NOT NULL AND plan = 'premium'
"""
OWNERS = """
SELECT c.chat_id, m.agent_email, m.department_id
FROM customers c
JOIN account_managers m ON m.customer_id = c.customer_id
WHERE c.chat_id IS NOT NULL
"""

with DAG(
    dag_id="texter_segment_labels",
    description="Keep the premium segment as a label on its chats, and route chats to account managers",
    doc_md=__doc__,
    schedule=HOURLY,
    is_paused_upon_creation=True,
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["texter"],
    params={"full_refresh": Param(False, type="boolean", description="Send everything, changed or not")},
):
    shared = {
        "conn_id": WAREHOUSE_CONN_ID,
        "texter_conn_id": TEXTER_CONN_ID,
        "chat_id_column": "chat_id",
        "state_table": STATE_TABLE,
        "rejected_rows_table": REJECTED_ROWS_TABLE,
        "full_refresh": "{{ params.full_refresh }}",
    }
    SqlToTexterOperator(
        task_id="label_premium_segment",
        sql=PREMIUM_SEGMENT,
        operation="labels",
        labels=[SEGMENT_LABEL],
        create_missing_labels=True,
        on_removed="remove_labels",
        **shared,
    )
    SqlToTexterOperator(task_id="assign_account_managers", sql=OWNERS, operation="assign", **shared)
