"""The two operators in real DAGs (``dag.test()``), over real HTTP against the local Texter sandbox."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from airflow.sdk import DAG, task

from airflow_provider_texter.compat import AirflowFailException
from airflow_provider_texter.operators.texter import TexterUpdateChatOperator, TexterUpdateCrmDataOperator
from airflow_provider_texter.sandbox import make_chat

pytest_plugins = ["conftest_airflow"]

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
YAEL = "5eed00000000000000000001"  # seeded by the sandbox, crmData {"plan": "gold"}
OMER = "5eed00000000000000000002"
MISSING_CHAT = "0" * 24
EXISTING = {"plan": "free", "customer": {"name": "Dana", "tier": 1}, "tags": ["a", "b"]}
INCOMING = {"plan": "pro", "customer": {"tier": 2, "city": "Haifa"}, "score": 5}
PLAN_CONTRACT = {
    "type": "object",
    "required": ["plan", "lead_id"],
    "properties": {"plan": {"enum": ["free", "pro", "premium"]}, "lead_id": {"type": "integer"}},
    "additionalProperties": False,
}
REPLACE_WARNING = (
    "crm_data REPLACES the whole CRM data of chat {}: keys missing from it are deleted. To merge into the "
    "existing CRM data use TexterUpdateCrmDataOperator with merging_mode='merge' (or assign, defaults, "
    "defaultsDeep)."
)


def texter_dag(dag_id: str, **kwargs) -> DAG:
    """Every task may retry twice, without delay: tests see whether a failure used those retries."""
    default_args = {"retries": 2, "retry_delay": timedelta(0)}
    return DAG(dag_id, schedule=None, start_date=START, default_args=default_args, **kwargs)


def outcomes(dag_run) -> dict[str, tuple[str, int]]:
    """``task_id`` (``task_id[i]`` when mapped) -> (state, try number)."""
    return {
        ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else ""): (ti.state, ti.try_number)
        for ti in dag_run.get_task_instances()
    }


def xcom_result(dag_run, task_id: str, map_index: int = -1):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    query = XComModel.get_many(
        run_id=dag_run.run_id, dag_ids=dag_run.dag_id, task_ids=task_id, map_indexes=map_index
    )
    with create_session() as session:
        return XComModel.deserialize_value(session.scalars(query).one())


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("replace", INCOMING),
        ("assign", {"plan": "pro", "customer": {"tier": 2, "city": "Haifa"}, "tags": ["a", "b"], "score": 5}),
        (
            "merge",
            {
                "plan": "pro",
                "customer": {"name": "Dana", "tier": 2, "city": "Haifa"},
                "tags": ["a", "b"],
                "score": 5,
            },
        ),
        ("defaults", {**EXISTING, "score": 5}),
        (
            "defaultsDeep",
            {
                "plan": "free",
                "customer": {"name": "Dana", "tier": 1, "city": "Haifa"},
                "tags": ["a", "b"],
                "score": 5,
            },
        ),
    ],
)
def test_each_merging_mode_end_to_end(mode, expected, texter_connection, run_dag):
    chat_id = texter_connection.add_chat(make_chat("972521230001", crm_data=EXISTING))["_id"]
    with texter_dag(f"texter_crm_{mode}") as dag:
        TexterUpdateCrmDataOperator(task_id="update", chat_id=chat_id, data=INCOMING, merging_mode=mode)

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"update": ("success", 1)}
    assert [(request.method, request.path, request.body) for request in texter_connection.requests] == [
        ("POST", f"/chats/{chat_id}/crm-data", {"data": INCOMING, "mergingMode": mode})
    ]
    assert texter_connection.chat(chat_id)["crmData"] == expected
    result = xcom_result(dag_run, "update")
    assert result == {
        "chat_id": chat_id,
        "merging_mode": mode,
        "written": ["plan", "customer", "score"],
        "updated_at": texter_connection.chat(chat_id)["updatedAt"],
    }


def test_mapped_runs_over_several_chats(texter_connection, run_dag):
    chats = [
        texter_connection.add_chat(
            make_chat(f"97252123010{index}", crm_data={"plan": "free", "row": index}, externalBot=True)
        )
        for index in range(3)
    ]
    plans = ["pro", "premium", "free"]
    rows = [{"chat_id": chat["_id"], "data": {"plan": plan}} for chat, plan in zip(chats, plans, strict=True)]
    with texter_dag("texter_mapped") as dag:
        TexterUpdateCrmDataOperator.partial(task_id="sync_plan", merging_mode="assign").expand_kwargs(rows)
        TexterUpdateChatOperator.partial(task_id="bot_off", external_bot="false").expand(
            chat_id=[chat["_id"] for chat in chats]
        )

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {
        f"{task_id}[{index}]": ("success", 1) for task_id in ("sync_plan", "bot_off") for index in range(3)
    }
    for index, (chat, plan) in enumerate(zip(chats, plans, strict=True)):
        stored = texter_connection.chat(chat["_id"])
        assert stored["crmData"] == {"plan": plan, "row": index}
        assert stored["externalBot"] is False
        assert xcom_result(dag_run, "sync_plan", index)["written"] == ["plan"]
    assert sorted(request.method for request in texter_connection.requests) == ["PATCH"] * 3 + ["POST"] * 3


def test_update_chat_sends_only_given_properties_with_api_names(texter_connection, run_dag, capfd):
    chat_id = texter_connection.add_chat(make_chat("972521230002", crm_data={"plan": "free", "lead_id": 7}))[
        "_id"
    ]
    params = {"name": "Dana Levi", "bot": True, "plan": "pro", "lead": 7}
    with texter_dag("texter_chat_properties", params=params) as dag:
        TexterUpdateChatOperator(
            task_id="update",
            chat_id=chat_id,
            display_name="{{ params.name }}",
            external_bot="{{ params.bot }}",  # renders as the text "True"
            crm_data={"plan": "{{ params.plan }}"},
            crm_deep_link="https://crm.example.com/leads/{{ params.lead }}",
            language="he",
        )
        TexterUpdateChatOperator(task_id="rename_only", chat_id=OMER, display_name="Omer K.")

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"update": ("success", 1), "rename_only": ("success", 1)}
    bodies = {request.chat_id: request.body for request in texter_connection.requests}
    assert bodies == {
        chat_id: {
            "displayName": "Dana Levi",
            "externalBot": True,
            "crmData": {"plan": "pro"},
            "crmDeepLink": "https://crm.example.com/leads/7",
            "language": "he",
        },
        OMER: {"displayName": "Omer K."},
    }
    stored = texter_connection.chat(chat_id)
    assert stored["crmData"] == {"plan": "pro"}  # replaced: lead_id is gone
    assert (stored["displayName"], stored["externalBot"], stored["language"]) == ("Dana Levi", True, "he")
    assert xcom_result(dag_run, "update")["written"] == [
        "displayName", "externalBot", "crmData", "crmDeepLink", "language",
    ]  # fmt: skip
    log = capfd.readouterr().out
    assert REPLACE_WARNING.format(chat_id) in log
    assert REPLACE_WARNING.format(OMER) not in log


def test_sql_values_land_as_json_numbers_and_iso_strings(texter_connection, run_dag):
    row = {
        "balance": Decimal("1520.75"),
        "orders": Decimal("12"),
        "last_order_at": datetime(2025, 11, 3, 14, 5, 9, tzinfo=timezone.utc),
        "renewal": date(2026, 2, 1),
        "customer": {"since": datetime(2019, 4, 1, 8, 0)},
    }
    converted = {
        "balance": 1520.75,
        "orders": 12,
        "last_order_at": "2025-11-03T14:05:09+00:00",
        "renewal": "2026-02-01",
        "customer": {"since": "2019-04-01T08:00:00"},
    }
    with texter_dag("texter_sql_values") as dag:
        TexterUpdateCrmDataOperator(task_id="update", chat_id=YAEL, data=row)

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"update": ("success", 1)}
    assert [request.body for request in texter_connection.requests] == [
        {"data": converted, "mergingMode": "merge"}
    ]
    assert texter_connection.chat(YAEL)["crmData"] == {"plan": "gold", **converted}


def test_invalid_payloads_fail_without_retries_and_send_nothing(texter_connection, run_dag, capfd):
    with texter_dag("texter_invalid") as dag:
        TexterUpdateCrmDataOperator(
            task_id="bad_mode", chat_id=YAEL, data={"plan": "pro"}, merging_mode="upsert"
        )
        TexterUpdateChatOperator(task_id="no_property", chat_id=YAEL)
        TexterUpdateChatOperator(
            task_id="bad_properties",
            chat_id=YAEL,
            display_name="x" * 256,
            external_bot="yes",
            crm_deep_link="ftp://crm.example.com/7",
        )

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {
        task_id: ("failed", 1) for task_id in ("bad_mode", "no_property", "bad_properties")
    }
    assert texter_connection.requests == []
    log = capfd.readouterr().out
    for message in (
        "invalid Update CRM Data request: "
        "mergingMode: 'upsert' is not one of 'replace', 'assign', 'merge', 'defaults', 'defaultsDeep'",
        "invalid Update Chat Properties request: "
        "at least one of display_name, external_bot, crm_data, crm_deep_link, language is required",
        "invalid Update Chat Properties request: external_bot: must be true or false, got 'yes'; "
        "crm_deep_link: must be an http(s) URL, got 'ftp://crm.example.com/7'; "
        "display_name: must be at most 255 characters, got 256",
    ):
        assert f"TexterValidationError: {message}\n" in log


def test_xcom_holds_what_was_written_not_the_contacts_personal_data(texter_connection, run_dag):
    with texter_dag("texter_xcom_privacy") as dag:
        TexterUpdateCrmDataOperator(task_id="crm", chat_id=YAEL, data={"plan": "pro"})
        TexterUpdateChatOperator(task_id="rename", chat_id=OMER, display_name="Omer K.")

    dag_run = run_dag(dag)

    stored = json.dumps([xcom_result(dag_run, "crm"), xcom_result(dag_run, "rename")])
    for personal in ("972549000001", "Yael Mizrahi", "972549000002", "Omer Katz", "gold", "crmData"):
        assert personal not in stored
    assert xcom_result(dag_run, "rename") == {
        "chat_id": OMER,
        "written": ["displayName"],
        "updated_at": texter_connection.chat(OMER)["updatedAt"],
    }


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: TexterUpdateCrmDataOperator(task_id="t", chat_id=YAEL, data={"score": float("nan")}),
            "invalid arguments of task 't': data.score: NaN is not a JSON value",
        ),
        (
            lambda: TexterUpdateChatOperator(task_id="t", chat_id=YAEL, crm_data={"debt": Decimal("-inf")}),
            "invalid arguments of task 't': crm_data.debt: -inf is not a JSON value",
        ),
    ],
)
def test_arguments_without_json_form_fail_when_the_operator_is_built(build, message):
    with pytest.raises(AirflowFailException) as error:
        build()
    assert str(error.value) == message


def test_rendered_arguments_are_checked_before_airflow_stores_them(texter_connection, run_dag, capfd):
    native = {"render_template_as_native_obj": True, "user_defined_macros": {"not_a_number": float("nan")}}
    with texter_dag("texter_native_nan", **native) as dag:

        @task
        def plans():
            return {"plan": "pro"}

        # an XComArg is resolved only at run time: building the operator must not choke on it
        TexterUpdateCrmDataOperator(task_id="from_xcom", chat_id=YAEL, data=plans())
        TexterUpdateCrmDataOperator(task_id="rendered", chat_id=OMER, data={"score": "{{ not_a_number }}"})

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {
        "plans": ("success", 1),
        "from_xcom": ("success", 1),
        "rendered": ("failed", 1),  # no Airflow retry: the same value would fail again
    }
    message = "invalid arguments of task 'rendered': data.score: NaN is not a JSON value"
    assert message in capfd.readouterr().out
    assert [request.chat_id for request in texter_connection.requests] == [YAEL]


def test_data_schema_violations_are_all_reported(tmp_path, texter_connection, run_dag, capfd):
    contract = tmp_path / "crm_contract.json"
    contract.write_text(json.dumps(PLAN_CONTRACT))
    with texter_dag("texter_contract") as dag:
        TexterUpdateCrmDataOperator(
            task_id="breaks_contract",
            chat_id=YAEL,
            data={"plan": "gold", "lead_id": "641225", "source": "csv"},
            data_schema=str(contract),
        )
        TexterUpdateCrmDataOperator(
            task_id="keeps_contract",
            chat_id=OMER,
            data={"plan": "pro", "lead_id": Decimal("641225")},
            data_schema=contract,
        )

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"breaks_contract": ("failed", 1), "keeps_contract": ("success", 1)}
    assert [request.chat_id for request in texter_connection.requests] == [OMER]
    assert texter_connection.chat(OMER)["crmData"] == {"plan": "pro", "lead_id": 641225}
    assert (
        "TexterValidationError: invalid Update CRM Data request: "
        "data.lead_id: must be an integer, got '641225'; "
        "data.plan: 'gold' is not one of 'free', 'pro', 'premium'; "
        "data.source: is not an allowed property\n"
    ) in capfd.readouterr().out


def test_unknown_chat_fails_once_without_airflow_retries(texter_connection, run_dag):
    with texter_dag("texter_unknown_chat") as dag:
        TexterUpdateCrmDataOperator(task_id="update", chat_id=MISSING_CHAT, data={"plan": "pro"})

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"update": ("failed", 1)}
    assert [(request.chat_id, request.status) for request in texter_connection.requests] == [
        (MISSING_CHAT, 404)
    ]


def test_server_error_left_after_hook_retries_uses_airflow_retries(texter_sandbox, monkeypatch, run_dag):
    connection = {"conn_type": "texter", "host": texter_sandbox.base_url, "password": texter_sandbox.token}
    monkeypatch.setenv("AIRFLOW_CONN_TEXTER_DEFAULT", json.dumps({**connection, "extra": {"max_retries": 0}}))
    texter_sandbox.fail_next(1, 503)
    with texter_dag("texter_server_error") as dag:
        TexterUpdateCrmDataOperator(task_id="update", chat_id=YAEL, data={"plan": "pro"})

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"update": ("success", 2)}
    assert [request.status for request in texter_sandbox.requests] == [503, 200]
    assert texter_sandbox.chat(YAEL)["crmData"] == {"plan": "pro"}


def test_operators_find_the_chat_by_phone(texter_connection, run_dag):
    moscow = texter_connection.add_chat(make_chat("74951234567", crm_data={"plan": "free"}))["_id"]
    stranger = texter_connection.add_chat(make_chat("84951234567", crm_data={"plan": "free"}))["_id"]
    with texter_dag("texter_by_phone", params={"phone": "8 (495) 123-45-67"}) as dag:
        TexterUpdateCrmDataOperator(task_id="crm", phone="{{ params.phone }}", default_country_code="7",
                                    data={"plan": "pro"})  # fmt: skip
        TexterUpdateChatOperator(task_id="rename", phone="+7 495 123 45 67", display_name="Ivan")
        TexterUpdateChatOperator(task_id="nobody", phone="+7 495 765 43 21", display_name="Nobody")

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"crm": ("success", 1), "rename": ("success", 1), "nobody": ("failed", 1)}
    assert texter_connection.chat(moscow)["crmData"] == {"plan": "pro"}
    assert texter_connection.chat(moscow)["displayName"] == "Ivan"
    assert texter_connection.chat(stranger)["crmData"] == {"plan": "free"}
    assert xcom_result(dag_run, "crm")["chat_ids"] == [moscow]


def test_chat_id_or_phone_exactly_one():
    with pytest.raises(ValueError, match="chat_id and phone: give exactly one of them"):
        TexterUpdateChatOperator(task_id="both", chat_id=YAEL, phone="+972521234567", display_name="x")
    with pytest.raises(ValueError, match="chat_id and phone: give exactly one of them"):
        TexterUpdateChatOperator(task_id="neither", display_name="x")
    with pytest.raises(ValueError, match="on_multiple_chats"):
        TexterUpdateChatOperator(task_id="policy", phone="+972521234567", on_multiple_chats="newest")
