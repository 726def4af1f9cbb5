"""The four Texter endpoints over real HTTP: Update CRM Data, Update Chat Properties, Search, Get Chat."""

from __future__ import annotations

import http.client

import pytest

from airflow_provider_texter.sandbox import make_chat

OLD = "2024-01-01T00:00:00.000Z"
UNKNOWN_CHAT = "0123456789abcdef01234567"
SEEDED_PENDING_VIP = "5eed00000000000000000001"  # seeded by the texter_sandbox fixture
SEEDED_COUNT = 3


@pytest.fixture
def dana(texter_sandbox):
    return texter_sandbox.add_chat(
        make_chat(
            "972521234567",
            title="Dana",
            crm_data={"plan": "free", "customer": {"name": "Dana", "tags": ["a", "b"]}},
            updatedAt=OLD,
        )
    )


@pytest.mark.parametrize(
    ("merging_mode", "expected"),
    [
        ("replace", {"customer": {"tags": ["c"], "city": "TLV"}, "score": None}),
        ("assign", {"plan": "free", "customer": {"tags": ["c"], "city": "TLV"}, "score": None}),
        (
            "merge",
            {"plan": "free", "customer": {"name": "Dana", "tags": ["c", "b"], "city": "TLV"}, "score": None},
        ),
        ("defaults", {"plan": "free", "customer": {"name": "Dana", "tags": ["a", "b"]}, "score": None}),
        (
            "defaultsDeep",
            {"plan": "free", "customer": {"name": "Dana", "tags": ["a", "b"], "city": "TLV"}, "score": None},
        ),
    ],
)
def test_crm_data_update_applies_the_merging_mode_and_stores_it(
    client, texter_sandbox, dana, merging_mode, expected
):
    data = {"customer": {"tags": ["c"], "city": "TLV"}, "score": None}
    response = client.post(f"/chats/{dana['_id']}/crm-data", json={"data": data, "mergingMode": merging_mode})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert (body["success"], body["_id"], body["crmData"]) == (True, dana["_id"], expected)
    stored = texter_sandbox.chat(dana["_id"])
    assert stored["crmData"] == expected and stored["updatedAt"] != OLD


def test_crm_data_update_merges_when_no_mode_is_given(client, texter_sandbox, dana):
    client.post(f"/chats/{dana['_id']}/crm-data", json={"data": {"customer": {"tags": ["z"]}}})
    assert texter_sandbox.chat(dana["_id"])["crmData"]["customer"] == {"name": "Dana", "tags": ["z", "b"]}


def test_crm_data_replace_with_empty_data_empties_crm_data(client, texter_sandbox, dana):
    client.post(f"/chats/{dana['_id']}/crm-data", json={"data": {}, "mergingMode": "replace"})
    assert texter_sandbox.chat(dana["_id"])["crmData"] == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "body is not valid JSON"),
        ("[1, 2]", "body must be a JSON object"),
        ("", "body must be a JSON object"),
        ("{}", "data is required"),
        ('{"data": [1]}', "data must be an object"),
        ('{"data": null}', "data must be an object"),
        (
            '{"data": {}, "mergingMode": "deep"}',
            "mergingMode must be one of replace, assign, merge, defaults, defaultsDeep",
        ),
        ('{"data": {}, "merging_mode": "merge"}', "merging_mode is not allowed"),
    ],
)
def test_invalid_crm_data_body_is_a_400_naming_the_field(client, texter_sandbox, dana, body, message):
    response = client.post(
        f"/chats/{dana['_id']}/crm-data", data=body, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()) == (400, {"message": message})
    assert texter_sandbox.chat(dana["_id"]) == dana


def test_a_merge_lodash_would_throw_on_is_a_500_and_writes_nothing(client, texter_sandbox, dana):
    body = {"data": {"customer": {"tags": {"length": -1}}}, "mergingMode": "merge"}
    response = client.post(f"/chats/{dana['_id']}/crm-data", json=body)
    assert response.status_code == 500 and "not a valid array length" in response.json()["message"]
    assert texter_sandbox.chat(dana["_id"]) == dana


