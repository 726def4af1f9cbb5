"""The ``texter`` connection's fields, each described once: forms, parsing and defaults are built from here.

Airflow >= 3.2 reads the form from ``conn-fields`` in the provider info, older 3.x releases from
``TexterHook.get_connection_form_widgets``; ``connection_settings`` parses the extras and ``RetryPolicy``
takes its defaults from the same descriptions, so a label, a default or a bound changes in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

Default = TypeVar("Default", int, float, str, None)

RELABELED_FIELDS = {"host": "Project ID or base URL", "password": "API token"}
HIDDEN_FIELDS = ["schema", "login", "port"]
PLACEHOLDERS = {
    "host": "acme  or  https://acme.texterchat.com/server/api/v2",
    # The scopes the calls need (actions/): every write, phone look-ups and the Test button, labels.
    "password": "Texter token (gear icon > Developers > API Tokens) with the scopes Manage all chats and "
    "List all chats; Manage labels for create_missing_labels; View all chats, View template messages and "
    "Send template messages to read messages and templates and to send campaigns",
}


@dataclass(frozen=True)
class ConnectionExtra(Generic[Default]):
    """One key of the connection's extra: value kind, default (None: unset), lowest number, form text."""

    name: str
    kind: Literal["integer", "number", "string"]
    default: Default
    minimum: float | None
    label: str
    help: str

    def conn_field(self) -> dict[str, Any]:
        """The ``conn-fields`` entry of the provider info (a JSON Schema, as Airflow >= 3.2 reads it)."""
        schema: dict[str, Any] = {"type": [self.kind, "null"]}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.default is not None:
            schema["default"] = self.default
        return {"label": self.label, "description": self.help, "schema": schema}


TIMEOUT = ConnectionExtra(
    "timeout",
    "number",
    30.0,
    minimum=0.001,
    label="Request timeout (seconds)",
    help="Seconds to wait for each answer of the Texter API; a timeout is retried like a network error.",
)
MAX_RETRIES = ConnectionExtra(
    "max_retries",
    "integer",
    5,
    minimum=0,
    label="Retries on 429 / 5xx / network errors",
    help="Retries after the first attempt on 429, 502, 503, 504, timeouts and network errors; 0: none.",
)
BACKOFF_FACTOR = ConnectionExtra(
    "backoff_factor",
    "number",
    0.5,
    minimum=0,
    label="Backoff factor (seconds)",
    help="First wait before a retry, doubled on each further retry (at most 30 s, with jitter). "
    "A Retry-After header from the API wins.",
)
MAX_RETRY_WAIT = ConnectionExtra(
    "max_retry_wait",
    "number",
    120.0,
    minimum=0,
    label="Max total wait per request (seconds)",
    help="Seconds one request may spend waiting between its attempts; it fails when the next wait "
    "would go beyond this.",
)
MAX_REQUESTS_PER_SECOND = ConnectionExtra(
    "max_requests_per_second",
    "number",
    None,
    minimum=0.001,
    label="Max requests per second (client-side cap)",
    help="Requests per second for all threads of one hook together, e.g. your Texter plan's limit. "
    "Empty: no cap, only the back-off after a 429.",
)
RATE_LIMIT_CONN_ID = ConnectionExtra(
    "rate_limit_conn_id",
    "string",
    None,
    minimum=None,
    label="Shared rate limit store (connection id)",
    help="A redis or SQL connection (e.g. redis_default, the Celery broker's) where every hook on every "
    "worker shares one budget of max_requests_per_second per Texter host. Empty: each hook paces itself.",
)
CONNECTION_EXTRAS: tuple[ConnectionExtra[Any], ...] = (
    TIMEOUT,
    MAX_RETRIES,
    BACKOFF_FACTOR,
    MAX_RETRY_WAIT,
    MAX_REQUESTS_PER_SECOND,
    RATE_LIMIT_CONN_ID,
)


def form_widgets() -> dict[str, Any]:
    """Extra fields of the connection form for Airflow < 3.2 (newer ones read ``conn-fields``).

    Airflow accepts only String/Integer/Password/Boolean fields here: decimals are strings that the
    connection settings parse. Airflow 3 turns these fields into its form's JSON Schema and never renders
    them with Flask, so only wtforms is needed (the webserver of 3.0/3.1 ships it with the FAB provider;
    without it Airflow shows no extra fields, for every provider).
    """
    from wtforms import IntegerField, StringField
    from wtforms.validators import NumberRange, Optional

    widgets: dict[str, Any] = {}
    for extra in CONNECTION_EXTRAS:
        if extra.kind == "integer":
            validators = [Optional(), NumberRange(min=extra.minimum)]
            widgets[extra.name] = IntegerField(
                extra.label, validators, description=extra.help, default=extra.default
            )
        else:
            default = None if extra.default is None else str(extra.default)
            widgets[extra.name] = StringField(extra.label, description=extra.help, default=default)
    return widgets


def ui_field_behaviour() -> dict[str, Any]:
    """Labels, hints and hidden fields of the connection form for Airflow < 3.2."""
    return {"hidden_fields": HIDDEN_FIELDS, "relabeling": RELABELED_FIELDS, "placeholders": PLACEHOLDERS}
