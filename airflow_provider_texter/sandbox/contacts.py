"""How a phone number a client sends becomes the contact id chats store: digits with the country code."""

from __future__ import annotations

import re

# The sandbox project's country: its WhatsApp numbers are Israeli (``972586640430``), so a local number
# (``052-123-4567``) is taken to be Israeli, as a project's own country code completes local numbers.
DEFAULT_COUNTRY_CODE = "972"
_PHONE = re.compile(r"\+?[\d\s().-]+")


def contact_id(phone: str) -> str | None:
    """``972521234567`` for ``+972 52-123-4567``, ``00972521234567`` or ``052-123-4567``; None for text
    that is not written as a phone number (letters, no digits)."""
    if not _PHONE.fullmatch(phone):
        return None
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0") and not phone.lstrip().startswith("+"):
        digits = DEFAULT_COUNTRY_CODE + digits[1:]
    return digits or None


def checked_contact(phone: object) -> str:
    """The contact id of a phone given to the sandbox's Python or admin API; ValueError when not a phone."""
    contact = contact_id(phone) if isinstance(phone, str) else None
    if contact is None:
        raise ValueError(f"phone must be a phone number, got {phone!r}")
    return contact


def e164(contact: str) -> str:
    """The contact id with a plus, as List unsubscribed shows phones."""
    return f"+{contact}"
