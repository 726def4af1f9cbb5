"""The label, assignment and resolve operators in real DAGs (``dag.test()``) against the local sandbox."""

from __future__ import annotations

import json

import pytest
from airflow.sdk import task
from test_operators import outcomes, texter_dag, xcom_result

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.operators.texter import (
    BaseTexterChatOperator,
    TexterAssignChatOperator,
    TexterResolveChatOperator,
    TexterUpdateChatOperator,
    TexterUpdateCrmDataOperator,
    TexterUpdateLabelsOperator,
)
from airflow_provider_texter.sandbox import make_chat

pytest_plugins = ["conftest_airflow"]

YAEL = "5eed00000000000000000001"  # seeded: labels ["vip"]; labels: failed-message ("Failed message"), vip
PENDING, RESOLVED = 1, 3


def test_labels_are_added_removed_and_set_by_name_or_id(texter_connection, run_dag):
    dana = texter_connection.add_chat(make_chat("972521230001"))["_id"]
    ori = texter_connection.add_chat(make_chat("972521230002", labels=["vip"]))["_id"]
    with texter_dag("texter_labels") as dag:
        TexterUpdateLabelsOperator(task_id="add", chat_id=dana, add=["VIP", "failed-message"])
        TexterUpdateLabelsOperator(task_id="remove", chat_id=YAEL, remove="VIP")
        TexterUpdateLabelsOperator(task_id="set", phone="+972 52-123-0002", set=["Churn risk"],
                                   create_missing_labels=True)  # fmt: skip

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"add": ("success", 1), "remove": ("success", 1), "set": ("success", 1)}
    assert texter_connection.chat(dana)["labels"] == ["vip", "failed-message"]
    assert texter_connection.chat(YAEL)["labels"] == []
    assert texter_connection.chat(ori)["labels"] == ["churn-risk"]
    assert texter_connection.labels[-1] == {
        "id": "churn-risk", "name": "Churn risk", "color": "#555555", "system": False
    }  # fmt: skip
    common = {"written": ["labels"], "updated_at": None}
    assert xcom_result(dag_run, "add") == {"chat_id": dana, "add": ["vip", "failed-message"], **common}
    assert xcom_result(dag_run, "remove") == {"chat_id": YAEL, "remove": ["vip"], **common}
    assert xcom_result(dag_run, "set") == {"chat_id": ori, "set": ["churn-risk"], "chat_ids": [ori], **common}


def test_an_unknown_label_fails_once_without_retries_and_writes_nothing(texter_connection, run_dag, capfd):
    with texter_dag("texter_unknown_label") as dag:
        TexterUpdateLabelsOperator(task_id="add", chat_id=YAEL, add=["Gold"])

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"add": ("failed", 1)}
    assert [request.method for request in texter_connection.requests] == ["GET"]  # the labels, no write
    assert texter_connection.chat(YAEL)["labels"] == ["vip"]
    assert (
        "invalid labels: 'Gold': no label has this name or id; known label names: " in capfd.readouterr().out
    )


def test_labels_operator_needs_exactly_one_of_add_remove_or_set():
    with pytest.raises(TexterValidationError, match="add, remove and set: give exactly one of them"):
        TexterUpdateLabelsOperator(task_id="both", chat_id=YAEL, add=["vip"], set=[])
    with pytest.raises(TexterValidationError, match="add, remove and set: give exactly one of them"):
        TexterUpdateLabelsOperator(task_id="neither", chat_id=YAEL)


def test_assign_by_phone_sends_the_chat_id_it_found(texter_connection, run_dag):
    chat_id = texter_connection.add_chat(make_chat("972521230003", status=0))["_id"]
    noa = texter_connection.agents[0]
    with texter_dag("texter_assign", params={"email": noa.email}) as dag:
        TexterAssignChatOperator(task_id="assign", phone="052-123-0003", default_region="IL",
                                 agent_email="{{ params.email }}", department_id="sales")  # fmt: skip
        TexterAssignChatOperator(task_id="to_department", chat_id=YAEL, department_id="support")

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"assign": ("success", 1), "to_department": ("success", 1)}
    stored = texter_connection.chat(chat_id)
    assert (stored["status"], stored["agent"], stored["departmentId"]) == (PENDING, noa.on_chat(), "sales")
    assign = [request for request in texter_connection.requests if request.path == "/chats/assign"]
    assert {"chatId": chat_id, "agentEmail": noa.email, "departmentId": "sales"} in [r.body for r in assign]
    assert xcom_result(dag_run, "assign") == {
        "chat_id": chat_id,
        "agent_email": noa.email,
        "department_id": "sales",
        "written": ["agentEmail", "departmentId"],
        "updated_at": None,
        "chat_ids": [chat_id],
    }
    assert texter_connection.chat(YAEL)["departmentId"] == "support"


def test_assign_operator_checks_the_assignee_when_built():
    with pytest.raises(TexterValidationError) as invalid:
        TexterAssignChatOperator(task_id="two_agents", chat_id=YAEL, agent_email="a@b.c", agent_uid="u")
    assert invalid.value.problems == ["give at most one of agent_email, agent_uid or agent_crm_id"]
    with pytest.raises(TexterValidationError, match="an assignee is required"):
        TexterAssignChatOperator(task_id="nobody", chat_id=YAEL)


