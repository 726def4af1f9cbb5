"""Send Template Message: the checks a send must pass, and what it does to the chat of the phone.

The docs leave the status of a bad send open (unknown template, a localization that is not approved,
a wrong number of values, a value WhatsApp refuses): the sandbox answers each with a 400 naming it,
before anything is sent. A contact who opted out gets HTTP 200 with ``success: false``, as documented,
and nothing is sent. Otherwise the chat of the phone on our number is found or created (status BULK,
as bulk-sent chats are) and gets an outgoing message of type ``special`` with the rendered text.
``header``, ``setChat``, ``buttons``, ``replyAction`` and ``sessionMessage`` are accepted and not
modelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .chats import CHAT_STATUSES, DEFAULT_ACCOUNT_ID, make_chat
from .contacts import contact_id
from .payloads import InvalidRequest, raise_if_any, require_object, unknown_fields
from .state import SandboxState
from .templates import APPROVED, TEMPLATE_NAME, body_text, render, variable_count

_FIELDS = (
    "templateName", "to", "from", "language", "body", "header", "setChat", "buttons", "replyAction",
    "sessionMessage",
)  # fmt: skip
_OBJECT_FIELDS = ("header", "setChat", "sessionMessage")
_REFUSED_IN_VALUES = re.compile(r"[\r\n\t]| {5,}")
UNSUBSCRIBED_ANSWER = {
    "success": False,
    "message": "The contact unsubscribed from template messages: nothing was sent",
}


@dataclass(frozen=True)
class TemplateSend:
    """A checked Send Template Message body: the template, the contact, our number, the language asked
    for (None: the template's only one) and the values of ``{{1}}``, ``{{2}}``, ..."""

    template_name: str
    contact: str
    account_id: str
    language: str | None
    values: list[str]


def template_send(body: Any) -> TemplateSend:
    """The send a body asks for; every problem of its fields in one 400."""
    require_object(body)
    problems = unknown_fields(body, _FIELDS)
    name = body.get("templateName")
    if not isinstance(name, str) or not TEMPLATE_NAME.fullmatch(name):
        problems.append("templateName is required and must match ^[a-zA-Z0-9_-]+$")
    to = body.get("to")
    contact = contact_id(to) if isinstance(to, str) else None
    if contact is None:
        problems.append("to is required and must be a phone number")
    for field in ("from", "language"):
        if field in body and not (isinstance(body[field], str) and body[field]):
            problems.append(f"{field} must be a non-empty string")
    values = body.get("body", [])
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        problems.append("body must be a list of strings")
    else:
        problems += [
            f"body[{index}] may not be empty or hold a line break, a tab or 5 or more spaces in a row"
            for index, value in enumerate(values)
            if not value.strip() or _REFUSED_IN_VALUES.search(value)
        ]
    problems += [
        f"{field} must be an object" for field in _OBJECT_FIELDS if not isinstance(body.get(field, {}), dict)
    ]
    raise_if_any(problems)
    assert contact is not None  # a problem above otherwise
    return TemplateSend(name, contact, body.get("from", DEFAULT_ACCOUNT_ID), body.get("language"), values)


def localization_to_send(template: dict, send: TemplateSend) -> dict:
    """The localization the send uses: the one in ``language`` (or the only one), APPROVED, taking
    exactly as many values as it has variables; else a 400 naming what is wrong."""
    localizations = template["provider_template"]["localizations"]
    languages = [item["language"] for item in localizations]
    if send.language is None and len(localizations) > 1:
        raise InvalidRequest(f"language is required: {send.template_name} has {', '.join(languages)}")
    language = send.language or languages[0]
    chosen = next((item for item in localizations if item["language"] == language), None)
    if chosen is None:
        raise InvalidRequest(
            f"{send.template_name} has no {language} localization (it has {', '.join(languages)})"
        )
    if chosen["status"] != APPROVED:
        raise InvalidRequest(
            f"{send.template_name} ({language}) is {chosen['status']}: only APPROVED can be sent"
        )
    expected = variable_count(body_text(chosen) or "")
    if len(send.values) != expected:
        raise InvalidRequest(
            f"body must hold {expected} values for {send.template_name} ({language}), got {len(send.values)}"
        )
    return chosen


def send_template(send: TemplateSend, state: SandboxState) -> dict:
    """Check and send; the answer's body (see the module docstring)."""
    template = state.templates.find(send.template_name, send.account_id)
    if template is None:
        raise InvalidRequest(f"templateName {send.template_name!r} names no template of {send.account_id}")
    localization = localization_to_send(template, send)
    if state.opt_outs.is_unsubscribed(send.contact, send.account_id):
        return UNSUBSCRIBED_ANSWER
    chat = state.chats.find_or_add(send.contact, "whatsapp", send.account_id, lambda: _new_chat(send))
    text = render(body_text(localization) or "", send.values)
    message = state.messages.add(chat["_id"], text=text, direction="outgoing", type="special")
    return {"success": True, "text": text, "sentAsSessionMessage": False, "messageId": message.message_id}


def _new_chat(send: TemplateSend) -> dict:
    """The chat a send to a new number creates: BULK, with no message until the send adds its own."""
    return make_chat(
        send.contact,
        account_id=send.account_id,
        status=CHAT_STATUSES["BULK"],
        lastMessage=None,
        lastIncomingMessageTimestamp=None,
    )
