"""Airflow finds the installed provider: `airflow providers` lists it and the `texter` connection type."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import metadata
from pathlib import Path

import pytest

from airflow_provider_texter import __version__, get_provider_info
from airflow_provider_texter.hooks.texter import TexterHook

AIRFLOW = Path(sys.executable).with_name("airflow")


def airflow_cli(tmp_path, *arguments) -> list[dict]:
    environment = dict(os.environ, AIRFLOW_HOME=str(tmp_path), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    completed = subprocess.run(
        [str(AIRFLOW), *arguments, "--output", "json"],
        capture_output=True, text=True, env=environment, timeout=180, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    (table,) = [line for line in completed.stdout.splitlines() if line.startswith("[{")]
    return json.loads(table)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("airflow_home")


def test_providers_list_shows_the_package(home):
    providers = {row["package_name"]: row for row in airflow_cli(home, "providers", "list")}
    assert providers["airflow-provider-texter"]["version"] == __version__


def test_texter_connection_type_is_registered_with_its_hook(home):
    hooks = {row["connection_type"]: row for row in airflow_cli(home, "providers", "hooks")}
    assert hooks["texter"]["class"] == "airflow_provider_texter.hooks.texter.TexterHook"
    assert hooks["texter"]["package_name"] == "airflow-provider-texter"
    assert hooks["texter"]["conn_id_attribute_name"] == "texter_conn_id"


def test_connection_form_labels_match_between_provider_info_and_hook():
    (connection_type,) = get_provider_info()["connection-types"]
    behaviour = connection_type["ui-field-behaviour"]
    assert behaviour["relabeling"] == {"host": "Project ID or base URL", "password": "API token"}
    assert TexterHook.get_ui_field_behaviour() == {
        "hidden_fields": behaviour["hidden-fields"],
        "relabeling": behaviour["relabeling"],
        "placeholders": behaviour["placeholders"],
    }


def test_provider_page_links_to_the_documentation():
    from airflow.providers_manager import ProvidersManager

    provider = ProvidersManager().providers["airflow-provider-texter"]
    assert (
        provider.data["documentation-url"]
        == "https://github.com/texter-airflow/airflow-provider-texter#readme"
    )


def test_the_package_carries_the_keyword_every_airflow_provider_has():
    (keywords,) = metadata("airflow-provider-texter").get_all("Keywords")
    assert "airflow-provider" in keywords.split(",")
