"""What counts as a credential in a message, and that ordinary words survive."""

from __future__ import annotations

import pytest

from airflow_provider_texter.exceptions import TexterAPIError, TexterTransportError
from airflow_provider_texter.redaction import redact, register_secret


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sent Authorization: Bearer abc.def-123", "sent Authorization: ***"),
        ("{'authorization': 'Bearer abc'}", "{'authorization': '***'}"),
        ("header was bearer eyJhbGciOi.x_y==", "header was bearer ***"),
        ("GET /x?token=abc123&limit=5", "GET /x?token=***&limit=5"),
        ('{"access_token": "abc", "api_key": "k-1"}', '{"access_token": "***", "api_key": "***"}'),
        ("password=hunter2; user=dana", "password=***; user=dana"),
        ("the token lacks the scope 'Manage all chats'", "the token lacks the scope 'Manage all chats'"),
        ("Unauthorized: invalid or missing API token", "Unauthorized: invalid or missing API token"),
        ("has no API token: put it in the password field", "has no API token: put it in the password field"),
        ("echo: X-Api-Token: abc123 was refused", "echo: X-Api-Token: *** was refused"),
        ("X-Api-Token: abcdef\r\nHost: acme", "X-Api-Token: ***\r\nHost: acme"),
        ("access_token:abc", "access_token:***"),
        ('secret: "abc"', 'secret: "***"'),
    ],
)
def test_credential_shapes_are_masked_and_plain_words_kept(text, expected):
    assert redact(text) == expected


def test_a_registered_token_is_masked_wherever_it_appears():
    register_secret("tok-ZX81-secret")
    assert redact("project acme refused tok-ZX81-secret, sorry") == "project acme refused ***, sorry"


def test_a_value_too_short_for_airflows_masker_is_not_registered():
    register_secret("abcd")  # Airflow's masker skips secrets under 5 characters: they mask plain words
    assert redact("abcd efgh") == "abcd efgh"


def test_every_texter_error_is_redacted_however_it_is_built():
    api_error = TexterAPIError(400, "POST", "/chats/x", "echo: Authorization: Bearer s3cr3t")
    assert "s3cr3t" not in str(api_error) and "s3cr3t" not in api_error.message
    assert str(TexterTransportError("proxy said token=s3cr3t")) == "proxy said token=***"
