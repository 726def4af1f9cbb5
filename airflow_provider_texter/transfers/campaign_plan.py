"""SqlToTexterCampaignOperator's arguments, checked once into a frozen plan: every problem at once, before
the query runs or Texter is asked anything."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_provider_texter.actions.send_template_message import TemplateMessage
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.phones import default_region_of
from airflow_provider_texter.session import POOL_SIZE
from airflow_provider_texter.transfers import quiet_hours
from airflow_provider_texter.transfers.campaign_ledger import MAX_ID
from airflow_provider_texter.transfers.quiet_hours import QuietHours
from airflow_provider_texter.transfers.rejected_rows import check_table_name
from airflow_provider_texter.transfers.sync_plan import as_bool, problems_of

TEMPLATE_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


@dataclass(frozen=True)
class FrequencyCap:
    """At most ``messages`` sent messages per contact, of any campaign in the ledger, in ``days`` days."""

    messages: int
    days: int


@dataclass(frozen=True)
class CampaignPlan:
    """What one run of a campaign does (see the operator for each argument)."""

    sql: str
    parameters: Sequence | Mapping | None
    campaign_id: str
    phone_column: str
    default_region: str | None
    message: TemplateMessage
    body_columns: tuple[str, ...]
    ledger_table: str
    max_messages: int
    consent_column: str | None
    exclude_unsubscribed: bool
    frequency_cap: FrequencyCap | None
    quiet_hours: QuietHours | None
    canary: int | None
    preview: bool
    resend_unknown: bool
    max_workers: int
    batch_size: int
    clock: Callable[[], datetime]

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the query must return."""
        return (
            self.phone_column,
            *self.body_columns,
            *([self.consent_column] if self.consent_column else []),
        )


def build_campaign_plan(args: Mapping[str, Any], *, task_id: str) -> CampaignPlan:
    """The plan of the rendered arguments, or one ``TexterValidationError`` naming every problem."""
    problems = campaign_problems(args)
    if problems:
        raise TexterValidationError(problems, context=f"arguments of task {task_id!r}")
    cap = args["frequency_cap"]
    return CampaignPlan(
        sql=args["sql"],
        parameters=args["parameters"],
        campaign_id=str(args["campaign_id"]).strip(),
        phone_column=args["phone_column"],
        default_region=default_region_of(args["default_region"], args["default_country_code"]),
        message=TemplateMessage(args["template_name"], args["language"], args["account_id"]),
        body_columns=tuple(args["body_columns"]),
        ledger_table=args["ledger_table"],
        max_messages=args["max_messages"],
        consent_column=args["consent_column"],
        exclude_unsubscribed=as_bool(args["exclude_unsubscribed"], field="exclude_unsubscribed"),
        frequency_cap=None if cap is None else FrequencyCap(cap, args["frequency_window_days"]),
        quiet_hours=None if args["quiet_hours"] is None else QuietHours.parse(args["quiet_hours"]),
        canary=args["canary"],
        preview=as_bool(args["preview"], field="preview"),
        resend_unknown=as_bool(args["resend_unknown"], field="resend_unknown"),
        max_workers=args["max_workers"],
        batch_size=args["batch_size"],
        clock=args["clock"] or quiet_hours.utc_now,  # looked up now: a test may have replaced it
    )


def campaign_problems(args: Mapping[str, Any]) -> list[str]:
    """Every problem of the arguments, in the order a reader checks them."""
    problems = []
    campaign_id = args["campaign_id"]
    if not isinstance(campaign_id, str) or not campaign_id.strip() or len(campaign_id.strip()) > MAX_ID:
        problems.append(
            f"campaign_id: must be a non-empty text of at most {MAX_ID} characters, got {campaign_id!r}"
        )
    name = args["template_name"]
    if not isinstance(name, str) or not name or not set(name) <= TEMPLATE_NAME_CHARACTERS:
        problems.append(f"template_name: {name!r} must match ^[a-zA-Z0-9_-]+$")
    body_columns = args["body_columns"]
    if isinstance(body_columns, str) or not all(
        isinstance(column, str) and column for column in body_columns
    ):
        problems.append(f"body_columns: must be a list of column names, got {body_columns!r}")
    if not isinstance(args["phone_column"], str) or not args["phone_column"]:
        problems.append("phone_column: the column holding each contact's phone is required")
    problems += _count_problems(args)
    cap, days = args["frequency_cap"], args["frequency_window_days"]
    if (cap is None) != (days is None):
        problems.append("frequency_cap and frequency_window_days: give both or neither")
    checks: list[Callable[[], object]] = [
        lambda: check_table_name(args["ledger_table"], field="ledger_table"),
        lambda: default_region_of(args["default_region"], args["default_country_code"]),
        lambda: as_bool(args["exclude_unsubscribed"], field="exclude_unsubscribed"),
        lambda: as_bool(args["preview"], field="preview"),
        lambda: as_bool(args["resend_unknown"], field="resend_unknown"),
    ]
    if args["quiet_hours"] is not None:
        checks.append(lambda: QuietHours.parse(args["quiet_hours"]))
    return problems + problems_of(checks)


def _count_problems(args: Mapping[str, Any]) -> list[str]:
    """The whole numbers: each an integer within its range, or None where it may be."""
    ranges = {
        "max_messages": (0, False),
        "frequency_cap": (1, True),
        "frequency_window_days": (1, True),
        "canary": (1, True),
        "batch_size": (1, False),
    }
    problems = []
    for name, (low, optional) in ranges.items():
        value = args[name]
        if (value is None and not optional) or (
            value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low)
        ):
            problems.append(
                f"{name}: must be an integer >= {low}{' or None' if optional else ''}, got {value!r}"
            )
    if not isinstance(args["max_workers"], int) or not 1 <= args["max_workers"] <= POOL_SIZE:
        problems.append(f"max_workers: must be from 1 to {POOL_SIZE}, got {args['max_workers']!r}")
    return problems
