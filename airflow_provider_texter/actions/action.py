"""What every Texter API call description shares: how it is addressed, whether it may be sent twice,
how its request is built and checked, and what it tells lineage and XCom.

One module per call subclasses ``Action``; ``actions/__init__.py`` lists them. Hook methods, operators
and the SQL transfer read these descriptions instead of branching on a call's name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal
from urllib.parse import quote

from jsonschema.protocols import Validator

from airflow_provider_texter.actions.endpoint import Endpoint
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.validation import check_request

# chat_in_path: /chats/{chat_id}/...; chat_or_phone_in_body: the body names the chat (or a phone the
# API resolves); phone: the body names a phone, no chat is looked up; none: the project as a whole.
Addressing = Literal["chat_in_path", "chat_or_phone_in_body", "phone", "none"]


@dataclass(frozen=True)
class RowOptions:
    """What a transfer's arguments add to each row's request, fixed for the whole run."""

    merging_mode: str = "merge"
    data_schema: Validator | None = None
    label_ids: tuple[str, ...] = ()
    account_id: str | None = None


@dataclass(frozen=True)
class RowTarget:
    """Whom one row's request is for: a chat, or (phone-addressed calls) the contact's phone digits."""

    chat_id: str | None = None
    phone_digits: str | None = None


@dataclass(frozen=True)
class Request:
    """One API call ready to send; built by ``Action.request``, so its ids and body were checked once."""

    action: Action
    chat_id: str | None = None
    label_id: str | None = None
    body: Any = None
    query: Mapping[str, Any] | None = None
    account_id: str | None = None

    @property
    def path(self) -> str:
        ids = {"chat_id": self.chat_id, "label_id": self.label_id, "account_id": self.account_id}
        endpoint = self.action.endpoint
        return endpoint.path.format(**{name: quote(ids[name] or "", safe="") for name in endpoint.path_ids})

    @property
    def subject(self) -> str:
        """What the call is about, for a 404 or an unknown outcome: ``chat 64de…``."""
        return self.action.endpoint.subject.format(
            chat_id=self.chat_id, label_id=self.label_id, account_id=self.account_id
        )

    @property
    def may_resend(self) -> bool:
        """Whether sending it twice changes nothing (a CRM write) or reaches a person twice (a message)."""
        return self.action.may_resend(self.body)

    def preview(self) -> dict[str, Any]:
        """What would be sent: ``{"method", "path", "body"}``."""
        return {"method": self.action.endpoint.method, "path": self.path, "body": self.body}


@dataclass(frozen=True)
class Action:
    """One Texter API call, described once.

    :param endpoint: method, path, scope, request schema and good answers.
    :param addressing: how the call names whom it acts on (see ``Addressing``).
    :param idempotent: sending it twice changes nothing more than sending it once. A call that is not
        (it messages a person) is never resent after an ambiguous failure.
    :param dataset: what the call writes, as OpenLineage names it in the project (``chats.crmData``).
    :param operation: its name as ``SqlToTexterOperator(operation=...)``, when warehouse rows can drive it.
    """

    endpoint: Endpoint
    addressing: Addressing
    idempotent: bool = True
    dataset: str | None = None
    operation: str | None = None
    # SqlToTexterOperator arguments only this call takes, and whether it can take back what a row wrote.
    row_arguments: ClassVar[tuple[str, ...]] = ()
    undoable: ClassVar[bool] = False
    written_name: ClassVar[str] = "written"  # what ``row_written`` holds, in reports

    @property
    def name(self) -> str:
        return self.endpoint.name

    def may_resend(self, body: Any) -> bool:
        """Whether this body may be sent again after an ambiguous failure."""
        return self.idempotent

    def request(
        self,
        *,
        chat_id: str | None = None,
        label_id: str | None = None,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        account_id: str | None = None,
    ) -> Request:
        """A checked request for a body built elsewhere: the ids as ``addressed`` checks them, and the body
        against the request schema; every problem is named before any request is made."""
        request = self.addressed(
            chat_id=chat_id, label_id=label_id, body=body, query=query, account_id=account_id
        )
        if self.endpoint.request_schema is not None:
            check_request(self.endpoint.request_schema, body, context=f"{self.name} request")
        return request

    def addressed(
        self,
        *,
        chat_id: str | None = None,
        label_id: str | None = None,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        account_id: str | None = None,
    ) -> Request:
        """A request whose body the action's own builder checked: each id the path needs is given and is
        exactly one path segment, and a call without a body gets none."""
        endpoint = self.endpoint
        ids = {"chat_id": chat_id, "label_id": label_id, "account_id": account_id}
        problems = [f"{name}: is required" for name in endpoint.path_ids if ids[name] is None]
        problems += [
            f"{name}: {endpoint.name} takes none" for name, value in ids.items()
            if value is not None and name not in endpoint.path_ids
        ]  # fmt: skip
        if endpoint.request_schema is None and body is not None:
            problems.append(f"body: {endpoint.name} takes none")
        if problems:
            raise TexterValidationError(problems, context=f"{endpoint.name} request")
        for name in endpoint.path_ids:
            path_segment(ids[name], field=name)
        return Request(self, chat_id, label_id, body, query, account_id)

    # What a single-chat operator reports of a request it sent (XCom holds no personal data).
    def written_fields(self, body: Any) -> list[str]:
        """The fields the request wrote, as the API names them."""
        return []

    def summary(self, body: Any) -> dict[str, Any]:
        """Settings of the request a downstream task may need, besides the chat and the fields."""
        return {}

    # How warehouse rows drive the call (actions with an ``operation`` only).
    def argument_problems(self, arguments: Mapping[str, Any]) -> list[str]:
        """What is wrong with the transfer's arguments this call reads (``row_arguments``)."""
        return []

    def target_problems(self, targets: Sequence[Sequence[str]]) -> list[str]:
        """Payload paths (``("crm_data", "plan")``) the call cannot send: each would fail every row."""
        return []

    def row_payload(self, mapped: dict[str, Any], options: RowOptions) -> dict[str, Any]:
        """What a row sends, from its mapped columns (a labels row sends the run's labels instead)."""
        return mapped

    def row_written(self, options: RowOptions) -> list[str] | None:
        """What the state keeps of a confirmed row so a later run can undo it (label ids); None: nothing."""
        return None

    def fingerprint_setting(self, options: RowOptions) -> str | None:
        """The run setting that changes what a payload writes (``merging_mode``), part of its fingerprint."""
        return None

    def undo_payload(self, written: list[str]) -> dict[str, Any] | None:
        """What takes back what a row wrote (``row_written``) when its key left the result; None: nothing."""
        return None

    def rewritten_payload(
        self, payload: dict[str, Any], previously_written: list[str] | None, options: RowOptions
    ) -> dict[str, Any]:
        """A row's payload when the undoing run also takes back what it wrote before and writes no more."""
        return payload

    def skips_empty(self, options: RowOptions) -> bool:
        """Whether a row with an empty payload is skipped instead of sent."""
        return True

    def row_requests(self, target: RowTarget, payload: dict[str, Any], options: RowOptions) -> list[Request]:
        """The checked requests one row's payload makes for one target."""
        raise NotImplementedError(f"{self.name} is not driven by rows")


def path_segment(value: Any, *, field: str) -> str:
    """An id (``chat_id``, ``label_id``) as exactly one URL path segment; one that could escape is refused."""
    if not isinstance(value, str) or not value.strip():
        raise TexterValidationError([f"{field}: must be a non-empty string, got {value!r}"])
    if value != value.strip() or any(char.isspace() or char in "/\\?#%" for char in value):
        raise TexterValidationError(
            [f"{field}: {value!r} may not contain whitespace, '/', '\\', '?', '#' or '%'"]
        )
    if value in (".", ".."):
        raise TexterValidationError([f"{field}: {value!r} is not an id"])
    return quote(value, safe="")
