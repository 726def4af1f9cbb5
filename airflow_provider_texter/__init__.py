"""Apache Airflow provider for Texter: push what the warehouse knows about a customer into Texter chats."""

from __future__ import annotations

__version__ = "0.1.0"

CONNECTION_FIELD_LABELS = {"host": "Project ID or base URL", "password": "API token"}
HIDDEN_CONNECTION_FIELDS = ["schema", "login", "port"]


def get_provider_info() -> dict:
    """What Airflow reads through the ``apache_airflow_provider`` entry point."""
    return {
        "package-name": "airflow-provider-texter",
        "name": "Texter",
        "description": "Texter (WhatsApp / omnichannel customer messaging) for Apache Airflow.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Texter",
                "external-doc-url": "https://help.texterchat.com/api-reference",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": "Texter", "python-modules": ["airflow_provider_texter.hooks.texter"]}],
        "operators": [
            {"integration-name": "Texter", "python-modules": ["airflow_provider_texter.operators.texter"]}
        ],
        "transfers": [
            {
                "source-integration-name": "Common SQL",
                "target-integration-name": "Texter",
                "python-module": "airflow_provider_texter.transfers.sql_to_texter",
            }
        ],
        "connection-types": [
            {
                "hook-class-name": "airflow_provider_texter.hooks.texter.TexterHook",
                "hook-name": "Texter",
                "connection-type": "texter",
                "conn-fields": {
                    "timeout": {
                        "label": "Request timeout (seconds)",
                        "schema": {"type": ["number", "null"], "default": 30},
                    },
                    "max_retries": {
                        "label": "Retries on 429 / 5xx / network errors",
                        "schema": {"type": ["integer", "null"], "default": 5},
                    },
                    "backoff_factor": {
                        "label": "Backoff factor (seconds)",
                        "schema": {"type": ["number", "null"], "default": 0.5},
                    },
                    "max_requests_per_second": {
                        "label": "Max requests per second (client-side cap)",
                        "schema": {"type": ["number", "null"]},
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": HIDDEN_CONNECTION_FIELDS,
                    "relabeling": CONNECTION_FIELD_LABELS,
                    "placeholders": {
                        "host": "acme  or  https://acme.texterchat.com/server/api/v2",
                        "password": "token from Texter: gear icon > Developers > API Tokens",
                    },
                },
            }
        ],
    }
