"""The calls a campaign makes, through the hook, over real HTTP against the sandbox: Send Template Message,
List All Templates, Get Messages of a Chat and List unsubscribed."""

from __future__ import annotations

import pytest

from airflow_provider_texter.exceptions import (
    TexterOutcomeUnknownError,
    TexterUnsuccessfulError,
    TexterValidationError,
)
from airflow_provider_texter.opt_out_list import read_unsubscribed, unsubscribed_digits

PHONE = "+972521234567"


def sends(sandbox) -> list:
    return [request for request in sandbox.requests if request.path == "/whatsapp/templates/send"]


def test_send_template_messages_the_phone_and_returns_texters_message_id(connect, texter_sandbox):
    answer = connect().send_template("+972 52-123-4567", "renewal_reminder", ["Dana", "2026-12-01"],
                                     language="en")  # fmt: skip
    assert answer["text"] == "Hi Dana, your plan renews on 2026-12-01. Reply here with any question."
    assert sends(texter_sandbox)[0].body == {
        "templateName": "renewal_reminder", "to": PHONE, "language": "en", "body": ["Dana", "2026-12-01"]
    }  # fmt: skip
    (chat,) = [chat for chat in texter_sandbox.chats.values() if chat["channelInfo"]["id"] == PHONE[1:]]
    (message,) = texter_sandbox.messages(chat["_id"])
    assert (message["_id"], message["type"]) == (answer["messageId"], "special")
    assert message["direction"] == "outgoing"


def test_a_contact_who_unsubscribed_is_a_distinct_error_and_gets_nothing(connect, texter_sandbox):
    texter_sandbox.unsubscribe(PHONE)
    with pytest.raises(TexterUnsuccessfulError, match="unsubscribed"):
        connect().send_template(PHONE, "welcome")
    assert len(sends(texter_sandbox)) == 1  # not retried


def test_a_send_whose_answer_timed_out_after_texter_sent_it_is_not_sent_again(connect, texter_sandbox):
    texter_sandbox.apply_then_stall_next(1)
    with pytest.raises(TexterOutcomeUnknownError, match="Send Template Message"):
        connect(timeout=1, max_retries=3, backoff_factor=0.01).send_template(PHONE, "welcome")
    assert len(sends(texter_sandbox)) == 1


def test_values_whatsapp_refuses_are_named_before_any_request(connect, texter_sandbox):
    with pytest.raises(TexterValidationError) as refused:
        connect().send_template(PHONE, "renewal_reminder", ["Dana\nLevi", "  "], language="he")
    assert refused.value.problems == [
        "values[0]: holds a line break, a tab or 5 or more spaces in a row", "values[1]: is empty"
    ]  # fmt: skip
    assert texter_sandbox.requests == []


def test_list_templates_shows_approved_ones_unless_all_are_asked_for(connect):
    hook = connect()
    approved = {template["name"] for template in hook.list_templates()}
    everything = {template["name"] for template in hook.list_templates(include_all=True)}
    assert "winback_offer" not in approved and {"winback_offer", "renewal_reminder"} <= everything


def test_chat_messages_reads_the_newest_page_then_the_one_before(connect, texter_sandbox):
    chat_id = "5eed00000000000000000001"
    for number in range(5):
        texter_sandbox.add_message(chat_id, f"message {number}")
    hook = connect()
    newest = hook.chat_messages(chat_id, limit=3)["messages"]
    assert [message["text"] for message in newest] == ["message 2", "message 3", "message 4"]
    before = hook.chat_messages(chat_id, before_time=newest[0]["timestamp"], before_id=newest[0]["_id"])
    assert [message["text"] for message in before["messages"]] == ["message 0", "message 1"]


def test_list_unsubscribed_reads_every_page_for_every_number_or_one(connect, texter_sandbox):
    phones = [f"+97252123450{digit}" for digit in range(5)]
    for phone in phones:
        texter_sandbox.unsubscribe(phone)
    texter_sandbox.unsubscribe("+972521234599", "972500000000")
    hook = connect()
    assert [opt_out["phone"] for opt_out in read_unsubscribed(hook.send, page_size=2)] == [
        *phones, "+972521234599"
    ]  # fmt: skip
    pages = [request.query["skip"] for request in texter_sandbox.requests]
    assert pages == [["0"], ["2"], ["4"], ["6"]]
    mine = hook.list_unsubscribed(account_id="972586640430")
    assert unsubscribed_digits(mine) == {phone[1:] for phone in phones}
    assert texter_sandbox.requests[-1].path == "/whatsapp/templates/unsubscribed/972586640430"
