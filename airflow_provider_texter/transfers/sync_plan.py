"""SqlToTexterOperator's arguments, checked once into a frozen plan before the query runs.

Every argument problem is reported at once; the run then reads the plan and never the operator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from jsonschema.protocols import Validator

from airflow_provider_texter.actions import ROW_ACTIONS
from airflow_provider_texter.actions.action import Action
from airflow_provider_texter.chat_lookup import MultipleChats, check_multiple_chat_policy
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.phones import default_region_of
from airflow_provider_texter.session import POOL_SIZE
from airflow_provider_texter.transfers.rejected_rows import check_table_name
from airflow_provider_texter.validation import load_data_schema

OnRemoved = Literal["report", "remove_labels"]
ON_REMOVED: tuple[OnRemoved, ...] = ("report", "remove_labels")
TRUE_TEXTS = ("true", "1", "yes", "on")
FALSE_TEXTS = ("false", "0", "no", "off", "")
# Arguments of one call that are None unless given: giving one to another call is a mistake worth naming.
UNSET_BY_DEFAULT = ("labels",)


@dataclass(frozen=True)
class RowKey:
    """Which column names each row's contact, and how a phone becomes its chats."""

    column: str
    by_phone: bool
    default_region: str | None
    channel_name: str | None
    account_id: str | None
    on_multiple_chats: MultipleChats


@dataclass(frozen=True)
class StatePlan:
    """The state table that makes a run incremental, and what happens to keys that left the result."""

    table: str
    sync_id: str
    full_refresh: bool
    on_removed: OnRemoved
    max_removed_rows: int | None
    max_removed_ratio: float | None

    @property
    def undoes_departures(self) -> bool:
        return self.on_removed == "remove_labels"


@dataclass(frozen=True)
class SyncPlan:
    """What a run does: source query, row key, column mapping, the call, state and failure limits."""

    sql: str
    parameters: Sequence | Mapping | None
    key: RowKey
    column_map: Mapping[str, str | None]
    keep_nulls: bool
    json_columns: tuple[str, ...]
    action: Action
    merging_mode: str
    data_schema: Validator | None
    labels: Sequence[str] | str | None
    create_missing_labels: bool
    state: StatePlan | None
    max_failed_rows: int | None
    max_failed_ratio: float | None
    rejected_rows_table: str | None
    max_workers: int
    preview: bool
    count_rows: bool
    batch_size: int
    progress_every: float


def build_plan(arguments: Mapping[str, Any], *, task_id: str, default_sync_id: str) -> SyncPlan:
    """The plan of ``arguments`` (the operator's, rendered), or one ``TexterValidationError`` naming every
    problem. ``default_sync_id`` names the sync in the state table when ``sync_id`` is not given."""
    args = dict(arguments)
    problems = argument_problems(args)
    if problems:
        raise TexterValidationError(problems, context=f"arguments of task {task_id!r}")
    state = None
    if args["state_table"]:
        state = StatePlan(
            table=args["state_table"],
            sync_id=args["sync_id"] or default_sync_id,
            full_refresh=as_bool(args["full_refresh"]),
            on_removed=args["on_removed"],
            max_removed_rows=args["max_removed_rows"],
            max_removed_ratio=args["max_removed_ratio"],
        )
    phone_column = args["phone_column"]
    return SyncPlan(
        sql=args["sql"],
        parameters=args["parameters"],
        key=RowKey(
            column=args["chat_id_column"] or phone_column,
            by_phone=bool(phone_column),
            default_region=default_region_of(args["default_region"], args["default_country_code"]),
            channel_name=args["channel_name"],
            account_id=args["account_id"],
            on_multiple_chats=args["on_multiple_chats"],
        ),
        column_map=dict(args["column_map"] or {}),
        keep_nulls=args["keep_nulls"],
        json_columns=tuple(args["json_columns"] or ()),
        action=ROW_ACTIONS[args["operation"]],
        merging_mode=args["merging_mode"],
        data_schema=load_data_schema(args["data_schema"]),
        labels=args["labels"],
        create_missing_labels=args["create_missing_labels"],
        state=state,
        max_failed_rows=args["max_failed_rows"],
        max_failed_ratio=args["max_failed_ratio"],
        rejected_rows_table=args["rejected_rows_table"],
        max_workers=args["max_workers"],
        preview=args["preview"],
        count_rows=args["count_rows"],
        batch_size=args["batch_size"],
        progress_every=args["progress_every"],
    )


