"""Create Label (``POST /labels``): a label chats can be given, by the id it is created with."""

from __future__ import annotations

from airflow_provider_texter.actions.action import Action
from airflow_provider_texter.actions.endpoint import JSON_OBJECT, MANAGE_LABELS, PLAIN_OK, Endpoint

# The docs do not show Create Label's answer: the created label as JSON, or a plain OK, are both success.
CREATE_LABEL = Action(
    Endpoint(
        "Create Label", "POST", "/labels", MANAGE_LABELS, "create_label", (JSON_OBJECT, PLAIN_OK), "label"
    ),
    addressing="none",
)


def label_id_for(name: str) -> str:
    """The id ``create_missing_labels`` gives a new label: its name in lowercase, spaces as ``-``."""
    return "-".join(name.strip().lower().split())
