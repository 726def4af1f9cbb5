"""What Unsubscribe from templates and Resubscribe to templates share: a phone-addressed body, no chat.

Both set the contact's membership of Texter's opt-out list, so sending either twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_texter.actions.action import Action, Request, RowOptions, RowTarget
from airflow_provider_texter.phones import ParsedPhone


@dataclass(frozen=True)
class TemplateOptOut(Action):
    """A row is only its phone (the key): every other column is refused before the first row."""

    def for_phone(self, phone: ParsedPhone, account_id: str | None) -> Request:
        """The checked request for one contact (from one of our numbers, or from all when None)."""
        body = {"phone": phone.e164} if account_id is None else {"phone": phone.e164, "accountId": account_id}
        return self.request(body=body)

    def written_fields(self, body: Any) -> list[str]:
        return ["unsubscribed"]

    def target_problems(self, targets: Sequence[Sequence[str]]) -> list[str]:
        return [
            f"column {'.'.join(path)!r}: operation {self.operation!r} sends only the phone; drop the column "
            "from the query or map it to None in column_map"
            for path in targets
        ]

    def skips_empty(self, options: RowOptions) -> bool:
        return False  # the phone is the whole request

    def row_requests(self, target: RowTarget, payload: dict[str, Any], options: RowOptions) -> list[Request]:
        return [self.for_phone(ParsedPhone(target.phone_digits or "", valid=True), options.account_id)]
