"""List Labels (``GET /labels``): the project's labels, a page at a time; any valid token may list them."""

from __future__ import annotations

from airflow_provider_texter.actions.action import Action
from airflow_provider_texter.actions.endpoint import JSON_OBJECT, Endpoint

LABEL_PAGE_SIZE = 1000

LIST_LABELS = Action(
    Endpoint("List Labels", "GET", "/labels", None, None, (JSON_OBJECT,), "labels"), addressing="none"
)
