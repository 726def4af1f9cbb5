"""Resubscribe to templates (``POST /whatsapp/templates/subscribe``): a contact who opted out gets template
messages again. A consent decision: the transfer runs it only with ``allow_resubscribe=True``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_texter.actions.endpoint import MANAGE_CHATS, SUCCESS, Endpoint
from airflow_provider_texter.actions.template_opt_out import TemplateOptOut


@dataclass(frozen=True)
class Resubscribe(TemplateOptOut):
    """Driven by rows only with ``allow_resubscribe=True``: the user confirms each phone consented again."""

    row_arguments = ("allow_resubscribe",)

    def argument_problems(self, arguments: Mapping[str, Any]) -> list[str]:
        if arguments["allow_resubscribe"] is True:
            return []
        return [
            "allow_resubscribe: resubscribing contacts who opted out is a consent decision; set "
            "allow_resubscribe=True to confirm every phone of the query agreed to template messages again"
        ]


RESUBSCRIBE = Resubscribe(
    Endpoint(
        "Resubscribe to templates", "POST", "/whatsapp/templates/subscribe", MANAGE_CHATS,
        "template_opt_out", (SUCCESS,), "phone",
    ),
    addressing="phone",
    dataset="whatsapp.unsubscribed",
    operation="resubscribe",
)  # fmt: skip
