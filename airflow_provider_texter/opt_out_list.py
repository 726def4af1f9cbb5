"""Texter's template opt-out list, read whole: page after page of List unsubscribed until a short one."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from airflow_provider_texter.actions.action import Request
from airflow_provider_texter.actions.list_unsubscribed import MAX_PAGE_SIZE, MAX_SKIP, unsubscribed_request
from airflow_provider_texter.exceptions import TexterError

NON_DIGITS = re.compile(r"\D")


def unsubscribed_pages(
    send: Callable[[Request], Any], account_id: str | None = None, *, page_size: int = MAX_PAGE_SIZE
) -> Iterator[list[dict[str, Any]]]:
    """The opt-outs from ``account_id`` (None: from any number of ours), oldest first, a page at a time
    until one is shorter than ``page_size`` (no total is given): ``[{"phone": "+972...", "title"?}]``."""
    skip = 0
    while True:
        if skip > MAX_SKIP:
            raise TexterError(
                f"List unsubscribed pages only up to skip={MAX_SKIP}: more than {skip} contacts "
                "opted out, and the rest cannot be read"
            )
        page = send(unsubscribed_request(account_id, page_size, skip))
        yield [item for item in page if isinstance(item, dict)]
        if len(page) < page_size:
            return
        skip += len(page)


def read_unsubscribed(
    send: Callable[[Request], Any], account_id: str | None = None, *, page_size: int = MAX_PAGE_SIZE
) -> list[dict[str, Any]]:
    """Every opt-out, oldest first (see ``unsubscribed_pages``)."""
    return [opt_out for page in unsubscribed_pages(send, account_id, page_size=page_size) for opt_out in page]


def unsubscribed_digits(opt_outs: list[dict[str, Any]]) -> set[str]:
    """The opt-outs as E.164 digits (``972521234567``), the form phones are matched in."""
    return {NON_DIGITS.sub("", str(opt_out.get("phone") or "")) for opt_out in opt_outs} - {""}
