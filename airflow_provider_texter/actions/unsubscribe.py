"""Unsubscribe from templates (``POST /whatsapp/templates/unsubscribe``): the contact gets no template
messages (from one of our numbers, or from any when ``accountId`` is absent)."""

from __future__ import annotations

from airflow_provider_texter.actions.endpoint import MANAGE_CHATS, SUCCESS, Endpoint
from airflow_provider_texter.actions.template_opt_out import TemplateOptOut

UNSUBSCRIBE = TemplateOptOut(
    Endpoint(
        "Unsubscribe from templates", "POST", "/whatsapp/templates/unsubscribe", MANAGE_CHATS,
        "template_opt_out", (SUCCESS,), "phone",
    ),
    addressing="phone",
    dataset="whatsapp.unsubscribed",
    operation="unsubscribe",
)  # fmt: skip
