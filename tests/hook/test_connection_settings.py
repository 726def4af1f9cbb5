"""The connection fields become settings, and every bad value gets an error naming the connection."""

from __future__ import annotations

import pytest

from airflow_provider_texter.connection_settings import settings_from_connection
from airflow_provider_texter.exceptions import TexterConfigError


def settings(host="acme", password="secret-token", extra=None):
    return settings_from_connection("texter_prod", host, password, extra or {})


def test_project_id_becomes_texterchat_url():
    assert settings("Acme").base_url == "https://acme.texterchat.com/server/api/v2"


def test_https_base_url_is_used_as_given():
    assert settings("https://acme.texterchat.com/server/api/v2/").base_url == (
        "https://acme.texterchat.com/server/api/v2"
    )


def test_base_url_without_path_gets_the_api_path():
    assert settings("http://127.0.0.1:8765").base_url == "http://127.0.0.1:8765/server/api/v2"


@pytest.mark.parametrize("host", ["http://localhost:1/api", "http://127.0.0.2/api", "http://[::1]:80/api"])
def test_plain_http_is_accepted_for_loopback(host):
    assert settings(host).base_url == host


def test_plain_http_to_a_remote_host_is_refused():
    with pytest.raises(TexterConfigError, match=r"'texter_prod': plain http is only allowed for loopback"):
        settings("http://acme.texterchat.com/server/api/v2")


@pytest.mark.parametrize("host", ["acme corp", "acme.texterchat.com", "-acme", "ftp://acme.com"])
def test_host_that_is_neither_project_id_nor_url_is_refused(host):
    with pytest.raises(TexterConfigError, match="'texter_prod'"):
        settings(host)


def test_missing_host_explains_both_forms():
    with pytest.raises(TexterConfigError, match=r"has no host: set it to your Texter project id"):
        settings(host=None)


@pytest.mark.parametrize("password", [None, "", "   "])
def test_missing_token_names_the_connection(password):
    with pytest.raises(TexterConfigError, match=r"connection 'texter_prod' has no API token"):
        settings(password=password)


def test_credentials_in_the_url_are_refused():
    with pytest.raises(TexterConfigError, match="must not carry credentials"):
        settings("https://user:pw@acme.texterchat.com/server/api/v2")


def test_extras_are_read_and_defaulted():
    configured = settings(extra={"timeout": "5", "max_retries": 2, "max_requests_per_second": 40})
    assert (configured.timeout, configured.max_retries, configured.max_requests_per_second) == (5.0, 2, 40.0)
    default = settings()
    assert (default.timeout, default.max_retries, default.backoff_factor) == (30.0, 5, 0.5)
    assert default.max_requests_per_second is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"timeout": 0}, "'timeout' must be a number >= 0.001, got 0"),
        ({"max_retries": 1.5}, "'max_retries' must be an integer >= 0, got 1.5"),
        ({"max_retries": True}, "'max_retries' must be an integer >= 0, got True"),
        ({"backoff_factor": "fast"}, "'backoff_factor' must be a number >= 0, got 'fast'"),
        ({"max_requests_per_second": -3}, "'max_requests_per_second' must be a number >= 0.001, got -3"),
    ],
)
def test_bad_extra_values_are_refused_with_the_key(extra, message):
    with pytest.raises(TexterConfigError) as error:
        settings(extra=extra)
    assert str(error.value) == f"connection 'texter_prod': extra {message}"


def test_unknown_extras_are_reported_not_fatal():
    assert settings(extra={"max_request_per_second": 5}).unknown_extras == ("max_request_per_second",)


def test_token_is_not_in_repr():
    assert "secret-token" not in repr(settings())
