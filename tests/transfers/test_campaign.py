"""SqlToTexterCampaignOperator: each outcome, the ledger across re-runs, consent and opt-outs, caps, quiet
hours and preview. Real SQL (SQLite and PostgreSQL) and real HTTP against the sandbox."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from transfers.campaign_helpers import (
    CUSTOMERS,
    LEDGER,
    NOON_IN_ISRAEL,
    SQL,
    campaign,
    customers,
    ledger,
    send_requests,
    template_messages,
)

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.transfers.campaign import SqlToTexterCampaignOperator
from airflow_provider_texter.transfers.campaign_run import CampaignCapError, CampaignIncompleteError

DANA, NOA, OMER, ROTEM = "+972521000001", "+972521000002", "+972521000003", "+972521000004"


@pytest.fixture(params=["sqlite_warehouse", "postgres_warehouse"])
def warehouse(request, texter_sandbox, hook):
    """Each warehouse the campaign tests run on, the sandbox behind ``texter_default``."""
    return request.getfixturevalue(request.param)


def load(warehouse, rows):
    warehouse.load("customers", CUSTOMERS, rows)


def test_each_contact_gets_one_message_and_the_ledger_holds_every_outcome(warehouse, texter_sandbox):
    texter_sandbox.unsubscribe(OMER)
    load(warehouse, [
        ("052-100-0001", "Dana", "2026-12-08", 1),
        ("+972 52-100-0001", "Dana again", "2026-12-08", 1),   # the same phone: sent once
        ("052-100-0002", "Noa", "2026-12-08", 0),             # no consent
        ("052-100-0003", "Omer", "2026-12-08", 1),            # opted out in Texter
        ("052-100-0004", "Rotem\nLevi", "2026-12-08", 1),     # WhatsApp refuses the value
        ("not a phone", "Yael", "2026-12-08", 1),
    ])  # fmt: skip

    result = campaign(warehouse)

    assert template_messages(texter_sandbox) == {DANA: 1}
    assert {key: value for key, value in result.items() if value and key != "campaign_id"} == {
        "rows_read": 6, "sent": 1, "duplicate": 1, "no_consent": 1, "opted_out": 1, "rejected": 2,
    }  # fmt: skip
    rows = ledger(warehouse)
    assert set(rows) == {DANA, ROTEM}  # excluded rows are counted, not kept; a bad phone has no key
    assert rows[DANA][0] == "sent" and len(rows[DANA][1]) == 24
    assert rows[ROTEM] == (
        "rejected",
        None,
        "column first_name: holds a line break, a tab or 5 or more spaces in a row",
    )
    (send,) = send_requests(texter_sandbox)
    assert send.body == {"templateName": "renewal_reminder", "to": DANA, "language": "en",
                         "body": ["Dana", "2026-12-08"]}  # fmt: skip


def test_a_rerun_sends_only_what_is_not_sent_yet(warehouse, texter_sandbox):
    load(warehouse, customers(3) + [("052-100-0004", "Rotem\tLevi", "2026-12-08", 1)])
    first = campaign(warehouse)
    warehouse.hook.run("UPDATE customers SET first_name = 'Rotem' WHERE phone = '052-100-0004'")
    warehouse.hook.insert_rows("customers", customers(1, start=5), target_fields=list(CUSTOMERS))
    texter_sandbox.clear_requests()

    second = campaign(warehouse, "run_2")
    third = campaign(warehouse, "run_3")

    assert (first["sent"], first["rejected"]) == (3, 1)
    assert (second["sent"], second["already_sent"]) == (2, 3)  # the fixed row and the new customer
    assert (third["sent"], third["already_sent"]) == (0, 5)
    assert len(send_requests(texter_sandbox)) == 2
    assert set(template_messages(texter_sandbox).values()) == {1}
    assert {status for status, _, _ in ledger(warehouse).values()} == {"sent"}


def test_another_campaign_id_messages_the_same_contacts_again(warehouse, texter_sandbox):
    load(warehouse, customers(2))
    campaign(warehouse)
    assert campaign(warehouse, campaign_id="renewal-2026-12-02")["sent"] == 2
    assert set(template_messages(texter_sandbox).values()) == {2}


def test_texters_success_false_is_unsubscribed_and_never_sent_again(warehouse, texter_sandbox):
    load(warehouse, customers(2))
    texter_sandbox.unsubscribe("+972521000000")  # the opt-out list is not read: Texter refuses the send
    result = campaign(warehouse, exclude_unsubscribed=False)
    assert (result["sent"], result["unsubscribed"]) == (1, 1)
    assert ledger(warehouse)["+972521000000"][0] == "unsubscribed"
    texter_sandbox.clear_requests()
    assert campaign(warehouse, "run_2", exclude_unsubscribed=False)["already_unsubscribed"] == 1
    assert send_requests(texter_sandbox) == []


def test_a_4xx_is_rejected_and_a_refusal_after_retries_is_not_sent_then_both_go_again(
    warehouse, texter_sandbox
):
    load(warehouse, customers(3))
    texter_sandbox.fail_next(1, 400, path="/whatsapp/templates/send")
    texter_sandbox.fail_next(6, 429, path="/whatsapp/templates/send")  # the first try and 5 retries
    with pytest.raises(CampaignIncompleteError, match="1 messages were not sent"):
        campaign(warehouse, max_workers=1)
    statuses = [status for _, (status, _, _) in sorted(ledger(warehouse).items())]
    assert statuses == ["rejected", "not_sent", "sent"]
    assert sum(template_messages(texter_sandbox).values()) == 1
    assert campaign(warehouse, "run_2")["sent"] == 2
    assert set(template_messages(texter_sandbox).values()) == {1}


def test_the_cap_fails_before_any_send_naming_both_numbers(warehouse, texter_sandbox):
    load(warehouse, customers(3) + [("052-100-0009", "No", "2026-12-08", 0)])
    with pytest.raises(
        CampaignCapError, match="would send 3 messages .* more than max_messages=2: nothing was sent"
    ):
        campaign(warehouse, max_messages=2)
    assert send_requests(texter_sandbox) == [] and warehouse.records(f"SELECT * FROM {LEDGER}") == []


def test_the_frequency_cap_counts_messages_of_other_campaigns_in_the_window(warehouse, texter_sandbox):
    load(warehouse, customers(3))
    campaign(warehouse, sql="SELECT phone FROM customers WHERE first_name <> 'Customer2'",
             campaign_id="welcome-1",
             template_name="welcome", language=None, body_columns=[], consent_column=None)  # fmt: skip
    result = campaign(warehouse, frequency_cap=1, frequency_window_days=7)
    assert (result["capped"], result["sent"]) == (2, 1)
    assert campaign(warehouse, campaign_id="renewal-2", frequency_cap=2, frequency_window_days=7)["sent"] == 3


def test_quiet_hours_defer_by_the_recipients_time_zone_with_a_fixed_clock(warehouse, texter_sandbox):
    load(warehouse, customers(2) + [("+1 201-555-0123", "Jersey", "2026-12-08", 1)])
    late_in_israel = datetime(2026, 12, 1, 20, 30, tzinfo=timezone.utc)  # 22:30 there, 15:30 in New Jersey
    first = campaign(warehouse, quiet_hours=("21:00", "09:00"), clock=lambda: late_in_israel)
    assert (first["sent"], first["deferred"]) == (1, 2)
    assert set(template_messages(texter_sandbox)) == {"+12015550123"}
    assert {status for status, _, _ in ledger(warehouse).values()} == {"sent", "deferred"}

    morning_in_israel = datetime(2026, 12, 2, 7, 30, tzinfo=timezone.utc)  # 09:30 there
    second = campaign(warehouse, "run_2", quiet_hours=("21:00", "09:00"), clock=lambda: morning_in_israel)
    assert (second["sent"], second["deferred"], second["already_sent"]) == (2, 0, 1)
    assert set(template_messages(texter_sandbox).values()) == {1}


def test_a_number_with_several_zones_counts_where_it_is_latest(sqlite_warehouse, texter_sandbox, hook):
    load(sqlite_warehouse, [("+61 412 345 678", "Mate", "2026-12-08", 1)])  # a mobile: every Australian zone
    evening_in_perth = datetime(2026, 12, 2, 10, 30, tzinfo=timezone.utc)  # 18:30 there, 21:30 in Sydney
    result = campaign(sqlite_warehouse, quiet_hours=("21:00", "09:00"), clock=lambda: evening_in_perth)
    assert (result["deferred"], result["sent"]) == (1, 0)


def test_canary_sends_the_first_ones_and_leaves_the_rest(warehouse, texter_sandbox):
    load(warehouse, customers(5))
    first = campaign(warehouse, canary=2)
    assert (first["sent"], first["held_by_canary"]) == (2, 3)
    assert campaign(warehouse, "run_2")["sent"] == 3
    assert len(template_messages(texter_sandbox)) == 5


def test_preview_counts_and_renders_with_masked_phones_and_writes_nothing(warehouse, texter_sandbox):
    load(warehouse, customers(25) + [("052-100-0099", "No", "2026-12-08", 0)])
    result = campaign(warehouse, preview=True, max_messages=10)
    assert (result["would_send"], result["no_consent"], result["sent"]) == (25, 1, 0)
    assert len(result["messages"]) == 20
    assert result["messages"][0] == {
        "row_number": 1, "phone": "+********0000",
        "text": "Hi Customer0, your plan renews on 2026-12-08. Reply here with any question.",
    }  # fmt: skip
    assert [request.method for request in texter_sandbox.requests] == ["GET", "GET"]  # templates, opt-outs
    with pytest.raises(Exception):  # noqa: B017 - no ledger table, whichever error the driver raises
        warehouse.records(f"SELECT * FROM {LEDGER}")


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"template_name": "no_such_template"}, "template_name: no template is named 'no_such_template'"),
        ({"template_name": "order_shipped", "language": "he", "body_columns": ["first_name"]},
         "template 'order_shipped' (he) is PENDING: only an APPROVED localization can be sent"),
        ({"body_columns": ["first_name"]},
         "body_columns: template 'renewal_reminder' (en) takes 2 values, and body_columns names 1 "
         "(first_name)"),
        ({"language": "fr"},
         "language: template 'renewal_reminder' has no 'fr' localization (it has he, en)"),
    ],
)  # fmt: skip
def test_preflight_fails_before_any_send_naming_the_reason(
    sqlite_warehouse, texter_sandbox, hook, arguments, problem
):
    load(sqlite_warehouse, customers(2))
    with pytest.raises(TexterValidationError) as refused:
        campaign(sqlite_warehouse, **arguments)
    assert any(found.startswith(problem) for found in refused.value.problems)
    assert send_requests(texter_sandbox) == []


def test_arguments_are_checked_at_once(sqlite_warehouse, texter_sandbox, hook):
    with pytest.raises(TexterValidationError) as refused:
        campaign(sqlite_warehouse, max_messages=None, frequency_cap=1, quiet_hours=("25:00", "09:00"),
                 ledger_table="ledger; DROP TABLE x", canary=0)  # fmt: skip
    assert refused.value.problems == [
        "max_messages: must be an integer >= 0, got None",
        "canary: must be an integer >= 1 or None, got 0",
        "frequency_cap and frequency_window_days: give both or neither",
        "ledger_table: 'ledger; DROP TABLE x' is not a plain table or schema.table name",
        "quiet_hours: ('25:00', '09:00') must be two different 'HH:MM' times (24-hour clock)",
    ]
    assert texter_sandbox.requests == []


def test_logs_and_xcom_hold_no_phone_and_no_message_text(sqlite_warehouse, texter_sandbox, hook, capfd):
    load(sqlite_warehouse, customers(3) + [("052-100-0007", "Bad\nName", "2026-12-08", 1)])
    result = campaign(sqlite_warehouse)
    log = capfd.readouterr().out
    text = log + repr(result)
    assert "Customer" not in text and "renews on" not in text
    assert not [
        line for line in text.splitlines() if any(d in line for d in ("1000000", "1000001", "1000007"))
    ]
    assert "Row 1 (phone +********0007) rejected: column first_name" in log  # "Bad" sorts first
    assert "3 sent, 1 rejected" in log


def test_lineage_inputs_are_the_query_tables_and_the_output_is_the_template(
    postgres_warehouse, texter_sandbox, hook
):

    load(postgres_warehouse, customers(2))
    operator = SqlToTexterCampaignOperator(
        task_id="renewal_reminder", conn_id=postgres_warehouse.conn_id, sql=SQL, phone_column="phone",
        default_region="IL", campaign_id="renewal", template_name="renewal_reminder", language="en",
        body_columns=["first_name", "renewal_date"], ledger_table=LEDGER, max_messages=10,
        clock=lambda: NOON_IN_ISRAEL,
    )  # fmt: skip
    operator.execute({"run_id": "lineage"})
    lineage = operator.get_openlineage_facets_on_complete(task_instance=None)

    (source,) = lineage.inputs
    assert source.name.endswith(".customers")
    (output,) = lineage.outputs
    host = texter_sandbox.base_url.split("/")[2]
    assert (output.namespace, output.name) == (f"texter://{host}", "whatsapp.templates.renewal_reminder")
    assert output.outputFacets["outputStatistics"].rowCount == 2


def test_the_ledger_works_on_mariadb_too(mariadb_warehouse, texter_sandbox, hook):
    load(mariadb_warehouse, customers(3) + [("052-100-0009", "Bad\tName", "2026-12-08", 1)])
    first = campaign(mariadb_warehouse, quiet_hours=("21:00", "09:00"))
    second = campaign(mariadb_warehouse, "run_2", frequency_cap=5, frequency_window_days=7)
    assert (first["sent"], first["rejected"], second["sent"], second["already_sent"]) == (3, 1, 0, 3)
    assert set(template_messages(texter_sandbox).values()) == {1}
