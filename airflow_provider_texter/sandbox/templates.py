"""WhatsApp templates as List All Templates serves them: localizations, each with a status and a body.

Every sandbox starts with ``SEEDED_TEMPLATES`` on the default WhatsApp number. Without ``includeAll``
the list shows the APPROVED localizations only, and leaves out templates that have none (the docs say
"approved only" without saying which of the two; this way nothing unsendable shows).
"""

from __future__ import annotations

import copy
import re
import threading
from typing import Any

from .chats import DEFAULT_ACCOUNT_ID, new_chat_id
from .payloads import InvalidRequest, last_value, raise_if_any, unknown_fields

TEMPLATE_NAME = re.compile(r"[a-zA-Z0-9_-]+")
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
LOCALIZATION_STATUSES = (
    "REQUESTED", "SUBMIT_FAILED", "PENDING", "APPROVED", "REJECTED", "PAUSED", "DISABLED",
)  # fmt: skip
APPROVED = "APPROVED"
_VARIABLE = re.compile(r"\{\{(\d+)\}\}")


def make_template(
    name: str,
    body: str = "Hello {{1}}",
    *,
    language: str = "en",
    status: str = APPROVED,
    category: str = "UTILITY",
    account_id: str = DEFAULT_ACCOUNT_ID,
    rejection_reason: str | None = None,
    localizations: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict:
    """A Template object as the docs describe it, with one localization (``body`` in ``language``) or
    several: ``localizations=[{"language", "body", "status"?, "rejectionReason"?}, ...]``.

    ``fields`` set or override top-level keys (``_id``, ``title``, ``usage``, ...).
    """
    short = localizations or [
        {"language": language, "body": body, "status": status, "rejectionReason": rejection_reason}
    ]
    template: dict[str, Any] = {
        "_id": new_chat_id(),
        "name": name,
        "title": name.replace("_", " ").capitalize(),
        "usage": "bulk",
        "chatStatus": None,
        "departments": [],
        "defaults": {},
        "channelInfo": {"accountId": account_id},
        "provider_template": {
            "name": name,
            "category": category,
            "localizations": [_localization(**item) for item in short],
        },
    }
    template.update(fields)
    check_template(template)
    return template


def _localization(
    language: str, body: str, status: str = APPROVED, rejectionReason: str | None = None
) -> dict[str, Any]:
    """A localization with its BODY component (and an example value per variable, as WhatsApp asks)."""
    count = variable_count(body)
    example = {"body_text": [[f"example {number}" for number in range(1, count + 1)]]} if count else {}
    return {
        "language": language,
        "status": status,
        "components": [{"type": "BODY", "text": body, "example": example}],
        "rejectionReason": rejectionReason,
        "qualityScore": {"score": "GREEN"} if status == APPROVED else None,
    }


def check_template(template: Any) -> None:
    """ValueError naming what a template needs: a name WhatsApp takes, a known category, and
    localizations with a language, a known status and a BODY component."""
    if not isinstance(template, dict):
        raise InvalidRequest("a template must be a JSON object")
    problems = []
    if not isinstance(template.get("name"), str) or not TEMPLATE_NAME.fullmatch(template["name"]):
        problems.append("name must match ^[a-zA-Z0-9_-]+$")
    provider = template.get("provider_template")
    if not isinstance(provider, dict) or provider.get("category") not in CATEGORIES:
        problems.append(f"provider_template.category must be one of {', '.join(CATEGORIES)}")
    localizations = provider.get("localizations") if isinstance(provider, dict) else None
    if not isinstance(localizations, list) or not localizations:
        problems.append("provider_template.localizations must be a non-empty list")
        localizations = []
    for index, localization in enumerate(localizations):
        where = f"provider_template.localizations[{index}]"
        if not isinstance(localization, dict) or not isinstance(localization.get("language"), str):
            problems.append(f"{where}.language must be a string")
        elif localization.get("status") not in LOCALIZATION_STATUSES:
            problems.append(f"{where}.status must be one of {', '.join(LOCALIZATION_STATUSES)}")
        elif body_text(localization) is None:
            problems.append(f"{where} needs a BODY component with text")
    account_id = (template.get("channelInfo") or {}).get("accountId")
    if not isinstance(account_id, str) or not account_id:
        problems.append("channelInfo.accountId must be a non-empty string")
    raise_if_any(problems)


def body_text(localization: dict[str, Any]) -> str | None:
    """The text of the localization's BODY component."""
    for component in localization.get("components") or ():
        if isinstance(component, dict) and component.get("type") == "BODY":
            text = component.get("text")
            return text if isinstance(text, str) else None
    return None


def variable_count(text: str) -> int:
    """How many distinct ``{{n}}`` the text holds: the number of ``body`` values a send needs."""
    return len(set(_VARIABLE.findall(text)))


def render(text: str, values: list[str]) -> str:
    """The text with ``{{n}}`` replaced by the n-th value."""
    return _VARIABLE.sub(lambda match: values[int(match.group(1)) - 1], text)


def template_filter(query: dict[str, list[str]]) -> tuple[str | None, bool]:
    """``(accountId, includeAll)`` of a List All Templates query string."""
    problems = unknown_fields(query, ("accountId", "includeAll"))
    include_all = last_value(query, "includeAll")
    if include_all not in (None, "true", "false"):
        problems.append("includeAll must be true or false")
    account_id = last_value(query, "accountId")
    if account_id == "":
        problems.append("accountId must not be empty")
    raise_if_any(problems)
    return account_id, include_all == "true"


class TemplateStore:
    """Thread-safe templates in creation order; a name is unique per WhatsApp number."""

    def __init__(self, templates: list[dict]) -> None:
        self._lock = threading.Lock()
        self._templates: dict[tuple[str, str], dict] = {}
        for template in templates:
            self.add(template)

    def add(self, template: dict) -> dict:
        """Store a copy (checked; ValueError naming the problem), replacing one with its name and number."""
        check_template(template)
        stored = copy.deepcopy(template)
        with self._lock:
            self._templates[(stored["channelInfo"]["accountId"], stored["name"])] = stored
        return stored

    def find(self, name: str, account_id: str) -> dict | None:
        with self._lock:
            return self._templates.get((account_id, name))

    def listing(self, account_id: str | None, include_all: bool) -> list[dict]:
        """The templates of ``account_id`` (None: of every number); see the module docstring."""
        with self._lock:
            templates = [
                template
                for (account, _), template in self._templates.items()
                if account_id in (None, account)
            ]
        if include_all:
            return templates
        shown = []
        for template in templates:
            provider = template["provider_template"]
            approved = [item for item in provider["localizations"] if item["status"] == APPROVED]
            if approved:
                shown.append({**template, "provider_template": {**provider, "localizations": approved}})
        return shown


SEEDED_TEMPLATES = (
    make_template(
        "renewal_reminder",
        category="UTILITY",
        localizations=[
            {"language": "he", "body": "שלום {{1}}, המנוי שלך מתחדש ב-{{2}}. לשאלות השיבו להודעה זו."},
            {"language": "en", "body": "Hi {{1}}, your plan renews on {{2}}. Reply here with any question."},
        ],
        _id="7e3a00000000000000000001",
    ),
    make_template(
        "order_shipped",
        localizations=[
            {"language": "en", "body": "Your order {{1}} is on its way."},
            {"language": "he", "body": "ההזמנה שלך {{1}} בדרך.", "status": "PENDING"},
        ],
        _id="7e3a00000000000000000002",
    ),
    make_template(
        "winback_offer",
        "We miss you, {{1}}! Here is 20% off your next order.",
        status="PENDING",
        category="MARKETING",
        _id="7e3a00000000000000000003",
    ),  # fmt: skip
    make_template(
        "spring_sale",
        "BIG SALE!!! Everything must go, {{1}}!!!",
        status="REJECTED",
        category="MARKETING",
        rejection_reason="PROMOTIONAL",
        _id="7e3a00000000000000000004",
    ),  # fmt: skip
    make_template("welcome", "Welcome to Texter! Reply here any time.", _id="7e3a00000000000000000005"),
)
