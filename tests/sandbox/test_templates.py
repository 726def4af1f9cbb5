"""WhatsApp templates over real HTTP: List All Templates, and Send Template Message with its checks."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_texter.sandbox import TexterSandbox, make_template

OUR_NUMBER = "972586640430"
YAEL = "5eed00000000000000000001"  # whatsapp 972549000001 on OUR_NUMBER
SEND = "/whatsapp/templates/send"
RENEWAL = {"templateName": "renewal_reminder", "language": "en", "body": ["Dana", "1 December"]}


def templates(client, **params):
    response = client.get("/whatsapp/templates", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def localizations(listed):
    return {
        (template["name"], item["language"]): item["status"]
        for template in listed
        for item in template["provider_template"]["localizations"]
    }


def test_list_shows_approved_localizations_only_by_default(client):
    assert localizations(templates(client)) == {
        ("renewal_reminder", "he"): "APPROVED",
        ("renewal_reminder", "en"): "APPROVED",
        ("order_shipped", "en"): "APPROVED",
        ("welcome", "en"): "APPROVED",
    }


def test_include_all_shows_pending_and_rejected_with_the_reason(client):
    listed = templates(client, includeAll="true")
    assert localizations(listed) == {
        ("renewal_reminder", "he"): "APPROVED",
        ("renewal_reminder", "en"): "APPROVED",
        ("order_shipped", "en"): "APPROVED",
        ("order_shipped", "he"): "PENDING",
        ("winback_offer", "en"): "PENDING",
        ("spring_sale", "en"): "REJECTED",
        ("welcome", "en"): "APPROVED",
    }
    spring_sale = next(template for template in listed if template["name"] == "spring_sale")
    (localization,) = spring_sale["provider_template"]["localizations"]
    assert localization["rejectionReason"] == "PROMOTIONAL"
    assert spring_sale["provider_template"]["category"] == "MARKETING"


def test_a_template_has_the_documented_shape(client):
    renewal = templates(client)[0]
    assert set(renewal) == {
        "_id", "name", "title", "usage", "chatStatus", "departments", "defaults", "channelInfo",
        "provider_template",
    }  # fmt: skip
    assert (renewal["_id"], renewal["name"], renewal["channelInfo"]) == (
        "7e3a00000000000000000001",
        "renewal_reminder",
        {"accountId": OUR_NUMBER},
    )
    english = renewal["provider_template"]["localizations"][1]
    assert set(english) == {"language", "status", "components", "rejectionReason", "qualityScore"}
    assert english["components"] == [
        {
            "type": "BODY",
            "text": "Hi {{1}}, your plan renews on {{2}}. Reply here with any question.",
            "example": {"body_text": [["example 1", "example 2"]]},
        }
    ]


def test_account_id_filters_by_our_number(client, texter_sandbox):
    texter_sandbox.add_template(make_template("other_number", "Hi {{1}}", account_id="972586640431"))
    assert [template["name"] for template in templates(client, accountId="972586640431")] == ["other_number"]
    assert "other_number" not in [template["name"] for template in templates(client, accountId=OUR_NUMBER)]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"includeAll": "yes"}, "includeAll must be true or false"),
        ({"accountId": ""}, "accountId must not be empty"),
        ({"limit": "10"}, "limit is not allowed"),
    ],
)
def test_list_refuses_bad_queries(client, params, message):
    response = client.get("/whatsapp/templates", params=params)
    assert (response.status_code, response.json()) == (400, {"message": message})


def test_send_answers_the_rendered_text_and_records_a_special_message_in_a_new_chat(client, texter_sandbox):
    response = client.post(SEND, json={**RENEWAL, "to": "+972 52-123-4567"})
    answer = response.json()
    assert response.status_code == 200
    assert answer == {
        "success": True,
        "text": "Hi Dana, your plan renews on 1 December. Reply here with any question.",
        "sentAsSessionMessage": False,
        "messageId": answer["messageId"],
    }
    (chat,) = [chat for chat in texter_sandbox.chats.values() if chat["channelInfo"]["id"] == "972521234567"]
    assert (chat["channelInfo"], chat["status"]) == (
        {"name": "whatsapp", "id": "972521234567", "accountId": OUR_NUMBER},
        4,
    )
    (message,) = texter_sandbox.messages(chat["_id"])
    assert (message["_id"], message["type"], message["direction"], message["text"], message["status"]) == (
        answer["messageId"],
        "special",
        "outgoing",
        answer["text"],
        0,
    )
    top = client.get("/chats/search", params={"limit": 1}).json()["data"][0]
    assert top["_id"] == chat["_id"] and top["last_message_timestamp"] == message["timestamp"]


def test_send_to_a_contact_with_a_chat_uses_that_chat(client, texter_sandbox):
    client.post(SEND, json={**RENEWAL, "to": "0549000001"})  # local form of Yael's number
    assert [message["direction"] for message in texter_sandbox.messages(YAEL)] == ["outgoing"]
    assert len(texter_sandbox.chats) == 3


def test_two_sends_to_a_new_number_make_one_chat_with_two_messages(client, texter_sandbox):
    for _ in range(2):
        assert client.post(SEND, json={"templateName": "welcome", "to": "972521234567"}).json()["success"]
    (chat_id,) = set(texter_sandbox.chats) - {YAEL, "5eed00000000000000000002", "5eed00000000000000000003"}
    assert len(texter_sandbox.messages(chat_id)) == 2


def test_a_template_with_one_localization_needs_no_language(client):
    answer = client.post(SEND, json={"templateName": "welcome", "to": "972521234567"}).json()
    assert answer["text"] == "Welcome to Texter! Reply here any time."


def test_an_unsubscribed_contact_gets_success_false_and_nothing_is_sent(client, texter_sandbox):
    texter_sandbox.unsubscribe("972521234567")
    response = client.post(SEND, json={**RENEWAL, "to": "972521234567"})
    assert response.status_code == 200
    assert response.json()["success"] is False and "unsubscribed" in response.json()["message"]
    assert len(texter_sandbox.chats) == 3


def test_an_opt_out_on_another_number_does_not_stop_the_send(client, texter_sandbox):
    texter_sandbox.unsubscribe("972549000001", "972586640431")
    assert client.post(SEND, json={**RENEWAL, "to": "972549000001"}).json()["success"] is True


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"templateName": "no_such"}, f"templateName 'no_such' names no template of {OUR_NUMBER}"),
        ({"from": "972586640431"}, "templateName 'renewal_reminder' names no template of 972586640431"),
        ({"templateName": "bad name"}, "templateName is required and must match ^[a-zA-Z0-9_-]+$"),
        ({"language": ""}, "language must be a non-empty string"),
        ({"language": "fr"}, "renewal_reminder has no fr localization (it has he, en)"),
        (
            {"templateName": "order_shipped", "language": "he", "body": ["A-17"]},
            "order_shipped (he) is PENDING: only APPROVED can be sent",
        ),
        (
            {"templateName": "spring_sale", "language": "en", "body": ["Dana"]},
            "spring_sale (en) is REJECTED: only APPROVED can be sent",
        ),
        ({"body": ["Dana"]}, "body must hold 2 values for renewal_reminder (en), got 1"),
        ({"body": ["Dana", "1 Dec", "x"]}, "body must hold 2 values for renewal_reminder (en), got 3"),
        ({"body": ["Dana\nLevi", "1 Dec"]}, "body[0] may not be empty or hold a line break"),
        ({"body": ["Dana", "1\tDec"]}, "body[1] may not be empty or hold a line break"),
        ({"body": ["Dana     Levi", "1 Dec"]}, "body[0] may not be empty or hold a line break"),
        ({"body": ["", "1 Dec"]}, "body[0] may not be empty or hold a line break"),
        ({"body": "Dana"}, "body must be a list of strings"),
        ({"to": "Dana"}, "to is required and must be a phone number"),
        ({"setChat": []}, "setChat must be an object"),
        ({"chatId": YAEL}, "chatId is not allowed"),
    ],
)
def test_bad_sends_are_a_400_naming_the_problem_and_send_nothing(client, texter_sandbox, changes, message):
    body = {**RENEWAL, "to": "972549000001", **changes}
    response = client.post(SEND, json=body)
    assert response.status_code == 400 and message in response.json()["message"]
    assert texter_sandbox.messages(YAEL) == []


def test_without_a_language_a_template_with_several_needs_one(client):
    body = {"templateName": "renewal_reminder", "to": "972549000001", "body": ["Dana", "1 Dec"]}
    response = client.post(SEND, json=body)
    assert (response.status_code, response.json()) == (
        400,
        {"message": "language is required: renewal_reminder has he, en"},
    )


def test_four_spaces_in_a_row_are_allowed(client):
    assert client.post(SEND, json={**RENEWAL, "to": "972549000001", "body": ["Dana    Levi", "1"]}).ok


def test_scopes_view_and_send_template_messages(client_for):
    with TexterSandbox("view-only", scopes={"View template messages"}) as sandbox:
        client = client_for(sandbox)
        assert client.get("/whatsapp/templates").status_code == 200
        response = client.post(SEND, json={**RENEWAL, "to": "972549000001"})
        assert response.json() == {"message": "Token lacks scope 'Send template messages'"}
    with TexterSandbox("send-only", scopes={"Send template messages"}) as sandbox:
        client = client_for(sandbox)
        assert client.post(SEND, json={**RENEWAL, "to": "972549000001"}).status_code == 200
        assert client.get("/whatsapp/templates").json() == {
            "message": "Token lacks scope 'View template messages'"
        }


def test_templates_are_added_in_python_and_through_the_admin_route(client, texter_sandbox):
    admin = f"http://127.0.0.1:{texter_sandbox.port}/_sandbox/templates"
    template = make_template("order_update", "Order {{1}}: {{2}}", language="he")
    assert requests.post(admin, json=template, timeout=5).status_code == 200
    assert requests.post(admin, json={**template, "name": "bad name"}, timeout=5).status_code == 400
    with pytest.raises(ValueError, match="status must be one of"):
        make_template("x", status="MAYBE")
    answer = client.post(
        SEND, json={"templateName": "order_update", "to": "972549000001", "body": ["A-1", "ok"]}
    )
    assert answer.json()["text"] == "Order A-1: ok"
    assert [template["name"] for template in texter_sandbox.templates][-1] == "order_update"
