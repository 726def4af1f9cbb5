"""TexterHook.find_chat_ids: exact phone matches over real Search Chats requests, cached per hook."""

from __future__ import annotations

import pytest

from airflow_provider_texter.exceptions import AmbiguousPhoneError, TexterValidationError
from airflow_provider_texter.phones import default_region_of
from airflow_provider_texter.sandbox import make_chat


def searches(sandbox):
    return [r for r in sandbox.requests if r.path == "/chats/search"]


def test_only_the_exact_contact_matches_not_a_suffix_or_a_name(texter_sandbox, connect):
    hook = connect()
    dana = texter_sandbox.add_chat(make_chat("972521234567"))
    texter_sandbox.add_chat(make_chat("1972521234567"))  # ends with the same digits
    texter_sandbox.add_chat(make_chat("972500000000", title="972521234567"))  # the number as a name
    assert hook.find_chat_ids("+972 52-123-4567") == [dana["_id"]]


def test_local_numbers_use_the_default_region_or_calling_code(texter_sandbox, connect):
    hook = connect()
    moscow = texter_sandbox.add_chat(make_chat("74951234567"))
    texter_sandbox.add_chat(make_chat("84951234567"))  # what a digits-only reading would hit
    assert hook.find_chat_ids("8 (495) 123-45-67", default_region="RU") == [moscow["_id"]]
    assert hook.find_chat_ids("8 (495) 123-45-67", default_country_code="7") == [moscow["_id"]]
    with pytest.raises(TexterValidationError, match="has no country code"):
        hook.find_chat_ids("8 (495) 123-45-67")


def test_each_number_is_searched_once_per_hook(texter_sandbox, connect):
    hook = connect()
    texter_sandbox.add_chat(make_chat("972521234567"))
    for written in ("+972521234567", "052-123-4567", "00972 52 123 4567"):
        assert len(hook.find_chat_ids(written, default_region="IL")) == 1
    assert len(searches(texter_sandbox)) == 1


def test_matches_beyond_the_first_result_page_are_found(texter_sandbox, connect):
    hook = connect()
    for index in range(1, 151):  # fuzzy matches that come first: newer numbers ending in the same digits
        texter_sandbox.add_chat(make_chat(f"{index}972521234567", last_message_timestamp=10_000 + index))
    dana = texter_sandbox.add_chat(make_chat("972521234567", last_message_timestamp=1))
    assert hook.find_chat_ids("+972521234567") == [dana["_id"]]
    assert len(searches(texter_sandbox)) == 2


@pytest.mark.parametrize(("policy", "expected"), [("most_recent", ["new"]), ("all", ["new", "old"])])
def test_several_chats_of_one_phone(texter_sandbox, connect, policy, expected):
    hook = connect()
    chats = {
        "old": texter_sandbox.add_chat(make_chat("972521234567", last_message_timestamp=1_000))["_id"],
        "new": texter_sandbox.add_chat(make_chat("972521234567", channel="instagram", account_id="ig-1",
                                                 last_message_timestamp=2_000))["_id"],
    }  # fmt: skip
    assert hook.find_chat_ids("+972521234567", on_multiple_chats=policy) == [chats[name] for name in expected]
    with pytest.raises(AmbiguousPhoneError, match=r"phone \+972521234567 matches 2 chats"):
        hook.find_chat_ids("+972521234567", on_multiple_chats="error")
    assert hook.find_chat_ids("+972521234567", channel_name="instagram", account_id="ig-1",
                              on_multiple_chats="error") == [chats["new"]]  # fmt: skip


def test_a_possible_but_unassigned_number_is_looked_up_and_logged_once(texter_sandbox, connect, capfd):
    hook = connect()
    chat = texter_sandbox.add_chat(make_chat("972521234567"))  # 052-1xx is not an assigned range
    for _ in range(3):
        assert hook.find_chat_ids("+972 52-123-4567") == [chat["_id"]]
    warnings = [line for line in capfd.readouterr().out.splitlines() if "not an assigned number" in line]
    assert len(warnings) == 1 and "+972521234567" in warnings[0]


def test_impossible_numbers_never_reach_the_api(texter_sandbox, connect):
    hook = connect()
    for value in ("+1 234", "12", None, True, "", "+999 1234567"):
        with pytest.raises(TexterValidationError, match="phone: "):
            hook.find_chat_ids(value)
    assert searches(texter_sandbox) == []


@pytest.mark.parametrize(
    ("region", "code", "message"),
    [("XX", None, "default_region: 'XX' is not an ISO 3166 region"),
     (None, "999", "default_country_code: '999' is not a calling code"),
     ("IL", "7", "disagree")],
)  # fmt: skip
def test_bad_defaults_are_refused(region, code, message):
    with pytest.raises(TexterValidationError, match=message):
        default_region_of(region, code)


def test_defaults_agree_when_both_given():
    assert default_region_of("il", "+972") == "IL"
    assert default_region_of(None, 1) == "US"
