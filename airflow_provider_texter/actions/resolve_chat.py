"""Resolve Chat (``POST /chats/{chatId}/resolve``): the chat becomes RESOLVED; ``notifyClient`` messages
the contact first, so that form is never resent after an ambiguous failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_provider_texter.actions.action import Action
from airflow_provider_texter.actions.endpoint import MANAGE_CHATS, SUCCESS, Endpoint


@dataclass(frozen=True)
class ResolveChat(Action):
    def may_resend(self, body: Any) -> bool:
        return not (isinstance(body, dict) and body.get("notifyClient") is True)

    def written_fields(self, body: Any) -> list[str]:
        return ["status"]

    def summary(self, body: Any) -> dict[str, Any]:
        return {"notify_client": body.get("notifyClient", False)}


RESOLVE_CHAT = ResolveChat(
    Endpoint(
        "Resolve Chat", "POST", "/chats/{chat_id}/resolve", MANAGE_CHATS, "resolve_chat",
        (SUCCESS,), "chat {chat_id}",
    ),
    addressing="chat_in_path",
    dataset="chats.status",
)  # fmt: skip
