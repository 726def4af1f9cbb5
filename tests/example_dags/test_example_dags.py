"""The example DAGs parse cleanly and, run with ``dag.test()``, leave the sandbox as they promise."""

from __future__ import annotations

import json
import warnings
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from airflow_provider_texter.phones import parse_phone

pytest_plugins = ["conftest_airflow"]

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
DAG_IDS = (
    "texter_crm_enrichment",
    "texter_renewal_campaign",
    "texter_segment_labels",
    "texter_single_chat_update",
    "texter_vip_external_bot",
    "texter_warehouse_snapshot",
)
SCHEDULED_DAG_IDS = ("texter_crm_enrichment", "texter_segment_labels")  # they write to Texter on their own
SEEDED_CHAT = "5eed00000000000000000001"  # the texter_sandbox fixture's chat with crmData {"plan": "gold"}


@pytest.fixture
def dag_bag():
    """Parsed per test: ``dag.test()`` renders templates into the task objects, which a later test
    would see (``full_refresh`` rendered to ``"True"`` stays ``"True"``)."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(EXAMPLE_DAGS)


@pytest.fixture
def run(run_dag, dag_bag):
    """``run(dag_id, **params)``: one run of an example DAG as parsed from its file; it must succeed."""

    def run(dag_id: str, **params):
        dag_run = run_dag(dag_bag.dags[dag_id], run_conf=params or None)
        assert dag_run.state == "success"
        return dag_run

    return run


def test_example_dags_parse_without_errors_or_warnings():
    from airflow.dag_processing.dagbag import DagBag

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bag = DagBag(EXAMPLE_DAGS)
    assert bag.import_errors == {}
    assert bag.captured_warnings == {}
    assert [str(warning.message) for warning in caught] == []
    assert sorted(bag.dags) == list(DAG_IDS)


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_example_dag_is_documented_tagged_and_retried(dag_bag, dag_id):
    dag = dag_bag.dags[dag_id]
    assert dag.tags == {"texter"}
    assert "**Connection" in dag.doc_md
    assert dag.catchup is False
    assert all(task.retries >= 1 for task in dag.tasks)


@pytest.mark.parametrize("dag_id", SCHEDULED_DAG_IDS)
def test_a_scheduled_example_dag_starts_paused_and_unpausing_it_writes_nothing_at_once(dag_bag, dag_id):
    from airflow.timetables.base import TimeRestriction

    dag = dag_bag.dags[dag_id]
    assert dag.is_paused_upon_creation is True
    # What the scheduler asks the timetable once the DAG is unpaused, before it has any run.
    restriction = TimeRestriction(earliest=dag.start_date, latest=dag.end_date, catchup=dag.catchup)
    first = dag.timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert first.run_after > datetime.now(timezone.utc)


def expected_crm_data(row: tuple, before: dict) -> dict:
    """The chat's crmData after the enrichment DAG assigned a customer row: its keys replaced whole."""
    _, _, _, _, plan, tags, lifetime_value, lead_id, last_order_date = row
    facts = {"lifetime_value": lifetime_value, "lead_id": lead_id, "last_order_date": last_order_date}
    customer = {key: value for key, value in facts.items() if value is not None}
    return {**before, "plan": plan, "tags": json.loads(tags), "customer": customer}


