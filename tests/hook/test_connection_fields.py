"""Each connection extra is described once, and every view agrees: the forms, the parsing, the defaults."""

from __future__ import annotations

import pytest

from airflow_provider_texter import get_provider_info
from airflow_provider_texter.actions import ACTIONS
from airflow_provider_texter.connection_fields import CONNECTION_EXTRAS
from airflow_provider_texter.connection_settings import settings_from_connection
from airflow_provider_texter.exceptions import TexterConfigError
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.retry_policy import RetryPolicy

NUMBER_NAMES = ["timeout", "max_retries", "backoff_factor", "max_retry_wait", "max_requests_per_second"]
EXTRA_NAMES = [*NUMBER_NAMES, "rate_limit_conn_id"]
NUMBERS = [extra for extra in CONNECTION_EXTRAS if extra.minimum is not None]


def settings(**extra):
    return settings_from_connection("texter_prod", "acme", "token", extra)


@pytest.fixture(scope="module")
def conn_fields() -> dict:
    (connection_type,) = get_provider_info()["connection-types"]
    return connection_type["conn-fields"]


def test_every_extra_the_settings_read_is_in_both_forms(conn_fields):
    assert list(conn_fields) == EXTRA_NAMES
    assert list(TexterHook.get_connection_form_widgets()) == EXTRA_NAMES
    assert (
        settings(**dict.fromkeys(EXTRA_NAMES[:-1], 1), rate_limit_conn_id="redis_default").unknown_extras
        == ()
    )


@pytest.mark.parametrize("extra", CONNECTION_EXTRAS, ids=lambda extra: extra.name)
def test_both_forms_show_the_same_label_help_and_default(conn_fields, extra):
    widget = TexterHook.get_connection_form_widgets()[extra.name]
    field = conn_fields[extra.name]
    assert widget.args[0] == field["label"] == extra.label
    assert widget.kwargs["description"] == field["description"] == extra.help != ""
    assert field["schema"].get("default") == extra.default
    text_default = None if extra.default is None else str(extra.default)  # decimals are text fields
    assert widget.kwargs["default"] == (extra.default if extra.kind == "integer" else text_default)


@pytest.mark.parametrize("extra", CONNECTION_EXTRAS, ids=lambda extra: extra.name)
def test_an_unset_extra_takes_the_default_the_forms_show(conn_fields, extra):
    assert getattr(settings(), extra.name) == conn_fields[extra.name]["schema"].get("default")


@pytest.mark.parametrize("extra", NUMBERS, ids=lambda extra: extra.name)
def test_parsing_enforces_the_minimum_the_form_declares(conn_fields, extra):
    minimum = conn_fields[extra.name]["schema"]["minimum"]
    assert getattr(settings(**{extra.name: minimum}), extra.name) == minimum
    with pytest.raises(TexterConfigError, match=f"'{extra.name}' must be"):
        settings(**{extra.name: minimum - 1})


def test_old_form_keeps_whole_numbers_as_integer_fields_and_decimals_as_text():
    from wtforms import IntegerField, StringField

    kinds = {name: widget.field_class for name, widget in TexterHook.get_connection_form_widgets().items()}
    assert kinds == {name: IntegerField if name == "max_retries" else StringField for name in EXTRA_NAMES}


def test_a_store_connection_id_is_text_without_its_blanks():
    assert settings(rate_limit_conn_id=" redis_default ").rate_limit_conn_id == "redis_default"
    with pytest.raises(TexterConfigError, match="'rate_limit_conn_id' must be a connection id"):
        settings(rate_limit_conn_id=5)


def test_retry_policy_defaults_are_the_connection_defaults():
    defaults = settings()
    policy = RetryPolicy()
    assert (policy.max_retries, policy.backoff_factor, policy.max_retry_wait) == (
        defaults.max_retries, defaults.backoff_factor, defaults.max_retry_wait,
    )  # fmt: skip


def test_airflow_reads_the_conn_fields_with_their_help_text():
    from airflow.providers_manager import ProvidersManager

    widgets = ProvidersManager().connection_form_widgets
    timeout = widgets["extra__texter__timeout"].field
    assert timeout["schema"]["title"] == "Request timeout (seconds)"
    assert timeout["description"].startswith("Seconds to wait for each answer")
    assert timeout["value"] == 30.0
    assert {name for name in widgets if name.startswith("extra__texter__")} == {
        f"extra__texter__{name}" for name in EXTRA_NAMES
    }


def test_the_token_field_names_every_scope_an_endpoint_needs():
    (connection_type,) = get_provider_info()["connection-types"]
    token_help = connection_type["ui-field-behaviour"]["placeholders"]["password"]
    assert token_help == TexterHook.get_ui_field_behaviour()["placeholders"]["password"]
    for scope in {action.endpoint.scope for action in ACTIONS if action.endpoint.scope}:
        assert scope in token_help
