"""SqlToTexterOperator end to end: real SQL (SQLite, PostgreSQL) into the sandbox over real HTTP."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from airflow_provider_texter.compat import AirflowFailException
from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.sandbox import make_chat
from airflow_provider_texter.transfers.run_guard import TexterUnavailableError
from airflow_provider_texter.transfers.sql_to_texter import SqlToTexterOperator

CUSTOMERS = {"chat_id": "TEXT", "plan": "TEXT", "lead_id": "INTEGER", "ltv": "NUMERIC", "last_order": "DATE"}


def run(warehouse, **arguments):
    operator = SqlToTexterOperator(task_id="sync", conn_id=warehouse.conn_id, **arguments)
    return operator.execute({"run_id": "test_run"})


def seed(sandbox, count, **crm_data):
    return [
        sandbox.add_chat(make_chat(f"9725000{index:05d}", crm_data=dict(crm_data)))["_id"]
        for index in range(count)
    ]


def crm_writes(sandbox):
    return Counter(r.path.split("/")[2] for r in sandbox.requests if r.method == "POST" and r.status == 200)


def test_rows_merge_into_crm_data_with_column_map(sqlite_warehouse, texter_sandbox, hook):
    chat_ids = seed(texter_sandbox, 3, segment="old")
    rows = [
        (chat_id, "pro", 100 + i, Decimal("12.50"), date(2026, 11, 1)) for i, chat_id in enumerate(chat_ids)
    ]
    sqlite_warehouse.load("customers", CUSTOMERS, rows)
    result = run(
        sqlite_warehouse,
        sql="SELECT chat_id, plan, lead_id, ltv, last_order FROM customers ORDER BY lead_id",
        chat_id_column="chat_id",
        column_map={"lead_id": "customer.lead_id", "ltv": "customer.lifetime_value"},
    )
    assert texter_sandbox.chat(chat_ids[1])["crmData"] == {
        "segment": "old",
        "plan": "pro",
        "customer": {"lead_id": 101, "lifetime_value": 12.5},
        "last_order": "2026-11-01",
    }
    assert {k: result[k] for k in ("rows_read", "sent", "succeeded", "failed", "unmatched", "skipped")} == {
        "rows_read": 3, "sent": 3, "succeeded": 3, "failed": 0, "unmatched": 0, "skipped": 0,
    }  # fmt: skip
    assert result["requests"] == 3 and result["retries"] == 0 and result["rows_per_second"] > 0
    json.dumps(result)


def test_invalid_rows_and_missing_chats_are_counted_listed_and_kept(sqlite_warehouse, texter_sandbox, hook):
    chat_ids = seed(texter_sandbox, 6)
    unknown = "ffffffffffffffffffffffff"
    rows = [(chat_id, "pro", i, None, None) for i, chat_id in enumerate(chat_ids)]
    rows[1] = (chat_ids[1], "gold", 1, None, None)  # plan outside the data_schema
    rows[4] = (chat_ids[4], "pro", -5, None, None)  # lead_id below the minimum
    rows.append((unknown, "pro", 7, None, None))  # no such chat: 404
    rows.append((None, "pro", 8, None, None))  # no key at all
    sqlite_warehouse.load("customers", CUSTOMERS, rows)
    schema = {
        "type": "object",
        "properties": {
            "plan": {"enum": ["free", "pro", "premium"]},
            "lead_id": {"type": "integer", "minimum": 0},
        },
    }
    operator = SqlToTexterOperator(
        task_id="sync",
        conn_id="warehouse",
        sql="SELECT chat_id, plan, lead_id FROM customers ORDER BY rowid",
        chat_id_column="chat_id",
        data_schema=schema,
        max_failed_rows=10,
        rejected_rows_table="texter_rejected",
    )
    result = operator.execute({"run_id": "run_1"})
    assert (result["rows_read"], result["succeeded"], result["failed"], result["unmatched"]) == (8, 4, 4, 0)
    assert sorted(crm_writes(texter_sandbox)) == sorted(chat_ids[i] for i in (0, 2, 3, 5))
    reasons = {item["row_number"]: item["reason"] for item in result["failed_rows"]}
    assert "data.plan: 'gold' is not one of" in reasons[2]
    assert "data.lead_id: must be >= 0, got -5" in reasons[5]
    assert f"chat {unknown} not found" in reasons[7]
    assert reasons[8] == "row 8: chat_id: is empty"
    stored = sqlite_warehouse.records(
        "SELECT run_id, row_number, chat_key, status, row_json FROM texter_rejected ORDER BY row_number"
    )
    assert [(run_id, number, status) for run_id, number, _, status, _ in stored] == [
        ("run_1", 2, "failed"), ("run_1", 5, "failed"), ("run_1", 7, "failed"), ("run_1", 8, "failed"),
    ]  # fmt: skip
    assert json.loads(stored[0][4]) == {"chat_id": chat_ids[1], "plan": "gold", "lead_id": 1}
    assert stored[2][2] == f"chat_id={unknown}"


def test_too_many_failed_rows_stop_the_run_at_once(sqlite_warehouse, texter_sandbox, hook):
    chat_ids = seed(texter_sandbox, 3)
    rows = [("nope", "pro", 0, None, None)] + [(chat_id, "pro", 1, None, None) for chat_id in chat_ids]
    sqlite_warehouse.load("customers", CUSTOMERS, rows * 200)
    with pytest.raises(AirflowFailException, match=r"failed rows: 2 \(allowed: max_failed_rows=1"):
        run(sqlite_warehouse, sql="SELECT chat_id, plan FROM customers", chat_id_column="chat_id",
            max_failed_rows=1, max_workers=1)  # fmt: skip
    assert len(texter_sandbox.requests) < 10  # the other 790 rows were not attempted


def test_failed_ratio_threshold(sqlite_warehouse, texter_sandbox, hook):
    chat_ids = seed(texter_sandbox, 9)
    rows = [(chat_id, "pro", i, None, None) for i, chat_id in enumerate(chat_ids)] + [
        ("nope", "x", 9, None, None)
    ]
    sqlite_warehouse.load("customers", CUSTOMERS, rows)
    result = run(sqlite_warehouse, sql="SELECT chat_id, plan FROM customers", chat_id_column="chat_id",
                 max_failed_ratio=0.1)  # fmt: skip
    assert (result["succeeded"], result["failed"]) == (9, 1)
    with pytest.raises(AirflowFailException, match=r"failed rows: 1 of 10 \(allowed"):
        run(sqlite_warehouse, sql="SELECT chat_id, plan FROM customers", chat_id_column="chat_id",
            max_failed_ratio=0.05)  # fmt: skip


PEOPLE = {"phone": "TEXT", "plan": "TEXT"}


def test_phones_resolve_to_chats_once_per_phone(sqlite_warehouse, texter_sandbox, hook):
    dana = texter_sandbox.add_chat(make_chat("972521234567"))
    noa = texter_sandbox.add_chat(make_chat("972541112222"))
    rows = [
        ("+972 52-123-4567", "pro"),
        ("0541112222", "free"),
        ("972521234567", "premium"),
        ("+1 202 555 0100", "pro"),
    ]
    sqlite_warehouse.load("people", PEOPLE, rows)
    result = run(sqlite_warehouse, sql="SELECT phone, plan FROM people ORDER BY rowid", phone_column="phone",
                 default_country_code="972")  # fmt: skip
    assert (result["succeeded"], result["unmatched"], result["failed"]) == (3, 1, 0)
    assert result["unmatched_rows"][0]["chat_key"] == "phone=+1 202 555 0100"
    assert result["unmatched_rows"][0]["reason"] == "no chat found for phone=+1 202 555 0100"
    assert texter_sandbox.chat(dana["_id"])["crmData"] == {
        "plan": "premium"
    }  # rows of one chat keep their order
    assert texter_sandbox.chat(noa["_id"])["crmData"] == {"plan": "free"}
    searches = [r for r in texter_sandbox.requests if r.path == "/chats/search"]
    assert len(searches) == 3


@pytest.mark.parametrize(
    ("policy", "updated", "failed"),
    [("most_recent", ["new"], 0), ("all", ["new", "old"], 0), ("error", [], 1)],
)
def test_phone_with_several_chats(sqlite_warehouse, texter_sandbox, hook, policy, updated, failed):
    chats = {
        "old": texter_sandbox.add_chat(make_chat("972521234567", last_message_timestamp=1_000)),
        "new": texter_sandbox.add_chat(make_chat("972521234567", channel="instagram", account_id="ig-1",
                                                 last_message_timestamp=2_000)),
    }  # fmt: skip
    sqlite_warehouse.load("people", PEOPLE, [("972521234567", "pro")])
    result = run(sqlite_warehouse, sql="SELECT phone, plan FROM people", phone_column="phone",
                 on_multiple_chats=policy, max_failed_rows=1)  # fmt: skip
    assert (
        sorted(name for name, chat in chats.items() if texter_sandbox.chat(chat["_id"])["crmData"]) == updated
    )
    assert (result["sent"], result["failed"]) == (1 - failed, failed)  # one row, however many chats
    if failed:
        assert "matches 2 chats" in result["failed_rows"][0]["reason"]


def test_channel_filter_narrows_phone_matches(sqlite_warehouse, texter_sandbox, hook):
    texter_sandbox.add_chat(make_chat("972521234567"))
    instagram = texter_sandbox.add_chat(make_chat("972521234567", channel="instagram", account_id="ig-1"))
    sqlite_warehouse.load("people", PEOPLE, [("972521234567", "pro")])
    run(sqlite_warehouse, sql="SELECT phone, plan FROM people", phone_column="phone",
        channel_name="instagram", account_id="ig-1", on_multiple_chats="error")  # fmt: skip
    assert crm_writes(texter_sandbox) == {instagram["_id"]: 1}


def test_rate_limited_run_lands_every_row_exactly_once(sqlite_warehouse, texter_sandbox, connect):
    connect(backoff_factor=0.05, max_retries=8)
    texter_sandbox.rate_limit = 40  # well below what 16 workers send even on a loaded machine
    chat_ids = seed(texter_sandbox, 200)
    sqlite_warehouse.load(
        "customers", CUSTOMERS, [(chat_id, "pro", i, None, None) for i, chat_id in enumerate(chat_ids)]
    )
    result = run(
        sqlite_warehouse, sql="SELECT chat_id, plan FROM customers", chat_id_column="chat_id", max_workers=16
    )
    statuses = Counter(r.status for r in texter_sandbox.requests)
    assert statuses[429] > 0 and result["retries"] == statuses[429]
    assert crm_writes(texter_sandbox) == dict.fromkeys(chat_ids, 1)
    assert (result["succeeded"], result["failed"], result["requests"]) == (200, 0, 200 + statuses[429])


def test_bursts_of_5xx_are_retried_without_losing_rows(sqlite_warehouse, texter_sandbox, hook):
    chat_ids = seed(texter_sandbox, 40)
    sqlite_warehouse.load(
        "customers", CUSTOMERS, [(chat_id, "pro", i, None, None) for i, chat_id in enumerate(chat_ids)]
    )
    texter_sandbox.fail_next(6, status=503)
    result = run(
        sqlite_warehouse, sql="SELECT chat_id, plan FROM customers", chat_id_column="chat_id", max_workers=4
    )
    assert crm_writes(texter_sandbox) == dict.fromkeys(chat_ids, 1)
    assert (result["succeeded"], result["retries"]) == (40, 6)


def test_api_down_opens_the_circuit_breaker_with_a_retryable_error(sqlite_warehouse, texter_sandbox, connect):
    connect(backoff_factor=0.01, max_retries=1)
    chat_ids = seed(texter_sandbox, 500)
    sqlite_warehouse.load(
        "customers", CUSTOMERS, [(chat_id, "pro", i, None, None) for i, chat_id in enumerate(chat_ids)]
    )
    texter_sandbox.fail_next(100_000, status=503)
    with pytest.raises(TexterUnavailableError, match="failed 2 requests in a row after retries") as stopped:
        run(sqlite_warehouse, sql="SELECT chat_id, plan FROM customers", chat_id_column="chat_id",
            max_workers=2, max_failed_ratio=1.0)  # fmt: skip
    assert not isinstance(stopped.value, AirflowFailException)
    # each of the 2 workers: a row's request and its retry, the re-queue's pair in flight; then it stops
    assert len(texter_sandbox.requests) <= 2 * 2 * 2


def test_one_unlucky_row_is_requeued_instead_of_failing(sqlite_warehouse, texter_sandbox, connect):
    connect(backoff_factor=0.01, max_retries=1)
    chat_ids = seed(texter_sandbox, 3)
    sqlite_warehouse.load(
        "customers", CUSTOMERS, [(chat_id, "pro", i, None, None) for i, chat_id in enumerate(chat_ids)]
    )
    texter_sandbox.fail_next(2, status=503)  # the first row's request and its retry
    result = run(sqlite_warehouse, sql="SELECT chat_id, plan FROM customers", chat_id_column="chat_id",
                 max_workers=1)  # fmt: skip
    assert (result["succeeded"], result["failed"]) == (3, 0)
    assert len(texter_sandbox.requests) == 5


def test_dry_run_validates_and_resolves_but_writes_nothing(sqlite_warehouse, texter_sandbox, hook):
    dana = texter_sandbox.add_chat(make_chat("972521234567"))
    sqlite_warehouse.load(
        "people", PEOPLE, [("972521234567", "pro"), ("972529999999", "pro"), ("972521234567", None)]
    )
    result = run(sqlite_warehouse, sql="SELECT phone, plan FROM people ORDER BY rowid", phone_column="phone",
                 preview=True)  # fmt: skip
    assert {r.method for r in texter_sandbox.requests} == {"GET"}
    counts = [result[key] for key in ("dry_run", "sent", "succeeded", "unmatched", "skipped")]
    assert counts == [True, 0, 1, 1, 1]
    assert result["would_send"] == [
        {
            "chat_id": dana["_id"],
            "method": "POST",
            "path": f"/chats/{dana['_id']}/crm-data",
            "body": {"data": {"plan": "pro"}, "mergingMode": "merge"},
        }
    ]
    assert texter_sandbox.chat(dana["_id"])["crmData"] == {}


def test_chat_operation_sets_properties_from_columns(sqlite_warehouse, texter_sandbox, hook):
    chat_ids = seed(texter_sandbox, 2)
    sqlite_warehouse.load(
        "vip", {"chat_id": "TEXT", "display_name": "TEXT", "external_bot": "TEXT"},
        [(chat_ids[0], "  Dana   Levi ", "true"), (chat_ids[1], "Noa", "false")],
    )  # fmt: skip
    result = run(sqlite_warehouse, sql="SELECT * FROM vip", chat_id_column="chat_id", operation="chat")
    assert result["succeeded"] == 2
    assert texter_sandbox.chat(chat_ids[0])["displayName"] == "Dana Levi"
    assert texter_sandbox.chat(chat_ids[0])["externalBot"] is True
    assert texter_sandbox.chat(chat_ids[1])["externalBot"] is False


def test_bad_arguments_are_reported_together_before_the_query(sqlite_warehouse, texter_sandbox, hook):
    with pytest.raises(TexterValidationError) as error:
        run(sqlite_warehouse, sql="SELECT 1", operation="crm", chat_id_column="a", phone_column="b",
            rejected_rows_table="x; drop table y", max_failed_ratio=2, max_workers=0)  # fmt: skip
    assert error.value.problems == [
        "operation: 'crm' is not one of crm_data, chat, labels, assign, unsubscribe, resubscribe",
        "chat_id_column and phone_column: give exactly one of them",
        "max_failed_ratio: must be between 0 and 1, got 2",
        "max_workers: must be from 1 to 64, got 0",
        "rejected_rows_table: 'x; drop table y' is not a plain table or schema.table name",
    ]
    assert texter_sandbox.requests == []


def test_postgres_warehouse_streams_into_texter(postgres_warehouse, texter_sandbox, hook):
    chat_ids = seed(texter_sandbox, 250)
    rows = [(chat_id, "premium", i, Decimal("99.90"), date(2026, 1, 2)) for i, chat_id in enumerate(chat_ids)]
    postgres_warehouse.load("customers", CUSTOMERS, rows)
    result = run(
        postgres_warehouse,
        sql="SELECT chat_id, plan, lead_id, ltv, last_order FROM customers",
        chat_id_column="chat_id",
        batch_size=100,
        rejected_rows_table="rejected",
    )
    assert (result["rows_read"], result["succeeded"], result["failed"]) == (250, 250, 0)
    assert texter_sandbox.chat(chat_ids[7])["crmData"] == {
        "plan": "premium", "lead_id": 7, "ltv": 99.9, "last_order": "2026-01-02",
    }  # fmt: skip


def test_429_pauses_the_whole_pool_not_one_thread(sqlite_warehouse, texter_sandbox, hook):
    chat_ids = seed(texter_sandbox, 60)
    sqlite_warehouse.load(
        "customers", CUSTOMERS, [(chat_id, "pro", i, None, None) for i, chat_id in enumerate(chat_ids)]
    )
    texter_sandbox.latency_ms = 5
    texter_sandbox.fail_next(1, status=429, retry_after=1)
    result = run(
        sqlite_warehouse, sql="SELECT chat_id, plan FROM customers", chat_id_column="chat_id", max_workers=8
    )
    (limited,) = [r for r in texter_sandbox.requests if r.status == 429]
    during_pause = [
        r for r in texter_sandbox.requests if limited.timestamp + 0.1 < r.timestamp < limited.timestamp + 0.9
    ]
    assert during_pause == [] and result["succeeded"] == 60 and result["retries"] == 1


def test_progress_lines_show_rate_and_eta_when_counted(sqlite_warehouse, texter_sandbox, hook, capfd):
    chat_ids = seed(texter_sandbox, 5)
    sqlite_warehouse.load(
        "customers", CUSTOMERS, [(chat_id, "pro", i, None, None) for i, chat_id in enumerate(chat_ids)]
    )
    sql = "SELECT chat_id, plan FROM customers"
    run(sqlite_warehouse, sql=sql, chat_id_column="chat_id", count_rows=True, progress_every=0)
    progress = [line for line in capfd.readouterr().out.splitlines() if "Progress:" in line]
    assert progress and all("/5 rows done" in line for line in progress)
    assert any("rows/s, ETA" in line for line in progress)


def test_a_rejected_token_stops_the_run_and_fails_it_for_good(sqlite_warehouse, texter_sandbox, connect):
    connect(token="revoked-token")
    chat_ids = seed(texter_sandbox, 300)
    sqlite_warehouse.load(
        "customers", CUSTOMERS, [(chat_id, "pro", i, None, None) for i, chat_id in enumerate(chat_ids)]
    )
    with pytest.raises(AirflowFailException, match="401"):
        run(sqlite_warehouse, sql="SELECT chat_id, plan FROM customers", chat_id_column="chat_id",
            max_workers=4, max_failed_ratio=1.0)  # fmt: skip
    assert len(texter_sandbox.requests) <= 4  # the rows in flight, not 300 x 401


def test_a_row_nothing_can_read_fails_alone_naming_row_and_column(sqlite_warehouse, texter_sandbox, hook):
    chat_ids = seed(texter_sandbox, 3)
    deep = "[" * 5000 + "]" * 5000
    rows = [(chat_ids[0], '["vip"]'), (chat_ids[1], deep), (chat_ids[2], "[" * 70 + "]" * 70)]
    sqlite_warehouse.load("tagged", {"chat_id": "TEXT", "tags": "TEXT"}, rows)
    sql = "SELECT chat_id, tags FROM tagged ORDER BY rowid"
    result = run(
        sqlite_warehouse, sql=sql, chat_id_column="chat_id", json_columns=["tags"], max_failed_rows=2
    )
    assert (result["succeeded"], result["failed"]) == (1, 2)
    assert [item["reason"] for item in result["failed_rows"]] == [
        "row 2: tags: JSON nested deeper than 64 levels",
        "row 3: tags: JSON nested deeper than 64 levels",
    ]


def test_xcom_and_log_keep_a_sample_and_the_table_keeps_every_rejected_row(
    sqlite_warehouse, texter_sandbox, hook, capfd
):
    seed(texter_sandbox, 1)
    sqlite_warehouse.load("customers", CUSTOMERS, [(f"nope{i}", "pro", i, None, None) for i in range(150)])
    result = run(sqlite_warehouse, sql="SELECT chat_id, plan FROM customers", chat_id_column="chat_id",
                 max_failed_ratio=1.0, rejected_rows_table="rejected")  # fmt: skip
    assert result["failed"] == 150 and len(result["failed_rows"]) == 20
    assert len(json.dumps(result)) < 20_000
    assert sqlite_warehouse.records("SELECT COUNT(*) FROM rejected") == [(150,)]
    log = capfd.readouterr().out
    assert log.count(" failed: ") == 20
    assert "... and 130 more rejected rows: every one is in table rejected" in log


@pytest.mark.parametrize("seed", [1, 2])
def test_a_flaky_api_loses_no_row(sqlite_warehouse, texter_sandbox, connect, seed):
    connect(backoff_factor=0.001, max_retries=4)  # 1 request in 3,000 outlives them: then the re-queue
    chat_ids = [texter_sandbox.add_chat(make_chat(f"97250{index:07d}"))["_id"] for index in range(2000)]
    sqlite_warehouse.load(
        "customers", CUSTOMERS, [(chat_id, "pro", i, None, None) for i, chat_id in enumerate(chat_ids)]
    )
    texter_sandbox.fail_randomly(0.2, status=503, seed=seed)
    result = run(sqlite_warehouse, sql="SELECT chat_id, plan FROM customers", chat_id_column="chat_id",
                 max_workers=8)  # fmt: skip
    assert (result["succeeded"], result["failed"]) == (2000, 0)
    assert crm_writes(texter_sandbox) == dict.fromkeys(chat_ids, 1)


def test_retries_are_summed_up_in_progress_lines_not_logged_one_by_one(
    sqlite_warehouse, texter_sandbox, hook, capfd
):
    chat_ids = seed(texter_sandbox, 30)
    sqlite_warehouse.load(
        "customers", CUSTOMERS, [(chat_id, "pro", i, None, None) for i, chat_id in enumerate(chat_ids)]
    )
    texter_sandbox.fail_next(5, status=503)
    run(sqlite_warehouse, sql="SELECT chat_id, plan FROM customers", chat_id_column="chat_id",
        progress_every=0, max_workers=1)  # fmt: skip
    log = capfd.readouterr().out
    assert [line for line in log.splitlines() if "answered 200 after" in line and "[info" in line] == []
    retried = re.findall(r"retried since the last line: .*?503 x (\d+)", log)
    assert sum(map(int, retried)) == 5
