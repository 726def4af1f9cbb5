"""The single-chat operators tell OpenLineage which Texter project's chats they wrote, and what of them."""

from __future__ import annotations

import json

import pytest

from airflow_provider_texter.operators.texter import TexterUpdateChatOperator, TexterUpdateCrmDataOperator

SEEDED_CHAT = "5eed00000000000000000001"


def outputs(operator) -> list[tuple[str, str]]:
    lineage = operator.get_openlineage_facets_on_complete(task_instance=None)
    assert lineage.inputs == []
    return [(dataset.namespace, dataset.name) for dataset in lineage.outputs]


@pytest.mark.parametrize(
    ("operator_class", "arguments", "dataset"),
    [
        (TexterUpdateCrmDataOperator, {"data": {"plan": "pro"}}, "chats.crmData"),
        (TexterUpdateChatOperator, {"display_name": "Dana"}, "chats.properties"),
    ],
)
def test_an_update_names_the_project_and_what_it_writes(
    texter_connection, operator_class, arguments, dataset
):
    operator = operator_class(task_id="update", chat_id=SEEDED_CHAT, **arguments)
    operator.execute({})
    host = texter_connection.base_url.split("/")[2]  # 127.0.0.1:<port>
    assert outputs(operator) == [(f"texter://{host}", dataset)]


def test_a_project_id_connection_is_named_by_its_texterchat_host(monkeypatch):
    connection = {"conn_type": "texter", "host": "Acme", "password": "lineage-test-secret"}
    monkeypatch.setenv("AIRFLOW_CONN_TEXTER_DEFAULT", json.dumps(connection))
    operator = TexterUpdateCrmDataOperator(task_id="update", chat_id=SEEDED_CHAT, data={"plan": "pro"})
    assert outputs(operator) == [("texter://acme.texterchat.com", "chats.crmData")]


def test_openlineage_extractor_takes_the_facets_from_the_operator(texter_connection):
    from airflow.providers.openlineage.extractors.base import DefaultExtractor

    operator = TexterUpdateChatOperator(task_id="update", chat_id=SEEDED_CHAT, display_name="Dana")
    lineage = DefaultExtractor(operator).extract_on_complete(task_instance=None)
    assert [dataset.name for dataset in lineage.outputs] == ["chats.properties"]
