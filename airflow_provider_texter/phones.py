"""Read a phone number as libphonenumber does, and write it as Texter stores contacts (E.164 digits).

A wrong guess here writes one customer's data into a stranger's chat, so nothing is guessed: the
``phonenumbers`` library decides trunk prefixes, international prefixes, extensions and letters,
and a number it finds impossible is refused with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from airflow_provider_texter.exceptions import TexterValidationError

# Texter's own contact format (``channelInfo.id``): the country code and number as bare digits.
BARE_INTERNATIONAL_DIGITS = re.compile(r"[1-9]\d{6,14}")
# Any region will do to ask the library whether a number it cannot read without one names no country.
PROBE_REGION = "US"
UNPARSABLE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "its country code does not exist",
    NumberParseException.NOT_A_NUMBER: "it holds too few digits or other characters",
    NumberParseException.TOO_SHORT_AFTER_IDD: "it is too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "it is too short",
    NumberParseException.TOO_LONG: "it is too long",
}
IMPOSSIBLE_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: "its country code does not exist",
    ValidationResult.TOO_SHORT: "it is too short",
    ValidationResult.INVALID_LENGTH: "its length fits no number of that country",
    ValidationResult.TOO_LONG: "it is too long",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "it lacks its area code",
}


@dataclass(frozen=True)
class ParsedPhone:
    """A phone as Texter matches it: ``digits`` is E.164 without the plus (``972521234567``)."""

    digits: str
    valid: bool

    @property
    def e164(self) -> str:
        return "+" + self.digits


def default_region_of(
    default_region: str | None = None, default_country_code: str | int | None = None, *, field: str = "phone"
) -> str | None:
    """The region (``"IL"``) local numbers belong to, from a region or a calling code (``"972"``)."""
    problems = []
    region = None
    if default_region is not None:
        region = str(default_region).strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            problems.append(
                f"default_region: {default_region!r} is not an ISO 3166 region such as 'IL' or 'US'"
            )
    if default_country_code is not None:
        code = str(default_country_code).strip().lstrip("+")
        code_region = phonenumbers.region_code_for_country_code(int(code)) if code.isdigit() else "ZZ"
        if code_region == "ZZ":
            problems.append(
                f"default_country_code: {default_country_code!r} is not a calling code such as '972'"
            )
        elif region is not None and phonenumbers.country_code_for_region(region) != int(code):
            problems.append(
                f"default_region {region!r} and default_country_code {default_country_code!r} disagree"
            )
        else:
            region = region or code_region
    if problems:
        raise TexterValidationError(problems, context=f"{field} defaults")
    return region


def parse_phone(value: Any, *, default_region: str | None = None, field: str = "phone") -> ParsedPhone:
    """Parse ``value`` for matching; raises ``TexterValidationError`` naming the value when impossible.

    Whatever names its country (``+972 ...``, ``tel:+1-201-555-0123;ext=7``) needs no region: the library
    decides. Without ``default_region``, a number it can read only with a region is read when it is bare
    digits in Texter's own form (``972521234567``); anything else local needs the region.
    """
    text = _phone_text(value, field)
    if not any(char.isdigit() for char in text):
        raise TexterValidationError([f"{field}: {value!r} is not a phone number"])
    try:
        number = phonenumbers.parse(text, default_region)
    except NumberParseException as error:
        if default_region is not None or not _names_no_country(text, error):
            raise _unparsable(value, error, field) from None
        if not BARE_INTERNATIONAL_DIGITS.fullmatch(text):
            raise TexterValidationError(
                [f"{field}: {value!r} has no country code: write it with '+' or set default_region "
                 "(e.g. 'IL') or default_country_code (e.g. '972')"]
            ) from None  # fmt: skip
        try:
            number = phonenumbers.parse("+" + text)
        except NumberParseException as bare_error:
            raise _unparsable(value, bare_error, field) from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != ValidationResult.IS_POSSIBLE:
        why = IMPOSSIBLE_REASONS.get(reason, "it is not a possible number")
        raise TexterValidationError([f"{field}: {value!r} is not a possible phone number: {why}"])
    digits = phonenumbers.format_number(number, PhoneNumberFormat.E164).lstrip("+")
    return ParsedPhone(digits, phonenumbers.is_valid_number(number))


def _names_no_country(text: str, error: NumberParseException) -> bool:
    """Whether ``text`` failed without a region only because it names no country: with one it would not."""
    if error.error_type != NumberParseException.INVALID_COUNTRY_CODE:
        return False
    try:
        phonenumbers.parse(text, PROBE_REGION)
    except NumberParseException as probe_error:
        return probe_error.error_type != NumberParseException.INVALID_COUNTRY_CODE
    return True


def _unparsable(value: Any, error: NumberParseException, field: str) -> TexterValidationError:
    why = UNPARSABLE_REASONS.get(error.error_type, "it is not a phone number")
    return TexterValidationError([f"{field}: {value!r} is not a phone number: {why}"])


def _phone_text(value: Any, field: str) -> str:
    """Whole numbers from a database become text; other non-text values are refused, not coerced."""
    text = value
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        text = str(int(value))
    if not isinstance(text, str) or not text.strip():
        raise TexterValidationError([f"{field}: {value!r} is not a phone number"])
    return text.strip()


SPELLED_NUMBER = re.compile(r"\+?\d[\d\s().-]{3,}\d")


def masked_phone(digits: str) -> str:
    """A phone as logs and XCom may show it: its last 4 digits only (``+********4567``)."""
    return "+" + "*" * max(len(digits) - 4, 0) + digits[-4:]


def mask_phones(text: str) -> str:
    """``text`` with every run of 5 or more digits (a phone, written any way) masked to its last 4."""
    return SPELLED_NUMBER.sub(lambda match: masked_phone(re.sub(r"\D", "", match.group()))[1:], text)
