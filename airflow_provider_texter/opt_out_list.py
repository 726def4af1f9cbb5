"""Texter's template opt-out list, read whole: page after page of List unsubscribed until a short one."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from airflow_provider_texter.actions.action import Request
from airflow_provider_texter.actions.list_unsubscribed import MAX_PAGE_SIZE, MAX_SKIP, unsubscribed_request
from airflow_provider_texter.exceptions import TexterError

NON_DIGITS = re.compile(r"\D")


def read_unsubscribed(
    send: Callable[[Request], Any], account_id: str | None = None, *, page_size: int = MAX_PAGE_SIZE
) -> list[dict[str, Any]]:
    """Every opt-out from ``account_id`` (None: from any number of ours), oldest first:
    ``[{"phone": "+972...", "title"?}, ...]``."""
    opt_outs: list[dict[str, Any]] = []
    while True:
        if len(opt_outs) > MAX_SKIP:
            raise TexterError(
                f"List unsubscribed pages only up to skip={MAX_SKIP}: more than {len(opt_outs)} contacts "
                "opted out, and the rest cannot be read"
            )
        page = send(unsubscribed_request(account_id, page_size, len(opt_outs)))
        opt_outs += page
        if len(page) < page_size:
            return opt_outs


def unsubscribed_digits(opt_outs: list[dict[str, Any]]) -> set[str]:
    """The opt-outs as E.164 digits (``972521234567``), the form phones are matched in."""
    return {NON_DIGITS.sub("", str(opt_out.get("phone") or "")) for opt_out in opt_outs} - {""}