@pytest.mark.parametrize("customers", ["sqlite_customers", "postgres_customers"])
def test_crm_enrichment_assigns_every_valid_customer_to_its_chat(
    request, customers, run, texter_connection, sample_chats
):
    rows = request.getfixturevalue(customers)
    run("texter_crm_enrichment")

    before = {chat["_id"]: chat["crmData"] for chat in sample_chats}
    chat_by_contact = {chat["channelInfo"]["id"]: chat["_id"] for chat in sample_chats}
    expected = dict(before)
    for row in rows:
        chat_id = row[2] or chat_by_contact.get(parse_phone(row[3], default_region="IL").digits)
        if chat_id and row[4] != "gold":
            expected[chat_id] = expected_crm_data(row, before[chat_id])
    after = {
        chat_id: chat["crmData"] for chat_id, chat in texter_connection.chats.items() if chat_id in before
    }
    assert after == expected
    assert not any("coupon" in crm_data.get("customer", {}) for crm_data in after.values())  # older sync's
    assert sum(after[chat_id] != before[chat_id] for chat_id in before) == len(rows) - 3

    from airflow.sdk import BaseHook

    warehouse = BaseHook.get_connection("warehouse").get_hook()
    rejected = sorted(warehouse.get_records("SELECT status, chat_key FROM texter_rejected_rows"))
    gold = next(row for row in rows if row[4] == "gold")
    assert [tuple(record) for record in rejected] == [
        ("failed", f"chat_id={gold[2]}"),
        ("unmatched", "phone=+972 53-000-0001"),
        ("unmatched", "phone=053-000-0002"),
    ]
    assert {recorded.status for recorded in texter_connection.requests} == {200}

    texter_connection.clear_requests()
    run("texter_crm_enrichment")  # the next night, nothing changed: only the two unmatched phones are retried
    assert [recorded.path for recorded in texter_connection.requests] == ["/chats/search"] * 2
    texter_connection.clear_requests()
    run("texter_crm_enrichment", full_refresh=True)
    writes = [recorded for recorded in texter_connection.requests if recorded.method == "POST"]
    assert len(writes) == len(rows) - 3


def test_vip_external_bot_hands_the_top_premium_chats_to_the_bot(run, texter_connection, sqlite_customers):
    dag_run = run("texter_vip_external_bot", min_lifetime_value=10000, max_chats=3)

    premium = [row for row in sqlite_customers if row[2] and row[4] == "premium" and row[6] >= 10000]
    top = sorted(premium, key=lambda row: row[6], reverse=True)[:3]
    assert len(premium) > len(top) == 3
    chats = texter_connection.chats.values()
    assert {chat["_id"]: chat.get("displayName") for chat in chats if chat["externalBot"]} == {
        row[2]: row[1] for row in top
    }
    assert sum("displayName" in chat for chat in chats) == 3
    mapped = [ti for ti in dag_run.get_task_instances() if ti.task_id == "switch_on_external_bot"]
    assert sorted(ti.rendered_map_index for ti in mapped) == sorted(row[1] for row in top)  # UI labels


def segment_chats(customers: list[tuple]) -> set[str]:
    return {row[2] for row in customers if row[2] and row[4] == "premium"}


def test_segment_labels_follow_the_premium_segment_and_owners_are_sent_once(
    run, texter_connection, sqlite_customers, sample_warehouse
):
    from airflow.sdk import BaseHook

    label = "premium-customer"  # the id create_missing_labels gives "Premium customer"
    run("texter_segment_labels")
    chats = texter_connection.chats
    assert {chat_id for chat_id, chat in chats.items() if label in chat["labels"]} == segment_chats(
        sqlite_customers
    )
    owners = {row[0]: row[1:] for row in sample_warehouse.account_managers(sqlite_customers)}
    agents = {agent.email: agent.display_name for agent in texter_connection.agents}
    for customer_id, _, chat_id, *_ in sqlite_customers:
        if chat_id and customer_id in owners:
            agent_email, department_id = owners[customer_id]
            assert (chats[chat_id]["agent"] or {}).get("displayName") == agents.get(agent_email)
            assert chats[chat_id]["departmentId"] == department_id

    warehouse = BaseHook.get_connection("warehouse").get_hook()
    premium = sorted(segment_chats(sqlite_customers))
    joining = next(row[2] for row in sqlite_customers if row[2] and row[4] == "pro")
    warehouse.run(f"UPDATE customers SET plan = 'pro' WHERE chat_id IN ('{premium[0]}', '{premium[1]}')")
    warehouse.run(f"UPDATE customers SET plan = 'premium' WHERE chat_id = '{joining}'")
    other_labels = {chat_id: set(chat["labels"]) - {label} for chat_id, chat in chats.items()}
    texter_connection.clear_requests()
    run("texter_segment_labels")

    chats = texter_connection.chats
    assert {chat_id for chat_id, chat in chats.items() if label in chat["labels"]} == (
        set(premium[2:]) | {joining}
    )
    assert {chat_id: set(chat["labels"]) - {label} for chat_id, chat in chats.items()} == other_labels
    assert sorted((r.method, r.path, json.dumps(r.body)) for r in texter_connection.requests) == sorted(
        [("GET", "/labels", "null")]
        + [("POST", f"/chats/{chat_id}/labels", json.dumps({"remove": [label]})) for chat_id in premium[:2]]
        + [("POST", f"/chats/{joining}/labels", json.dumps({"add": [label]}))]
    )  # owners did not change: no Assign Chat


