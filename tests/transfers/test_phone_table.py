"""Real-world phone numbers through SqlToTexterOperator: each reaches exactly its own chat, or is refused.

Every expected number has a chat in the sandbox, and so do the numbers a naive reading would pick
(the Russian ``8 (495)`` read as Vietnam ``+84 95``): no row may write into those.
"""

from __future__ import annotations

import json

import pytest
from transfers.test_sql_to_texter import run

from airflow_provider_texter.sandbox import make_chat

# (as written in the warehouse, default_region of the run, E.164 digits of the chat, or the refusal)
PHONES = [
    ("+972 52-123-4567", None, "972521234567"),
    ("(+972) 52 123 4567", None, "972521234567"),
    ("+972.52.123.4567", None, "972521234567"),
    ("972521234567", None, "972521234567"),
    ("+7 495 123 45 67", None, "74951234567"),
    ("+44 (0)20 7946 0958", None, "442079460958"),
    ("+49 (0)30 1234567", None, "49301234567"),
    ("+33 6 12 34 56 78", None, "33612345678"),
    ("+91 98765 43210", None, "919876543210"),
    ("+55 11 91234-5678", None, "5511912345678"),
    ("+81 3-1234-5678", None, "81312345678"),
    ("+61 4 1234 5678", None, "61412345678"),
    ("+234 803 123 4567", None, "2348031234567"),
    ("+27 82 123 4567", None, "27821234567"),
    ("+86 138 0013 8000", None, "8613800138000"),
    ("+52 55 1234 5678", None, "525512345678"),
    ("+1 650 253 0000 ext. 123", None, "16502530000"),
    ("\uff0b39 06 1234 5678", None, "390612345678"),
    ("tel:+1-201-555-0123;ext=7", None, "12015550123"),  # RFC 3966, as CRMs export
    ("tel:052-123-4567;phone-context=+972", None, "972521234567"),
    ("8 (495) 123-45-67", None, "has no country code"),
    ("0521234567", None, "has no country code"),
    ("+1 234", None, "it is too short"),
    ("+999 1234567", None, "its country code does not exist"),
    ("+44 20 7946 0958 0000 0000", None, "it is too long"),
    ("052-123-4567", "IL", "972521234567"),
    ("00972521234567", "IL", "972521234567"),
    ("\u0660\u0665\u0662\u0661\u0662\u0663\u0664\u0665\u0666\u0667", "IL", "972521234567"),
    ("hello", "IL", "is not a phone number"),
    ("12345", "IL", "it is too short"),
    ("8 (495) 123-45-67", "RU", "74951234567"),
    ("(650) 253-0000", "US", "16502530000"),
    ("011 44 20 7946 0958", "US", "442079460958"),
    ("1-800-FLOWERS", "US", "18003569377"),
    ("972521234567", "US", "it is too long"),
    ("020 7946 0958", "GB", "442079460958"),
    ("07911 123456", "GB", "447911123456"),
    ("0049 30 1234567", "DE", "49301234567"),
    ("030 1234567", "DE", "49301234567"),
    ("01 42 68 53 00", "FR", "33142685300"),
    ("098765 43210", "IN", "919876543210"),
    ("(11) 91234-5678", "BR", "5511912345678"),
    ("03-1234-5678", "JP", "81312345678"),
    ("0412 345 678", "AU", "61412345678"),
    ("06 1234 5678", "IT", "390612345678"),
    ("0 44 123 4567", "UA", "380441234567"),
]
# What a digits-only reading of some rows above would match: strangers who must stay untouched.
STRANGERS = ["84951234567", "8495123456", "521234567", "0521234567", "1972521234567", "442079460958000"]


def test_phone_table_covers_many_countries_and_forms():
    countries = {expected[:2] for _, _, expected in PHONES if expected.isdigit()}
    assert len(PHONES) >= 30 and len(countries) >= 10


@pytest.mark.parametrize("warehouse_name", ["sqlite_warehouse", "postgres_warehouse"])
def test_each_phone_writes_only_its_own_chat(warehouse_name, request, texter_sandbox, connect):
    warehouse = request.getfixturevalue(warehouse_name)
    connect(backoff_factor=0.01)
    chats = {
        digits: texter_sandbox.add_chat(make_chat(digits))["_id"]
        for digits in {expected for _, _, expected in PHONES if expected.isdigit()} | set(STRANGERS)
    }
    rows = [(number, raw, region or "", json.dumps({f"row_{number}": True})) for number, (raw, region, _) in
            enumerate(PHONES, start=1)]  # fmt: skip
    warehouse.load("phones", {"n": "INTEGER", "phone": "TEXT", "region": "TEXT", "marker": "TEXT"}, rows)

    rejected = {}
    for region in sorted({row[2] for row in rows}):
        sql = f"SELECT n, phone, marker FROM phones WHERE region = '{region}' ORDER BY n"
        result = run(warehouse, sql=sql,
                     phone_column="phone", default_region=region or None, column_map={"n": None},
                     json_columns=["marker"], max_failed_ratio=1.0)  # fmt: skip
        rejected.update({item["row"]["n"]: item["reason"] for item in result["failed_rows"]})
        assert result["unmatched"] == 0

    for number, (raw, _, expected) in enumerate(PHONES, start=1):
        if expected.isdigit():
            assert texter_sandbox.chat(chats[expected])["crmData"]["marker"].get(f"row_{number}") is True, raw
        else:
            assert expected in rejected[number] and repr(raw) in rejected[number], (raw, rejected.get(number))
    for digits in STRANGERS:
        assert texter_sandbox.chat(chats[digits])["crmData"] == {}, digits
