"""
### Texter warehouse snapshot: chats and template opt-outs as tables, then a question only SQL can answer

Every night, `chats_to_warehouse` reads every Texter chat (status, owner, labels, CRM data, times)
into `texter_chats`, and `opt_outs_to_warehouse` reads who opted out of WhatsApp templates into
`texter_unsubscribed` (with the time each one was first seen). Both are snapshots: a run fills a staging
table and swaps it in at the end, so a dashboard never reads half a table, and a failed night leaves
yesterday's tables whole.

`premium_without_label` then joins Texter's side with the warehouse: the premium customers whose chat
lacks the `Premium customer` label (the label `texter_segment_labels` keeps on the premium segment), and
whether each opted out of templates. A non-empty result means the segment sync missed someone, or an
agent took the label off.

**Connections** (the constants at the top of this file):
- `warehouse`: a SQL connection holding `customers(customer_id, chat_id, plan)`; the tables are created
  there.
- `texter_default`: type `texter`, an API token with the scope *List all chats*.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.sdk import DAG

from airflow_provider_texter.transfers.texter_to_sql import TexterToSqlOperator

WAREHOUSE_CONN_ID = "warehouse"
TEXTER_CONN_ID = "texter_default"
PREMIUM_LABEL_ID = "premium-customer"  # the id of the label "Premium customer" (labels store ids)

# Portable SQL (SQLite, PostgreSQL, MySQL): labels is JSON (JSONB on PostgreSQL), compared as text.
PREMIUM_WITHOUT_LABEL = f"""
SELECT c.customer_id, t.chat_id, u.phone IS NOT NULL AS opted_out
FROM customers c
JOIN texter_chats t ON t.chat_id = c.chat_id
LEFT JOIN texter_unsubscribed u ON u.phone = t.phone
WHERE c.plan = 'premium'
  AND CAST(t.labels AS TEXT) NOT LIKE '%"{PREMIUM_LABEL_ID}"%'
ORDER BY c.customer_id
"""

with DAG(
    dag_id="texter_warehouse_snapshot",
    description="Nightly chats and opt-outs into the warehouse, then the premium chats lacking their label",
    doc_md=__doc__,
    schedule="0 3 * * *",
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["texter"],
):
    shared = {"conn_id": WAREHOUSE_CONN_ID, "texter_conn_id": TEXTER_CONN_ID}
    chats = TexterToSqlOperator(
        task_id="chats_to_warehouse", collection="chats", table="texter_chats", **shared
    )
    opt_outs = TexterToSqlOperator(
        task_id="opt_outs_to_warehouse", collection="unsubscribed", table="texter_unsubscribed", **shared
    )
    premium_without_label = SQLExecuteQueryOperator(
        task_id="premium_without_label", conn_id=WAREHOUSE_CONN_ID, sql=PREMIUM_WITHOUT_LABEL
    )
    [chats, opt_outs] >> premium_without_label
