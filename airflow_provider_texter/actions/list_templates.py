"""List All Templates (``GET /whatsapp/templates``): the project's WhatsApp templates, a bare array, not
paged; approved ones only unless ``includeAll``."""

from __future__ import annotations

from airflow_provider_texter.actions.action import Action, Request
from airflow_provider_texter.actions.endpoint import JSON_ARRAY, VIEW_TEMPLATES, Endpoint

LIST_TEMPLATES = Action(
    Endpoint(
        "List All Templates", "GET", "/whatsapp/templates", VIEW_TEMPLATES, None, (JSON_ARRAY,), "templates"
    ),
    addressing="none",
)


def templates_request(account_id: str | None, include_all: bool) -> Request:
    """The templates of one number of ours (None: every number), pending and rejected ones too with
    ``include_all``."""
    query = {"includeAll": "true"} if include_all else {}
    return LIST_TEMPLATES.request(query=query | ({"accountId": account_id} if account_id else {}))
