"""The Airflow names this provider needs, each resolved on its own by common-compat for every Airflow 3.

``airflow.providers.common.compat.sdk`` tries the ``airflow.sdk`` location of each name first and
falls back name by name (3.0 keeps ``BaseHook`` and ``mask_secret`` elsewhere), as the official
providers import them.
"""

from __future__ import annotations

from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    BaseHook,
    BaseOperator,
    mask_secret,
)

# What Airflow resolves only at run time (XComArg, LiteralValue, ...): in the task SDK since 3.0.
from airflow.sdk.definitions._internal.mixins import ResolveMixin

__all__ = [
    "AirflowException",
    "AirflowFailException",
    "BaseHook",
    "BaseOperator",
    "ResolveMixin",
    "mask_secret",
]
