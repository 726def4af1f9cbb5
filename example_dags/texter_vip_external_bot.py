"""
### Texter VIP external bot: hand your best customers' chats to your own bot, named as in your CRM

On demand, `find_vip_chats` asks the warehouse for a small segment (premium customers whose lifetime
value is at least `min_lifetime_value`, at most `max_chats` of them, biggest first). Then one mapped
`TexterUpdateChatOperator` task per chat switches `externalBot` on (Texter fires `externalBotEnabled`
to your bot's webhook) and sets the chat's display name to the customer's name from the CRM.

One task per chat shows each chat's outcome in the UI and retries it alone; it suits a few dozen chats.
For thousands, use `SqlToTexterOperator(operation="chat")` as `texter_crm_enrichment` does for crmData.

**Params**: `min_lifetime_value` (number), `max_chats` (integer, 1 to 50).

**Connections** (the constants at the top of this file):
- `warehouse`: a SQL connection holding `customers(chat_id, full_name, plan, lifetime_value)`.
- `texter_default`: type `texter`, an API token with the scope *Manage all chats*.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.sdk import DAG, Param

from airflow_provider_texter.operators.texter import TexterUpdateChatOperator

WAREHOUSE_CONN_ID = "warehouse"
TEXTER_CONN_ID = "texter_default"

# The params are validated numbers before they are rendered, so inlining them into the SQL is safe
# (and portable: placeholder styles differ between database drivers).
VIP_CHATS = """
SELECT chat_id, full_name
FROM customers
WHERE chat_id IS NOT NULL AND plan = 'premium' AND lifetime_value >= {{ params.min_lifetime_value }}
ORDER BY lifetime_value DESC
LIMIT {{ params.max_chats }}
"""


def chat_update(row: list) -> dict:
    """One warehouse row -> the arguments of one mapped TexterUpdateChatOperator."""
    chat_id, full_name = row
    return {"chat_id": chat_id, "display_name": full_name}


with DAG(
    dag_id="texter_vip_external_bot",
    description="Switch an external bot on for VIP chats and name them as in the CRM",
    doc_md=__doc__,
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    params={
        "min_lifetime_value": Param(5000, type="number", minimum=0, title="Minimum lifetime value"),
        "max_chats": Param(5, type="integer", minimum=1, maximum=50, title="At most this many chats"),
    },
    tags=["texter"],
):
    vip_chats = SQLExecuteQueryOperator(task_id="find_vip_chats", conn_id=WAREHOUSE_CONN_ID, sql=VIP_CHATS)
    TexterUpdateChatOperator.partial(
        task_id="switch_on_external_bot",
        texter_conn_id=TEXTER_CONN_ID,
        external_bot=True,
        map_index_template="{{ task.display_name }}",
    ).expand_kwargs(vip_chats.output.map(chat_update))
