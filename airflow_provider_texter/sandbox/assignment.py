"""Assign Chat and Resolve Chat: which chat a body means, who is to handle it, and the status after.

An assignment names the whole assignee: the agent and the department it gives replace the chat's
previous ones, and one it leaves out is cleared (the docs say the chat becomes PENDING "for that agent /
department", nothing about keeping a previous one). ``departmentId: null`` alone sends the chat back to
the general pending queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .agents import AGENT_FIELDS, AgentDirectory
from .chats import CHANNEL_NAMES, CHAT_STATUSES
from .payloads import InvalidRequest, raise_if_any, require_object, unknown_fields
from .search import PHONE_INDEX_DIGITS, SearchFilters
from .store import ChatStore

_ASSIGN_FIELDS = ("chatId", "phone", "channel", *AGENT_FIELDS, "departmentId")
_CHATS_NAMED_WHEN_AMBIGUOUS = 10


class NoChatWithPhone(LookupError):
    """No chat (on the given channel) has this phone number; the message says which."""


@dataclass(frozen=True)
class Assignment:
    """A checked Assign Chat body: the chat (its id, or the search for the chats of a phone), the body
    field that names the agent with its value (None: no agent), and the department."""

    chat: str | SearchFilters
    agent: tuple[str, str] | None
    department_id: str | None

    def chat_values(self, agents: AgentDirectory) -> dict:
        """What the assignment sets on the chat; an agent the directory does not know is a 400."""
        agent = None
        if self.agent is not None:
            agent = agents.find(*self.agent)
            if agent is None:
                field, value = self.agent
                raise InvalidRequest(f"{field} {value!r} names no agent of this project")
        return {
            "status": CHAT_STATUSES["PENDING"],
            "agent": None if agent is None else agent.on_chat(),
            "departmentId": self.department_id,
        }

    def find_chat_id(self, chats: ChatStore) -> str:
        """The chat's id: the one given, or the one chat the phone (and channel) matches.

        The phone is matched as Search Chats matches it (any notation, local forms too); when several
        chats match, a ``channel`` must pick one: the sandbox never guesses which chat to assign.
        """
        if isinstance(self.chat, str):
            return self.chat
        search = self.chat
        found, total = chats.search(search)
        on_channel = "" if search.channel_name is None else f" on {search.channel_name} {search.account_id}"
        if total == 0:
            raise NoChatWithPhone(f"No chat with phone {search.search}{on_channel}")
        if total > 1:
            channels = ", ".join(_channel_of(chat) for chat in found)
            raise InvalidRequest(
                f"phone {search.search} is ambiguous: {total} chats match ({channels}); "
                "add channel {name, accountId} to pick one"
            )
        return found[0]["_id"]


def assignment(body: Any) -> Assignment:
    """The chat and assignee an Assign Chat body names: exactly one of chatId or phone (channel only with
    phone), at most one agent field, and an agent, a departmentId (string or null) or both."""
    require_object(body)
    problems = unknown_fields(body, _ASSIGN_FIELDS)
    if ("chatId" in body) == ("phone" in body):
        problems.append("exactly one of chatId or phone is required")
    chat_id = body.get("chatId")
    if "chatId" in body and not _is_text(chat_id):
        problems.append("chatId must be a non-empty string")
    phone_search = _phone_search(body, problems) if "phone" in body else None
    if "channel" in body and "phone" not in body:
        problems.append("channel is only allowed with phone (it picks one of the chats a phone matches)")
    agent_fields = [field for field in AGENT_FIELDS if field in body]
    if len(agent_fields) > 1:
        problems.append(
            f"at most one of {', '.join(AGENT_FIELDS)} is allowed, got {' and '.join(agent_fields)}"
        )
    problems += [f"{field} must be a non-empty string" for field in agent_fields if not _is_text(body[field])]
    if not agent_fields and "departmentId" not in body:
        problems.append(
            f"an assignee is required: one of {', '.join(AGENT_FIELDS)}, or departmentId, or both"
        )
    department_id = body.get("departmentId")
    if department_id is not None and not _is_text(department_id):
        problems.append("departmentId must be a non-empty string or null")
    raise_if_any(problems)
    chat = chat_id if phone_search is None else phone_search
    agent = (agent_fields[0], body[agent_fields[0]]) if agent_fields else None
    return Assignment(chat, agent, department_id)


def _phone_search(body: dict, problems: list[str]) -> SearchFilters | None:
    """The Search Chats filters that find the chats of ``phone`` (on ``channel`` when given)."""
    phone, channel = body["phone"], body.get("channel")
    channel_name = account_id = None
    if channel is not None:
        if (
            not isinstance(channel, dict)
            or set(channel) != {"name", "accountId"}
            or not all(_is_text(value) for value in channel.values())
        ):
            problems.append("channel must be an object with the strings name and accountId")
        elif channel["name"] not in CHANNEL_NAMES:
            problems.append(f"channel.name must be one of {', '.join(CHANNEL_NAMES)}")
        else:
            channel_name, account_id = channel["name"], channel["accountId"]
    search = SearchFilters(
        search=phone if isinstance(phone, str) else None,
        channel_name=channel_name,
        account_id=account_id,
        limit=_CHATS_NAMED_WHEN_AMBIGUOUS,
    )
    if search.phone_suffix is None:
        problems.append(
            f"phone must be a phone number: {PHONE_INDEX_DIGITS} or more digits, also with + ( ) . - spaces"
        )
        return None
    return search


def check_resolve_body(body: Any) -> None:
    """Resolve Chat takes only ``notifyClient`` (a boolean, default false), so an empty body is fine.

    The resolution message that ``notifyClient: true`` sends is not modelled: the request log shows it.
    """
    if body is None:
        return
    require_object(body)
    problems = unknown_fields(body, ("notifyClient",))
    if not isinstance(body.get("notifyClient", False), bool):
        problems.append("notifyClient must be a boolean")
    raise_if_any(problems)


def _channel_of(chat: dict) -> str:
    channel_info = chat.get("channelInfo") or {}
    return f"{channel_info.get('name')} {channel_info.get('accountId')}"


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)
