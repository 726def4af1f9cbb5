"""The one place that knows where Airflow keeps its SDK names, so the rest imports from here."""

from __future__ import annotations

try:
    from airflow.sdk import BaseHook, BaseOperator
    from airflow.sdk.exceptions import AirflowException, AirflowFailException
    from airflow.sdk.log import mask_secret
except ImportError:  # Airflow 3.0 kept some of these outside airflow.sdk
    from airflow.exceptions import AirflowException, AirflowFailException  # type: ignore[no-redef]
    from airflow.hooks.base import BaseHook  # type: ignore[no-redef]
    from airflow.models import BaseOperator  # type: ignore[no-redef]
    from airflow.utils.log.secrets_masker import mask_secret  # type: ignore[no-redef]

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
