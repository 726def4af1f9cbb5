"""The sample warehouse the example DAGs read: one ``customers`` table that matches a set of Texter chats.

The demo (``scripts/demo``) and the tests of the example DAGs build it from the same chats with the same
seed, so they agree on what every DAG must change. It defines data only, no DAG, and needs no Airflow.

Of the customers, about 60% carry their Texter chat id (``chat_id``); the others are known by a phone
written the ways shop systems write them (``+972 50-123-4567``, ``050-1234567``, ``00972 50 123 4567``,
``972501234567``). On purpose, one customer still has the retired plan ``gold`` (the contract rejects the
row) and two phones have no chat in Texter (unmatched): both land in the rejected-rows table.

``subscriptions`` holds each customer's plan renewal: a first name, the phone, the renewal date (one of
the two weeks after ``FIRST_RENEWAL``) and whether they agreed to WhatsApp messages (every fifth did not).
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from airflow_provider_texter.sandbox import generate_chats

COLUMNS = (
    "customer_id",
    "full_name",
    "chat_id",
    "phone",
    "plan",
    "tags",
    "lifetime_value",
    "lead_id",
    "last_order_date",
)
# Portable DDL (SQLite and PostgreSQL). ``tags`` holds a JSON array as text, as SQLite and MySQL store it.
CREATE_CUSTOMERS = """
CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY,
    full_name TEXT NOT NULL,
    chat_id TEXT,
    phone TEXT,
    plan TEXT NOT NULL,
    tags TEXT,
    lifetime_value NUMERIC(12, 2),
    lead_id INTEGER,
    last_order_date DATE
)
"""
# Who looks after which customer: an agent (by email) for premium customers, the sales department for pro.
CREATE_ACCOUNT_MANAGERS = """
CREATE TABLE account_managers (
    customer_id INTEGER PRIMARY KEY,
    agent_email TEXT,
    department_id TEXT
)
"""
CREATE_SUBSCRIPTIONS = """
CREATE TABLE subscriptions (
    customer_id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    phone TEXT,
    renewal_date DATE NOT NULL,
    opted_in INTEGER NOT NULL
)
"""
FIRST_RENEWAL = date(2026, 12, 8)
ACCOUNT_MANAGERS = ("noa@sandbox.example", "itai@sandbox.example")  # agents the sandbox knows
SALES_DEPARTMENT = "sales"
COUNTRY_CODE = "972"  # local phones (050-...) are Israeli, as DEFAULT_REGION = "IL" in the DAG
MAX_CUSTOMERS_WITH_CHATS = 48
RETIRED_PLAN = "gold"
UNMATCHED_PHONES = ("+972 53-000-0001", "053-000-0002")
TAGS = ("newsletter", "returning", "wholesale", "app_user", "churn_risk", "referral")
PLAN_VALUES = {"free": (0, 300), "pro": (300, 4_000), "premium": (4_000, 20_000)}
FIRST_ORDER_DAY = date(2025, 1, 1)


def sample_chats(count: int = 60, *, seed: int = 0) -> list[dict]:
    """Texter chats for the sandbox, some with crmData already.

    Every third chat holds keys a bot wrote, which a sync must keep; the second customer's chat holds them
    and what an older sync wrote (all tags, a coupon), which tonight's values must replace.
    """
    chats = generate_chats(count, seed=seed)
    for index, chat in enumerate(chats[::3]):
        chat["crmData"] = {"language": "he" if index % 2 else "en", "source": "whatsapp_ad"}
    customer_chats(chats)[1]["crmData"] = {
        "language": "en",
        "source": "whatsapp_ad",
        "plan": "pro",
        "tags": list(TAGS),
        "customer": {"lead_id": 1, "coupon": "WELCOME10"},
    }
    return chats


def customer_chats(chats: list[dict]) -> list[dict]:
    """The chats that belong to customers, in ``customer_id`` order: the first 48 by ``_id``."""
    return sorted(chats, key=lambda chat: chat["_id"])[:MAX_CUSTOMERS_WITH_CHATS]


def sample_customers(chats: list[dict], *, seed: int = 0) -> list[tuple]:
    """Rows in ``COLUMNS`` order: one customer per chat of ``customer_chats``, then the unmatched phones."""
    rng = random.Random(seed)
    rows = []
    for index, chat in enumerate(customer_chats(chats)):
        known_by_chat_id = index % 5 < 3
        phone = _shop_phone(chat["channelInfo"]["id"], index)
        name = chat.get("title") or f"Customer {index + 1}"
        plan = RETIRED_PLAN if index == 2 else _plan(rng)
        rows.append(
            (index + 1, name, chat["_id"] if known_by_chat_id else None, phone, plan, *_facts(rng, plan))
        )
    for offset, phone in enumerate(UNMATCHED_PHONES, start=len(rows) + 1):
        rows.append((offset, f"Walk-in {offset}", None, phone, "free", *_facts(rng, "free")))
    return rows


def account_managers(customers: list[tuple]) -> list[tuple]:
    """``(customer_id, agent_email, department_id)``: premium customers get agents in turn, pro ones sales."""
    rows = []
    for customer_id, _, _, _, plan, *_ in customers:
        if plan == "premium":
            rows.append((customer_id, ACCOUNT_MANAGERS[len(rows) % len(ACCOUNT_MANAGERS)], None))
        elif plan == "pro":
            rows.append((customer_id, None, SALES_DEPARTMENT))
    return rows


def subscriptions(customers: list[tuple]) -> list[tuple]:
    """``(customer_id, first_name, phone, renewal_date, opted_in)`` per customer with a phone."""
    return [
        (customer_id, full_name.split()[0], phone,
         (FIRST_RENEWAL + timedelta(days=customer_id % 14)).isoformat(), int(customer_id % 5 != 0))
        for customer_id, full_name, _, phone, *_ in customers
        if phone
    ]  # fmt: skip


def create_sqlite_warehouse(path: str | Path, chats: list[dict], *, seed: int = 0) -> list[tuple]:
    """A fresh SQLite file at ``path`` with the ``customers`` of ``chats``, their account managers and
    subscriptions; returns the customer rows written."""
    path = Path(path)
    path.unlink(missing_ok=True)
    rows = sample_customers(chats, seed=seed)
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.execute(CREATE_CUSTOMERS)
            placeholders = ", ".join("?" for _ in COLUMNS)
            connection.executemany(
                f"INSERT INTO customers ({', '.join(COLUMNS)}) VALUES ({placeholders})", rows
            )
            connection.execute(CREATE_ACCOUNT_MANAGERS)
            connection.executemany("INSERT INTO account_managers VALUES (?, ?, ?)", account_managers(rows))
            connection.execute(CREATE_SUBSCRIPTIONS)
            connection.executemany("INSERT INTO subscriptions VALUES (?, ?, ?, ?, ?)", subscriptions(rows))
    finally:
        connection.close()
    return rows


def _plan(rng: random.Random) -> str:
    return rng.choices(list(PLAN_VALUES), weights=(5, 3, 2))[0]


def _facts(rng: random.Random, plan: str) -> tuple:
    """tags (JSON text), lifetime value, lead id, last order date: NULL now and then, as real data has."""
    low, high = PLAN_VALUES.get(plan, PLAN_VALUES["pro"])
    tags = json.dumps(rng.sample(TAGS, rng.randrange(4)))
    lifetime_value = round(rng.uniform(low, high), 2)
    lead_id = rng.randrange(10_000, 99_999) if rng.random() < 0.8 else None
    ordered = lifetime_value > 0 and rng.random() < 0.9
    last_order = (FIRST_ORDER_DAY + timedelta(days=rng.randrange(390))).isoformat() if ordered else None
    return tags, lifetime_value, lead_id, last_order


def _shop_phone(digits: str, index: int) -> str:
    """The contact's number (``972501234567``) as a shop system might have typed it."""
    local = digits[len(COUNTRY_CODE) :]
    styles = (
        f"+{COUNTRY_CODE} {local[:2]}-{local[2:5]}-{local[5:]}",
        f"0{local[:2]}-{local[2:]}",
        f"00{COUNTRY_CODE} {local[:2]} {local[2:5]} {local[5:]}",
        digits,
    )
    return styles[index % len(styles)]
