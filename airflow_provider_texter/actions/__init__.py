"""Every Texter API call the provider makes, one module each; this registry lists them.

Adding a call: a module here (its ``Endpoint``, addressing, idempotency, body builders, lineage name),
its request schema in ``schemas/``, a line below, and a one-line hook method (see ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import Literal, get_args

from airflow_provider_texter.actions.action import Action
from airflow_provider_texter.actions.assign_chat import ASSIGN_CHAT
from airflow_provider_texter.actions.create_label import CREATE_LABEL
from airflow_provider_texter.actions.get_messages import GET_MESSAGES
from airflow_provider_texter.actions.list_labels import LIST_LABELS
from airflow_provider_texter.actions.list_templates import LIST_TEMPLATES
from airflow_provider_texter.actions.list_unsubscribed import LIST_UNSUBSCRIBED, LIST_UNSUBSCRIBED_FROM_NUMBER
from airflow_provider_texter.actions.manage_chat_labels import MANAGE_CHAT_LABELS
from airflow_provider_texter.actions.resolve_chat import RESOLVE_CHAT
from airflow_provider_texter.actions.resubscribe import RESUBSCRIBE
from airflow_provider_texter.actions.search_chats import SEARCH_CHATS
from airflow_provider_texter.actions.send_template_message import SEND_TEMPLATE_MESSAGE
from airflow_provider_texter.actions.unsubscribe import UNSUBSCRIBE
from airflow_provider_texter.actions.update_chat_properties import UPDATE_CHAT_PROPERTIES
from airflow_provider_texter.actions.update_crm_data import UPDATE_CRM_DATA

ACTIONS: tuple[Action, ...] = (
    UPDATE_CRM_DATA,
    UPDATE_CHAT_PROPERTIES,
    SEARCH_CHATS,
    MANAGE_CHAT_LABELS,
    LIST_LABELS,
    CREATE_LABEL,
    ASSIGN_CHAT,
    RESOLVE_CHAT,
    UNSUBSCRIBE,
    RESUBSCRIBE,
    LIST_UNSUBSCRIBED,
    LIST_UNSUBSCRIBED_FROM_NUMBER,
    LIST_TEMPLATES,
    SEND_TEMPLATE_MESSAGE,
    GET_MESSAGES,
)

# SqlToTexterOperator(operation=...): the calls warehouse rows can drive.
Operation = Literal["crm_data", "chat", "labels", "assign", "unsubscribe", "resubscribe"]
ROW_ACTIONS: dict[str, Action] = {action.operation: action for action in ACTIONS if action.operation}
assert set(ROW_ACTIONS) == set(get_args(Operation)), "Operation must list every row action"