def test_an_assignee_from_an_upstream_task_is_checked_once_resolved(texter_connection, run_dag):
    with texter_dag("texter_assign_xcom") as dag:

        @task
        def owner() -> str:
            return "itai@sandbox.example"

        TexterAssignChatOperator(task_id="assign", chat_id=YAEL, agent_email=owner())

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"owner": ("success", 1), "assign": ("success", 1)}
    assert texter_connection.chat(YAEL)["agent"]["displayName"] == "Itai Cohen"


def test_resolve_with_a_templated_notify_client(texter_connection, run_dag):
    with texter_dag("texter_resolve", params={"notify": True}) as dag:
        TexterResolveChatOperator(task_id="resolve", chat_id=YAEL, notify_client="{{ params.notify }}")

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"resolve": ("success", 1)}
    assert texter_connection.chat(YAEL)["status"] == RESOLVED
    assert [(request.path, request.body) for request in texter_connection.requests] == [
        (f"/chats/{YAEL}/resolve", {"notifyClient": True})
    ]
    assert xcom_result(dag_run, "resolve") == {
        "chat_id": YAEL, "notify_client": True, "written": ["status"], "updated_at": None
    }  # fmt: skip


@pytest.mark.parametrize("fault", ["timeout", "502"])
def test_a_resolve_that_notifies_fails_once_with_an_unknown_outcome_and_is_never_resent(
    texter_sandbox, monkeypatch, run_dag, capfd, fault
):
    connection = {"conn_type": "texter", "host": texter_sandbox.base_url, "password": texter_sandbox.token}
    connection["extra"] = {"timeout": 1, "backoff_factor": 0.01}
    monkeypatch.setenv("AIRFLOW_CONN_TEXTER_DEFAULT", json.dumps(connection))
    if fault == "timeout":
        texter_sandbox.apply_then_stall_next(1)
    else:
        texter_sandbox.apply_then_fail_next(1, 502)
    with texter_dag(f"texter_resolve_unknown_{fault}") as dag:  # every task may retry twice
        TexterResolveChatOperator(task_id="resolve", chat_id=YAEL, notify_client=True)

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"resolve": ("failed", 1)}  # no Airflow retry
    assert [request.path for request in texter_sandbox.requests] == [f"/chats/{YAEL}/resolve"]
    assert texter_sandbox.chat(YAEL)["status"] == RESOLVED  # Texter did act: the contact was messaged once
    assert "TexterOutcomeUnknownError" in capfd.readouterr().out


def test_each_single_chat_operator_renders_its_connection_id(texter_sandbox, monkeypatch, run_dag):
    staging = {"conn_type": "texter", "host": texter_sandbox.base_url, "password": texter_sandbox.token}
    monkeypatch.setenv("AIRFLOW_CONN_TEXTER_STAGING", json.dumps(staging))  # no texter_default at all
    conn = {"texter_conn_id": "{{ params.texter_conn_id }}"}
    with texter_dag("texter_templated_connection", params={"texter_conn_id": "texter_staging"}) as dag:
        TexterUpdateCrmDataOperator(task_id="crm", chat_id=YAEL, data={"plan": "pro"}, **conn)
        TexterUpdateChatOperator(task_id="rename", chat_id=YAEL, display_name="Yael", **conn)
        TexterUpdateLabelsOperator(task_id="labels", chat_id=YAEL, add=["vip"], **conn)
        TexterAssignChatOperator(task_id="assign", chat_id=YAEL, department_id="support", **conn)
        TexterResolveChatOperator(task_id="resolve", chat_id=YAEL, **conn)

    dag_run = run_dag(dag)

    assert set(outcomes(dag_run).values()) == {("success", 1)}
    assert len(outcomes(dag_run)) == len(BaseTexterChatOperator.__subclasses__()) == 5


def test_a_notifying_resolve_over_several_chats_is_not_retried_after_reaching_the_first(
    texter_sandbox, monkeypatch, run_dag, capfd
):
    first = texter_sandbox.add_chat(make_chat("972521239001", last_message_timestamp=2_000))["_id"]
    second = texter_sandbox.add_chat(make_chat("972521239001", last_message_timestamp=1_000))["_id"]
    connection = {"conn_type": "texter", "host": texter_sandbox.base_url, "password": texter_sandbox.token}
    connection["extra"] = {"max_retries": 0}
    monkeypatch.setenv("AIRFLOW_CONN_TEXTER_DEFAULT", json.dumps(connection))
    texter_sandbox.fail_next(1, 429, path=f"/chats/{second}/resolve")  # refused: surely not sent
    with texter_dag("texter_resolve_partial") as dag:  # every task may retry twice
        TexterResolveChatOperator(task_id="resolve", phone="+972521239001", on_multiple_chats="all",
                                  notify_client=True)  # fmt: skip

    dag_run = run_dag(dag)

    assert outcomes(dag_run) == {"resolve": ("failed", 1)}  # an Airflow retry would notify the first again
    resolved = [request.path for request in texter_sandbox.requests if request.path.endswith("/resolve")]
    assert resolved == [f"/chats/{first}/resolve", f"/chats/{second}/resolve"]
    assert "TexterPartialSendError" in capfd.readouterr().out
