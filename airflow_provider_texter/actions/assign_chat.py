"""Assign Chat (``POST /chats/assign``): the chat becomes PENDING for an agent, a department, or both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_texter.actions.action import Action, Request, RowOptions, RowTarget
from airflow_provider_texter.actions.endpoint import MANAGE_CHATS, PLAIN_OK, Endpoint
from airflow_provider_texter.validation import check_request

ASSIGNEE_FIELDS = {
    "agent_email": "agentEmail",
    "agent_uid": "agentUid",
    "agent_crm_id": "agentCrmId",
    "department_id": "departmentId",
}
_ASSIGNEE_NAMES = {
    **{name: name for name in ASSIGNEE_FIELDS},
    **{api: name for name, api in ASSIGNEE_FIELDS.items()},
}


def assign_chat_request(
    *,
    chat_id: str | None,
    phone: str | None,
    agent_email: str | None,
    agent_uid: str | None,
    agent_crm_id: str | None,
    department_id: str | None,
) -> dict[str, str]:
    """The Assign Chat body, checked: one of chat_id/phone, at most one agent field, an agent and/or a
    department. Arguments left None are not sent."""
    assignee = {"agent_email": agent_email, "agent_uid": agent_uid, "agent_crm_id": agent_crm_id}
    assignee["department_id"] = department_id
    values = {
        "chatId": chat_id,
        "phone": str(phone) if isinstance(phone, int) else phone,
        **{ASSIGNEE_FIELDS[name]: value for name, value in assignee.items()},
    }
    body = {name: value for name, value in values.items() if value is not None}
    check_request("assign_chat", body, context="Assign Chat request")
    return body


def assignment_body(chat_id: str, columns: Mapping[str, Any]) -> dict[str, str]:
    """The Assign Chat body for one row's assignee columns (``agent_email`` or ``agentEmail``, ...).

    Warehouse ids are often numbers: an integer id is sent as its text.
    """
    assignee: dict[str, Any] = {name: None for name in ASSIGNEE_FIELDS}
    for column, value in columns.items():
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        assignee[_ASSIGNEE_NAMES[column]] = text
    return assign_chat_request(chat_id=chat_id, phone=None, **assignee)


@dataclass(frozen=True)
class AssignChat(Action):
    """A row's columns name the owner: ``agent_email``/``agent_uid``/``agent_crm_id``, ``department_id``."""

    def written_fields(self, body: Any) -> list[str]:
        return [api_name for api_name in ASSIGNEE_FIELDS.values() if api_name in body]

    def summary(self, body: Any) -> dict[str, Any]:
        return {name: body[api_name] for name, api_name in ASSIGNEE_FIELDS.items() if api_name in body}

    def target_problems(self, targets: Sequence[Sequence[str]]) -> list[str]:
        valid = ", ".join(ASSIGNEE_FIELDS)
        return [
            f"column {'.'.join(path)!r}: is not an assignee column (valid: {valid})"
            for path in targets
            if len(path) != 1 or path[0] not in _ASSIGNEE_NAMES
        ]

    def row_requests(self, target: RowTarget, payload: dict[str, Any], options: RowOptions) -> list[Request]:
        # The chat is always resolved first (by id or phone), so the API never has to pick one of several.
        return [self.addressed(body=assignment_body(target.chat_id or "", payload))]


ASSIGN_CHAT = AssignChat(
    Endpoint(
        "Assign Chat", "POST", "/chats/assign", MANAGE_CHATS, "assign_chat", (PLAIN_OK,), "chat to assign"
    ),
    addressing="chat_or_phone_in_body",
    dataset="chats.assignment",
    operation="assign",
)
