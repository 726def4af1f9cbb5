"""Send Template Message (``POST /whatsapp/templates/send``): an approved WhatsApp template to a phone; Texter
finds or creates the chat. It messages a person and has no idempotency key, so it is never resent after an
ambiguous failure. A contact who unsubscribed gets ``success: false`` and nothing is sent."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from airflow_provider_texter.actions.action import Action, Request
from airflow_provider_texter.actions.endpoint import SEND_TEMPLATES, SUCCESS, Endpoint
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.phones import ParsedPhone

# WhatsApp refuses a template value that is empty or holds a line break, a tab or 5+ spaces in a row.
REFUSED_IN_VALUES = re.compile(r"[\r\n\t]| {5,}")


@dataclass(frozen=True)
class TemplateMessage:
    """Which template, in which language (None: its only one), from which number of ours (None: the
    project's default WhatsApp channel)."""

    template_name: str
    language: str | None = None
    account_id: str | None = None


def template_value(value: Any) -> str:
    """A warehouse value as the text of a ``{{n}}``: dates in ISO form, whole decimals without ``.0``."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    return "" if value is None else str(value)


def value_problem(text: str) -> str | None:
    """Why WhatsApp would refuse ``text`` as a template value; None when it takes it."""
    if not text.strip():
        return "is empty"
    if REFUSED_IN_VALUES.search(text):
        return "holds a line break, a tab or 5 or more spaces in a row"
    return None


@dataclass(frozen=True)
class SendTemplateMessage(Action):
    def to(self, phone: ParsedPhone, message: TemplateMessage, values: Sequence[str]) -> Request:
        """The checked request that sends ``message`` with ``values`` (of ``{{1}}``, ``{{2}}``, ...)."""
        problems = [
            f"values[{index}]: {problem}"
            for index, value in enumerate(values)
            if (problem := value_problem(value)) is not None
        ]
        if problems:
            raise TexterValidationError(problems, context=f"{self.name} request")
        body: dict[str, Any] = {"templateName": message.template_name, "to": phone.e164}
        optional = {"from": message.account_id, "language": message.language, "body": list(values) or None}
        return self.request(body=body | {key: value for key, value in optional.items() if value is not None})

    def written_fields(self, body: Any) -> list[str]:
        return ["messages"]


SEND_TEMPLATE_MESSAGE = SendTemplateMessage(
    Endpoint(
        "Send Template Message", "POST", "/whatsapp/templates/send", SEND_TEMPLATES, "send_template_message",
        (SUCCESS,), "phone",
    ),
    addressing="phone",
    idempotent=False,
    dataset="whatsapp.templates",
)  # fmt: skip
