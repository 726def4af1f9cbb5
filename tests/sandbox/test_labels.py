"""The Labels endpoints over real HTTP: list, create, read and update the project's labels."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_texter.sandbox import TexterSandbox

FAILED_MESSAGE = {"id": "failed-message", "name": "Failed message", "color": "#e53935", "system": True}
VIP = {"id": "vip", "name": "VIP", "color": "#555555", "system": False}  # added by the texter_sandbox fixture
PLAIN_TEXT = "text/plain; charset=utf-8"


def test_list_labels_starts_with_the_system_label_then_those_created(client):
    response = client.get("/labels")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"total": 2, "labels": [FAILED_MESSAGE, VIP]}


def test_list_labels_pages_with_limit_and_skip_and_counts_them_all(client, texter_sandbox):
    for number in range(5):
        texter_sandbox.add_label(f"segment-{number}", f"Segment {number}")
    body = client.get("/labels", params={"limit": 2, "skip": 3}).json()
    assert body["total"] == 7
    assert [label["id"] for label in body["labels"]] == ["segment-1", "segment-2"]
    assert client.get("/labels", params={"skip": 100_000}).json() == {"total": 7, "labels": []}


def test_list_labels_pages_thirty_by_default(client, texter_sandbox):
    for number in range(40):
        texter_sandbox.add_label(f"segment-{number}", f"Segment {number}")
    body = client.get("/labels").json()
    assert (body["total"], len(body["labels"])) == (42, 30)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 0}, "limit must be an integer from 1 to 10000"),
        ({"limit": 10_001}, "limit must be an integer from 1 to 10000"),
        ({"limit": "ten"}, "limit must be an integer from 1 to 10000"),
        ({"skip": -1}, "skip must be an integer from 0 to 100000"),
        ({"skip": 100_001}, "skip must be an integer from 0 to 100000"),
        ({"offset": 1}, "offset is not allowed"),
    ],
)
def test_invalid_list_query_is_a_400_naming_the_parameter(client, params, message):
    response = client.get("/labels", params=params)
    assert (response.status_code, response.json()) == (400, {"message": message})


def test_any_valid_token_reads_labels_but_changing_them_needs_manage_labels(client_for):
    with TexterSandbox("no-scopes", scopes=()) as sandbox:
        client = client_for(sandbox)
        assert client.get("/labels").status_code == 200
        assert client.get("/labels/failed-message").status_code == 200
        created = client.post("/labels", json={"id": "billing", "name": "Billing"})
        assert (created.status_code, created.json()) == (
            403,
            {"message": "Token lacks scope 'Manage labels'"},
        )
        assert client.patch("/labels/failed-message", json={"name": "Failed"}).status_code == 403
        assert [label["id"] for label in sandbox.labels] == ["failed-message"]
        assert sandbox.labels[0]["name"] == "Failed message"


def test_labels_need_a_valid_token(texter_sandbox):
    response = requests.get(f"{texter_sandbox.base_url}/labels", timeout=5)
    assert response.status_code == 401


def test_create_label_answers_the_label_with_the_default_color_and_stores_it(client, texter_sandbox):
    response = client.post("/labels", json={"id": "billing", "name": "Billing"})
    created = {"id": "billing", "name": "Billing", "color": "#555555", "system": False}
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == created
    assert texter_sandbox.labels[-1] == created
    assert client.get("/labels/billing").json() == created


def test_create_label_keeps_the_color_given(client):
    response = client.post(
        "/labels", json={"id": "lead", "name": "Lead", "color": "#00aAfF", "system": False}
    )
    assert response.json() == {"id": "lead", "name": "Lead", "color": "#00aAfF", "system": False}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "id is required; name is required"),
        ({"id": "", "name": "Empty"}, "id must be a string of 1 to 100 characters"),
        ({"id": "x" * 101, "name": "Long"}, "id must be a string of 1 to 100 characters"),
        ({"id": 7, "name": "Seven"}, "id must be a string of 1 to 100 characters"),
        ({"id": "long", "name": "n" * 101}, "name must be a string of 1 to 100 characters"),
        ({"id": "red", "name": "Red", "color": "red"}, "color must be #RRGGBB (six hex digits), got 'red'"),
        (
            {"id": "red", "name": "Red", "color": "#12345"},
            "color must be #RRGGBB (six hex digits), got '#12345'",
        ),
        ({"id": "red", "name": "Red", "color": None}, "color must be #RRGGBB (six hex digits), got None"),
        (
            {"id": "sys", "name": "Sys", "system": True},
            "system must be false: system labels cannot be created",
        ),
        ({"id": "tag", "name": "Tag", "label": "x"}, "label is not allowed"),
        (["billing"], "body must be a JSON object"),
    ],
)
def test_invalid_label_is_a_400_naming_the_field_and_creates_nothing(client, texter_sandbox, body, message):
    response = client.post("/labels", json=body)
    assert (response.status_code, response.json()) == (400, {"message": message})
    assert [label["id"] for label in texter_sandbox.labels] == ["failed-message", "vip"]


@pytest.mark.parametrize(
    ("label_id", "message"),
    [
        ("vip", "id 'vip' is taken: a label with this id exists"),
        ("failed-message", "id 'failed-message' is taken: a system label with this id exists"),
    ],
)
def test_a_taken_id_is_a_400_and_leaves_the_label_alone(client, texter_sandbox, label_id, message):
    response = client.post("/labels", json={"id": label_id, "name": "Again", "color": "#000000"})
    assert (response.status_code, response.json()) == (400, {"message": message})
    assert [label["name"] for label in texter_sandbox.labels] == ["Failed message", "VIP"]


def test_get_label_by_its_url_decoded_id_and_404_for_an_unknown_one(client, texter_sandbox):
    texter_sandbox.add_label("late payer", "Late payer")
    assert client.get("/labels/late%20payer").json()["name"] == "Late payer"
    assert client.get("/labels/failed-message").json() == FAILED_MESSAGE
    response = client.get("/labels/nope")
    assert (response.status_code, response.json()) == (404, {"message": "Label nope not found"})


def test_update_label_answers_plain_ok_and_changes_only_what_is_sent(client, texter_sandbox):
    response = client.patch("/labels/vip", json={"name": "Very important"})
    assert (response.status_code, response.text) == (200, "OK")
    assert response.headers["Content-Type"] == PLAIN_TEXT
    assert texter_sandbox.labels[1] == {**VIP, "name": "Very important"}
    client.patch("/labels/vip", json={"color": "#123abc"})
    assert client.get("/labels/vip").json() == {**VIP, "name": "Very important", "color": "#123abc"}


def test_a_system_label_can_be_renamed_and_recoloured_and_stays_a_system_label(client):
    assert (
        client.patch("/labels/failed-message", json={"name": "Not delivered", "color": "#000000"}).text
        == "OK"
    )
    assert client.get("/labels/failed-message").json() == {
        **FAILED_MESSAGE,
        "name": "Not delivered",
        "color": "#000000",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "name or color is required"),
        ({"name": ""}, "name must be a string of 1 to 100 characters"),
        ({"color": "#GGGGGG"}, "color must be #RRGGBB (six hex digits), got '#GGGGGG'"),
        ({"id": "vip2"}, "id is not allowed"),
        ({"name": "VIP", "system": True}, "system is not allowed"),
    ],
)
def test_invalid_label_update_is_a_400_naming_the_field(client, texter_sandbox, body, message):
    response = client.patch("/labels/vip", json=body)
    assert (response.status_code, response.json()) == (400, {"message": message})
    assert texter_sandbox.labels[1] == VIP


def test_update_of_an_unknown_label_is_a_404(client):
    response = client.patch("/labels/nope", json={"name": "Nope"})
    assert (response.status_code, response.json()) == (404, {"message": "Label nope not found"})


def test_label_requests_are_recorded_with_their_path_body_and_status(client, texter_sandbox):
    client.post("/labels", json={"id": "billing", "name": "Billing"})
    client.patch("/labels/billing", json={"color": "#ffffff"})
    recorded = [
        (request.method, request.path, request.body, request.status) for request in texter_sandbox.requests
    ]
    assert recorded == [
        ("POST", "/labels", {"id": "billing", "name": "Billing"}, 200),
        ("PATCH", "/labels/billing", {"color": "#ffffff"}, 200),
    ]


def test_add_label_refuses_what_the_api_refuses(texter_sandbox):
    with pytest.raises(ValueError, match="color must be #RRGGBB"):
        texter_sandbox.add_label("billing", "Billing", color="blue")
    with pytest.raises(ValueError, match="id 'vip' is taken"):
        texter_sandbox.add_label("vip", "VIP again")


def test_labels_property_is_a_copy(texter_sandbox):
    texter_sandbox.labels[0]["name"] = "changed"
    assert texter_sandbox.labels[0]["name"] == "Failed message"