def argument_problems(args: Mapping[str, Any]) -> list[str]:
    """Every problem of the arguments, in the order a reader checks them."""
    operation = args["operation"]
    action = ROW_ACTIONS.get(operation)
    problems = []
    if action is None:
        problems.append(f"operation: {operation!r} is not one of {', '.join(ROW_ACTIONS)}")
    else:
        problems += action.argument_problems(args)
    problems += _operation_problems(args, action)
    if bool(args["chat_id_column"]) == bool(args["phone_column"]):
        problems.append("chat_id_column and phone_column: give exactly one of them")
    elif action is not None and action.addressing == "phone" and not args["phone_column"]:
        problems.append(f"chat_id_column: operation {operation!r} is addressed by phone: give phone_column")
    if args["max_failed_ratio"] is not None and not 0 <= args["max_failed_ratio"] <= 1:
        problems.append(f"max_failed_ratio: must be between 0 and 1, got {args['max_failed_ratio']!r}")
    if not 1 <= args["max_workers"] <= POOL_SIZE:
        problems.append(f"max_workers: must be from 1 to {POOL_SIZE}, got {args['max_workers']!r}")
    checks: list[Callable[[], object]] = [
        lambda: as_bool(args["full_refresh"], field="full_refresh"),
        lambda: check_multiple_chat_policy(args["on_multiple_chats"]),
        lambda: default_region_of(args["default_region"], args["default_country_code"]),
    ]
    if args["rejected_rows_table"] is not None:
        checks.append(lambda: check_table_name(args["rejected_rows_table"]))
    if args["state_table"] is not None:
        checks.append(lambda: check_table_name(args["state_table"], field="state_table"))
    return problems + problems_of(checks)


def problems_of(checks: Iterable[Callable[[], object]]) -> list[str]:
    """The problems every check raises (as a ``TexterValidationError``), all of them."""
    problems = []
    for check in checks:
        try:
            check()
        except TexterValidationError as error:
            problems += error.problems
    return problems


def _operation_problems(args: Mapping[str, Any], action: Action | None) -> list[str]:
    """Arguments of one call given to another, and the removal settings, which need a call that can undo."""
    operation, on_removed = args["operation"], args["on_removed"]
    problems = []
    for name in UNSET_BY_DEFAULT:
        owners = [other.operation for other in ROW_ACTIONS.values() if name in other.row_arguments]
        if args[name] is not None and (action is None or name not in action.row_arguments):
            problems.append(
                f"{name}: only operation {' or '.join(map(repr, owners))} takes {name}, not {operation!r}"
            )
    undoing = " or ".join(repr(other.operation) for other in ROW_ACTIONS.values() if other.undoable)
    if on_removed not in ON_REMOVED:
        problems.append(f"on_removed: {on_removed!r} is not one of {', '.join(ON_REMOVED)}")
    elif on_removed == "remove_labels" and (action is None or not action.undoable or not args["state_table"]):
        problems.append(f"on_removed: 'remove_labels' needs operation {undoing} and a state_table")
    for name in ("max_removed_rows", "max_removed_ratio"):
        if args[name] is not None and on_removed != "remove_labels":
            problems.append(f"{name}: only with on_removed='remove_labels'")
    max_rows, max_ratio = args["max_removed_rows"], args["max_removed_ratio"]
    if max_rows is not None and not (isinstance(max_rows, int) and max_rows >= 0):
        problems.append(f"max_removed_rows: must be an integer >= 0, got {max_rows!r}")
    if max_ratio is not None and not 0 <= max_ratio <= 1:
        problems.append(f"max_removed_ratio: must be between 0 and 1, got {max_ratio!r}")
    return problems


def as_bool(value: bool | str, *, field: str = "full_refresh") -> bool:
    """A flag given as a bool or as the text a template renders (``"True"``, ``"false"``, ``"1"``)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_TEXTS or text in FALSE_TEXTS:
        return text in TRUE_TEXTS
    raise TexterValidationError([f"{field}: {value!r} is not true or false"])
