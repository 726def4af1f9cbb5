"""Phones are normalised to Texter's form before they are searched and matched."""

from __future__ import annotations

import pytest

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.transfers.phone_matching import normalise_phone


@pytest.mark.parametrize(
    "value", ["+972 52-123-4567", "972521234567", "00972521234567", "(+972) 521 234 567", 972521234567]
)
def test_international_forms_normalise_to_digits(value):
    assert normalise_phone(value) == "972521234567"


def test_local_numbers_need_a_default_country_code():
    assert normalise_phone("052-123-4567", default_country_code="972") == "972521234567"
    with pytest.raises(TexterValidationError, match="is a local number: set default_country_code"):
        normalise_phone("052-123-4567")


@pytest.mark.parametrize("value", ["12", "", "   ", None, "+1 234", "9725212345671234", True])
def test_values_that_are_not_phones_are_refused(value):
    with pytest.raises(TexterValidationError, match="phone: .* not a phone number"):
        normalise_phone(value)