def test_a_body_nested_past_the_recursion_limit_is_a_400(client, texter_sandbox, dana):
    body = '{"data": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + ', "mergingMode": "merge"}'
    response = client.post(
        f"/chats/{dana['_id']}/crm-data", data=body, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()) == (400, {"message": "body is not valid JSON"})


def test_every_problem_of_a_body_is_reported_together(client, dana):
    response = client.post(f"/chats/{dana['_id']}/crm-data", json={"data": 1, "mergingMode": "x", "y": 2})
    assert response.json()["message"] == (
        "y is not allowed; data must be an object; "
        "mergingMode must be one of replace, assign, merge, defaults, defaultsDeep"
    )


@pytest.mark.parametrize("chat_id", [UNKNOWN_CHAT, "not-a-chat-id", "64DE3B15398A8E09C47A9F62"])
def test_unknown_chat_is_a_404_naming_the_chat(client, chat_id):
    response = client.post(f"/chats/{chat_id}/crm-data", json={"data": {"plan": "pro"}})
    assert (response.status_code, response.json()) == (404, {"message": f"Chat {chat_id} not found"})
    assert client.patch(f"/chats/{chat_id}", json={"language": "he"}).status_code == 404
    assert client.get(f"/chats/{chat_id}").status_code == 404


def test_chat_id_in_the_path_is_url_decoded(texter_sandbox, dana):
    encoded = "".join(f"%{ord(character):02x}" for character in dana["_id"])  # requests would normalise it
    connection = http.client.HTTPConnection("127.0.0.1", texter_sandbox.port, timeout=5)
    connection.request(
        "POST",
        f"/server/api/v2/chats/{encoded}/crm-data",
        body=b'{"data": {"plan": "pro"}}',
        headers={"Authorization": "Bearer sandbox-token"},
    )
    assert connection.getresponse().status == 200
    connection.close()
    (request,) = texter_sandbox.requests
    assert (request.path, request.chat_id) == (f"/chats/{encoded}/crm-data", dana["_id"])
    assert texter_sandbox.chat(dana["_id"])["crmData"]["plan"] == "pro"


def test_patch_replaces_crm_data_and_overrides_every_property_sent(client, texter_sandbox, dana):
    properties = {
        "crmData": {"segment": "b2b"},
        "externalBot": True,
        "crmDeepLink": "https://crm.example.com/lead/7",
        "language": "he",
        "title": "Dana L",
    }
    response = client.patch(f"/chats/{dana['_id']}", json=properties)
    assert response.status_code == 200 and "success" not in response.json()
    stored = texter_sandbox.chat(dana["_id"])
    assert {name: stored[name] for name in properties} == properties
    assert response.json() == stored and stored["updatedAt"] != OLD


def test_patch_display_name_is_trimmed_and_whitespace_collapsed(client, texter_sandbox, dana):
    response = client.patch(f"/chats/{dana['_id']}", json={"displayName": "  Dana \t  Levi\n "})
    assert response.json()["displayName"] == "Dana Levi"
    assert texter_sandbox.chat(dana["_id"])["displayName"] == "Dana Levi"


def test_patch_with_blank_display_name_removes_the_custom_name(client, texter_sandbox, dana):
    client.patch(f"/chats/{dana['_id']}", json={"displayName": "Dana VIP"})
    response = client.patch(f"/chats/{dana['_id']}", json={"displayName": "   "})
    assert response.status_code == 200 and "displayName" not in response.json()
    assert "displayName" not in texter_sandbox.chat(dana["_id"])


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({}, "at least one property is required"),
        ({"externalBot": "true"}, "externalBot must be a boolean"),
        ({"externalBot": 1}, "externalBot must be a boolean"),
        ({"displayName": "x" * 256}, "displayName must be a string of at most 255 characters"),
        ({"displayName": None}, "displayName must be a string of at most 255 characters"),
        ({"language": 5}, "language must be a string of at most 255 characters"),
        ({"crmData": ["a"]}, "crmData must be an object"),
        ({"crmDeepLink": 7}, "crmDeepLink must be a string"),
        ({"title": False}, "title must be a string"),
        ({"nickname": "Dana"}, "nickname is not allowed"),
    ],
)
def test_invalid_patch_is_a_400_naming_the_field(client, texter_sandbox, dana, properties, message):
    response = client.patch(f"/chats/{dana['_id']}", json=properties)
    assert (response.status_code, response.json()) == (400, {"message": message})
    assert texter_sandbox.chat(dana["_id"]) == dana


