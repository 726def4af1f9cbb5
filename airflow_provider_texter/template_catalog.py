"""WhatsApp templates as List All Templates shows them: one localization's status and BODY text, how many
values a send needs (the distinct ``{{n}}``), and the text a send renders."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_texter.exceptions import TexterValidationError

APPROVED = "APPROVED"
VARIABLE = re.compile(r"\{\{(\d+)\}\}")


@dataclass(frozen=True)
class Localization:
    """A template in one language: its status (only APPROVED can be sent) and its BODY text."""

    template_name: str
    language: str
    status: str
    body: str

    @property
    def variable_count(self) -> int:
        return len(set(VARIABLE.findall(self.body)))

    def render(self, values: Sequence[str]) -> str:
        """The body with ``{{n}}`` replaced by the n-th value, as the contact reads it."""
        return VARIABLE.sub(lambda match: values[int(match.group(1)) - 1], self.body)


def find_localization(templates: Sequence[dict[str, Any]], name: str, language: str | None) -> Localization:
    """The localization a send of template ``name`` in ``language`` (None: its only one) uses; a
    ``TexterValidationError`` naming what exists when there is none."""
    template = next((item for item in templates if item.get("name") == name), None)
    if template is None:
        known = ", ".join(sorted(str(item.get("name")) for item in templates)) or "none"
        raise TexterValidationError(
            [f"template_name: no template is named {name!r} (templates: {known})"], context="template choice"
        )
    localizations = (template.get("provider_template") or {}).get("localizations") or []
    languages = [str(item.get("language")) for item in localizations]
    if language is None and len(localizations) != 1:
        raise TexterValidationError(
            [f"language: template {name!r} has {len(localizations)} localizations ({', '.join(languages)}): "
             "name one"], context="template choice"
        )  # fmt: skip
    chosen = next((item for item in localizations if language in (None, item.get("language"))), None)
    if chosen is None:
        raise TexterValidationError(
            [f"language: template {name!r} has no {language!r} localization (it has {', '.join(languages)})"],
            context="template choice",
        )
    return Localization(name, str(chosen.get("language")), str(chosen.get("status")), _body_text(chosen))


def _body_text(localization: dict[str, Any]) -> str:
    for component in localization.get("components") or ():
        if isinstance(component, dict) and component.get("type") == "BODY":
            return str(component.get("text") or "")
    return ""
