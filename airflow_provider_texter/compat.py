"""The Airflow names this provider needs, each resolved on its own for every Airflow 3 and Python >= 3.10.

``airflow.providers.common.compat.sdk`` tries the ``airflow.sdk`` location of each name first and
falls back name by name (3.0 keeps ``BaseHook`` elsewhere), as the official providers import them. Its
releases that install on Python 3.10 (up to 1.20.0) do not offer ``mask_secret``, so that one is
resolved here the same way.
"""

from __future__ import annotations

from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    BaseHook,
    BaseOperator,
)

# What Airflow resolves only at run time (XComArg, LiteralValue, ...): in the task SDK since 3.0.
from airflow.sdk.definitions._internal.mixins import ResolveMixin

try:
    # Every Airflow 3 from 3.0.1 on (task SDK >= 1.0.1), where 3.1+ masks in the task process too.
    from airflow.sdk.log import mask_secret
except ImportError:
    # Airflow 3.0.0 (task SDK 1.0.0) has it only here; newer ones keep this path as a deprecated alias
    # (on 3.0.x the same function, so mypy there finds nothing to ignore: scripts/smoke-oldest-airflow).
    from airflow.sdk.execution_time.secrets_masker import mask_secret  # type: ignore[no-redef, unused-ignore]

__all__ = [
    "AirflowException",
    "AirflowFailException",
    "BaseHook",
    "BaseOperator",
    "ResolveMixin",
    "mask_secret",
]