@pytest.mark.parametrize("phone", ["+972521234567", "972521234567", "0521234567", "+972 (52) 123-4567"])
def test_search_finds_a_chat_by_phone_in_any_notation(client, dana, phone):
    found = client.get("/chats/search", params={"search": phone}).json()
    assert ([chat["_id"] for chat in found["data"]], found["total"]) == ([dana["_id"]], 1)


def test_search_by_phone_needs_the_end_of_the_number_to_match(client, dana):
    assert client.get("/chats/search", params={"search": "97252123456"}).json()["total"] == 0


def test_search_by_name_is_a_case_insensitive_substring_of_title_or_display_name(client, texter_sandbox):
    titled = texter_sandbox.add_chat(make_chat("972521111111", title="Noa Cohen"))
    renamed = texter_sandbox.add_chat(make_chat("972522222222", title="N", displayName="Tamar COHEN-Levi"))
    texter_sandbox.add_chat(make_chat("972523333333", title="Itai"))
    found = client.get("/chats/search", params={"search": "cohen"}).json()
    assert {chat["_id"] for chat in found["data"]} == {titled["_id"], renamed["_id"]}


def test_search_results_carry_crm_data_but_not_last_message(client, dana):
    (chat,) = client.get("/chats/search", params={"search": "Dana"}).json()["data"]
    assert chat["crmData"] == dana["crmData"] and "lastMessage" not in chat


def test_search_filters_by_channel_and_account(client, texter_sandbox, dana):
    instagram = texter_sandbox.add_chat(make_chat("972521234567", channel="instagram", account_id="ig-1"))
    texter_sandbox.add_chat(make_chat("972521234567", channel="instagram", account_id="ig-2"))
    params = {"search": "972521234567", "channel[name]": "instagram", "channel[accountId]": "ig-1"}
    found = client.get("/chats/search", params=params).json()
    assert [chat["_id"] for chat in found["data"]] == [instagram["_id"]]


def test_search_filters_by_any_of_the_labels(client, texter_sandbox):
    vip = texter_sandbox.add_chat(make_chat("972521111111", labels=["vip"]))
    billing = texter_sandbox.add_chat(make_chat("972522222222", labels=["billing", "lead"]))
    lead = texter_sandbox.add_chat(make_chat("972523333333", labels=["lead"]))
    found = client.get("/chats/search", params={"labels[]": ["billing", "vip"]}).json()["data"]
    assert {chat["_id"] for chat in found} == {vip["_id"], billing["_id"], SEEDED_PENDING_VIP}
    found = client.get("/chats/search", params={"labels[]": "lead"}).json()["data"]
    assert {chat["_id"] for chat in found} == {billing["_id"], lead["_id"]}


def test_search_filters_by_status_names(client, texter_sandbox):
    pending = texter_sandbox.add_chat(make_chat("972521111111", status=1))
    bulk = texter_sandbox.add_chat(make_chat("972522222222", status=4))
    texter_sandbox.add_chat(make_chat("972523333333", status=2))
    found = client.get("/chats/search", params={"statuses[]": ["PENDING", "BULK"], "includeEmpty": "true"})
    assert {chat["_id"] for chat in found.json()["data"]} == {pending["_id"], bulk["_id"], SEEDED_PENDING_VIP}


