"""Apache Airflow provider for Texter: push what the warehouse knows about a customer into Texter chats."""

from __future__ import annotations

from airflow_provider_texter.connection_fields import (
    CONNECTION_EXTRAS,
    HIDDEN_FIELDS,
    PLACEHOLDERS,
    RELABELED_FIELDS,
)

__version__ = "0.1.0"


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
            },
            {
                "source-integration-name": "Common SQL",
                "target-integration-name": "Texter",
                "python-module": "airflow_provider_texter.transfers.campaign",
            },
            {
                "source-integration-name": "Texter",
                "target-integration-name": "Common SQL",
                "python-module": "airflow_provider_texter.transfers.campaign_delivery",
            },
        ],
        "connection-types": [
            {
                "hook-class-name": "airflow_provider_texter.hooks.texter.TexterHook",
                "hook-name": "Texter",
                "connection-type": "texter",
                "conn-fields": {extra.name: extra.conn_field() for extra in CONNECTION_EXTRAS},
                "ui-field-behaviour": {
                    "hidden-fields": HIDDEN_FIELDS,
                    "relabeling": RELABELED_FIELDS,
                    "placeholders": PLACEHOLDERS,
                },
            }
        ],
    }