def test_single_chat_update_writes_the_params_into_one_chat(run, texter_connection):
    data = {"plan": "premium", "customer": {"lead_id": 7}}
    # "2024" would become a number if the whole DAG rendered natively: only the CRM data task does.
    run("texter_single_chat_update", chat_id=SEEDED_CHAT, data=data, display_name="2024")

    chat = texter_connection.chat(SEEDED_CHAT)
    assert chat["crmData"] == {"plan": "premium", "customer": {"lead_id": 7}}
    assert chat["displayName"] == "2024"
    assert [(recorded.method, recorded.body) for recorded in texter_connection.requests] == [
        ("POST", {"data": data, "mergingMode": "merge"}),
        ("PATCH", {"displayName": "2024"}),
    ]


def test_single_chat_update_triggered_with_its_defaults_asks_for_a_chat_id(
    run_dag, dag_bag, texter_connection
):
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError, match="chat_id"):
        run_dag(dag_bag.dags["texter_single_chat_update"])
    assert texter_connection.requests == []


def test_renewal_campaign_messages_each_consenting_customer_once_then_reports_delivery(
    run_dag, dag_bag, texter_connection, sqlite_customers, sample_warehouse, monkeypatch
):
    from airflow.sdk import BaseHook

    from airflow_provider_texter.transfers import quiet_hours

    monkeypatch.setattr(quiet_hours, "utc_now", lambda: datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc))
    texter_connection.set_delivery_delays(0, 0)  # every message is Seen at once
    dag = dag_bag.dags["texter_renewal_campaign"]
    renewals = {row[0]: row for row in sample_warehouse.subscriptions(sqlite_customers)}
    first_day, second_day = date(2026, 12, 1), date(2026, 12, 2)

    def due(day: date) -> set[str]:
        renewal = (day + timedelta(days=7)).isoformat()
        return {parse_phone(row[2], default_region="IL").e164 for row in renewals.values()
                if row[3] == renewal and row[4]}  # fmt: skip

    for day in (first_day, second_day, second_day):  # the second day twice: a re-run sends nothing
        dag_run = run_dag(dag, logical_date=datetime.combine(day, time(7, 30), timezone.utc))
        assert dag_run.state == "success"

    sends = [request.body["to"] for request in texter_connection.requests if request.method == "POST"]
    assert sorted(sends) == sorted(due(first_day) | due(second_day)) and due(first_day)
    warehouse = BaseHook.get_connection("warehouse").get_hook()
    ledger = warehouse.get_records(
        "SELECT campaign_id, phone, status, delivery_status FROM texter_campaign_ledger ORDER BY 1, 2"
    )
    assert [tuple(row) for row in ledger] == sorted(
        [("renewal-2026-12-01", phone, "sent", "Seen") for phone in due(first_day)]
        + [("renewal-2026-12-02", phone, "sent", None) for phone in due(second_day)]
    )