def test_search_is_newest_first_with_ties_by_id_and_pages_with_a_total(client, texter_sandbox):
    ids = ["a" * 23 + str(digit) for digit in range(5)]
    timestamps = [100, 300, 300, 200, 50]
    for chat_id, timestamp in reversed(list(zip(ids, timestamps, strict=True))):  # ids 2 before 1
        texter_sandbox.add_chat(make_chat("972527777777", _id=chat_id, last_message_timestamp=timestamp))
    query = {"search": "0527777777"}
    everything = client.get("/chats/search", params=query).json()
    assert [chat["_id"] for chat in everything["data"]] == [ids[1], ids[2], ids[3], ids[0], ids[4]]
    page = client.get("/chats/search", params={**query, "limit": 2, "offset": 2}).json()
    assert ([chat["_id"] for chat in page["data"]], page["total"]) == ([ids[3], ids[0]], 5)
    beyond = client.get("/chats/search", params={**query, "offset": 10}).json()
    assert (beyond["data"], beyond["total"]) == ([], 5)


def test_search_pages_thirty_chats_by_default(client, texter_sandbox):
    for index in range(35):
        texter_sandbox.add_chat(make_chat(f"97252{index:07d}"))
    found = client.get("/chats/search").json()
    assert (len(found["data"]), found["total"]) == (30, 35 + SEEDED_COUNT)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"search": "x"}, "search must be at least 2 characters"),
        ({"search": " a "}, "search must be at least 2 characters"),
        ({"channel[name]": "whatsapp"}, "channel[name] and channel[accountId] must be given together"),
        (
            {"channel[accountId]": "972586640430"},
            "channel[name] and channel[accountId] must be given together",
        ),
        (
            {"channel[name]": "fax", "channel[accountId]": "1"},
            "channel[name] must be one of whatsapp, messenger, instagram, website_chat, email",
        ),
        ({"labels[]": [str(index) for index in range(101)]}, "labels[] must have at most 100 items"),
        (
            {"statuses[]": "SOLVED"},
            "statuses[] must be one of BOT, PENDING, ASSIGNED, RESOLVED, BULK, got 'SOLVED'",
        ),
        (
            {"statuses[]": ["BOT", "TAKEN"]},
            "statuses[] must be one of BOT, PENDING, ASSIGNED, RESOLVED, BULK, got 'TAKEN'",
        ),
        ({"includeEmpty": "yes"}, "includeEmpty must be true or false"),
        ({"limit": "0"}, "limit must be an integer from 1 to 10000"),
        ({"limit": "10001"}, "limit must be an integer from 1 to 10000"),
        ({"limit": "ten"}, "limit must be an integer from 1 to 10000"),
        ({"offset": "-1"}, "offset must be an integer of at least 0"),
        ({"skip": "5"}, "skip is not allowed"),
    ],
)
def test_invalid_search_query_is_a_400_naming_the_parameter(client, params, message):
    response = client.get("/chats/search", params=params)
    assert (response.status_code, response.json()) == (400, {"message": message})


def test_get_chat_answers_the_public_view_only(client, texter_sandbox, dana):
    texter_sandbox.add_chat({**dana, "displayName": "Dana VIP", "labels": ["vip"]})
    view = client.get(f"/chats/{dana['_id']}").json()
    assert set(view) == {
        "status",
        "channelInfo",
        "agent",
        "departmentId",
        "lastMessageTimestamp",
        "lastMessage",
        "botState",
        "created",
        "updatedAt",
    }
    assert view["lastMessageTimestamp"] == dana["last_message_timestamp"]
    assert view["botState"] == {"id": dana["botState"]["id"]}
    assert view["channelInfo"]["id"] == "972521234567"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/labels/failed-message"),
        ("DELETE", "/chats/{chat_id}"),
        ("POST", "/chats/search"),
        ("GET", "/chats/assign"),
        ("GET", "/chats/{chat_id}/labels"),
        ("GET", "/chats/{chat_id}/crm-data"),
        ("PUT", "/chats/{chat_id}"),
    ],
)
def test_other_paths_and_methods_are_a_404(client, dana, method, path):
    response = client.request(method, path.format(chat_id=dana["_id"]), json={})
    assert (response.status_code, response.json()) == (404, {"message": "Not found"})
