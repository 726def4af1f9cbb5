"""The warehouse snapshot example DAG: chats and opt-outs land as tables, and its query finds the premium
customers whose chat lacks the segment label."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

pytest_plugins = ["conftest_airflow"]

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"


@pytest.mark.parametrize("customers", ["sqlite_customers", "postgres_customers"])
def test_snapshot_then_the_premium_chats_without_their_label(request, customers, run_dag, texter_connection):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import BaseHook

    rows = request.getfixturevalue(customers)
    premium = [
        (customer_id, chat_id)
        for customer_id, _, chat_id, _, plan, *_ in rows
        if chat_id and plan == "premium"
    ]
    labelled, unlabelled = premium[0], premium[1:]
    texter_connection.add_label("premium-customer", "Premium customer")
    texter_connection.add_chat({**texter_connection.chat(labelled[1]), "labels": ["premium-customer"]})
    opted_out_chat = texter_connection.chat(unlabelled[0][1])
    texter_connection.unsubscribe(opted_out_chat["channelInfo"]["id"])

    dag = DagBag(EXAMPLE_DAGS).dags["texter_warehouse_snapshot"]
    assert run_dag(dag).state == "success"

    warehouse = BaseHook.get_connection("warehouse").get_hook()
    assert warehouse.get_records("SELECT COUNT(*) FROM texter_chats") == [(len(texter_connection.chats),)]
    assert [tuple(row) for row in warehouse.get_records("SELECT phone FROM texter_unsubscribed")] == [
        ("+" + opted_out_chat["channelInfo"]["id"],)
    ]
    module = importlib.import_module("texter_warehouse_snapshot")
    found = [
        (customer_id, chat_id, bool(opted_out))
        for customer_id, chat_id, opted_out in warehouse.get_records(module.PREMIUM_WITHOUT_LABEL)
    ]
    assert found == [
        (customer_id, chat_id, chat_id == unlabelled[0][1]) for customer_id, chat_id in unlabelled
    ]
