"""Deliver one row: find its chats (unless the call is addressed by phone), build the call's requests from
its payload, and send them, or in a preview only describe them."""

from __future__ import annotations

from typing import Any

from airflow_provider_texter.actions.action import Action, RowOptions, RowTarget
from airflow_provider_texter.exceptions import TexterNotFoundError
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.transfers.rows import ChatWriteError, Delivered, RowTask
from airflow_provider_texter.transfers.sync_plan import RowKey


class RowDelivery:
    """Turns a ``RowTask`` into ``Delivered``, calling the action and the chat look-up directly.

    :param skip_empty: rows with an empty payload are skipped instead of sent.
    """

    def __init__(
        self, hook: TexterHook, action: Action, options: RowOptions, key: RowKey, *, preview: bool
    ) -> None:
        self.hook = hook
        self.action = action
        self.options = options
        self.key = key
        self.preview = preview
        self.skip_empty = action.skips_empty(options)

    def deliver(self, task: RowTask) -> Delivered:
        """Write one task to each of its targets; a failed request raises ``ChatWriteError``."""
        try:
            targets = self.targets(task)
        except Exception as error:
            raise ChatWriteError(None, error) from error
        if not targets and not task.departed:  # a departed key without chats has nothing to undo
            return Delivered("unmatched")
        if self.skip_empty and not task.payload:
            return Delivered("skipped")
        written, would_send = [], []
        for target in targets:
            try:
                would_send += self.write(target, task.payload)
            except TexterNotFoundError as error:
                if not task.departed:
                    raise ChatWriteError(target.chat_id, error) from error
                continue  # the chat was deleted, and what the key wrote with it
            except Exception as error:
                raise ChatWriteError(target.chat_id, error) from error
            written.append(target.chat_id or "")
        return Delivered("undone" if task.departed else "succeeded", tuple(written), tuple(would_send))

    def targets(self, task: RowTask) -> list[RowTarget]:
        """Whom the row's requests are for: its phone, or its chats (known, the id itself, or searched)."""
        if self.action.addressing == "phone":
            return [RowTarget(phone_digits=task.key)]
        if task.chat_ids is not None:
            chat_ids = list(task.chat_ids)
        elif not self.key.by_phone:
            chat_ids = [task.key]
        else:
            chat_ids = self.hook.find_chat_ids(
                "+" + task.key,
                channel_name=self.key.channel_name,
                account_id=self.key.account_id,
                on_multiple_chats=self.key.on_multiple_chats,
            )
        return [RowTarget(chat_id=chat_id) for chat_id in chat_ids]

    def write(self, target: RowTarget, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """Send the payload's requests to one target; in a preview, check them and return what they are."""
        requests = self.action.row_requests(target, payload, self.options)
        if self.preview:
            return [{"chat_id": target.chat_id, **request.preview()} for request in requests]
        for request in requests:
            self.hook.send(request)
        return []
