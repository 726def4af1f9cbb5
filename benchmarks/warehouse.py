"""The benchmark's warehouse: a SQLite ``customers`` table whose chat ids the sandbox knows.

The ids come from ``generate_chats(n, seed=0)``, the chats the sandbox CLI serves with ``--generate n``,
so every row names an existing chat and a failed row means a failed write, never an unknown chat.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from airflow_provider_texter.sandbox.chats import generate_chats

PLANS = ("free", "pro", "premium")
TAGS = ("vip", "billing", "newsletter", "churn-risk")
COLUMNS = "chat_id TEXT NOT NULL, plan TEXT, tags TEXT, lifetime_value REAL, lead_id INTEGER, last_order DATE"
CRM_FIELDS = ("plan", "tags", "lifetime_value", "lead_id", "last_order")
QUERY = f"SELECT chat_id, {', '.join(CRM_FIELDS)} FROM customers ORDER BY lead_id"


def build_warehouse(path: Path, row_count: int, *, part: int = 0, parts: int = 1) -> Path:
    """Write ``row_count`` customers to a fresh SQLite file at ``path`` (reused when already built).

    With ``parts`` > 1, the chats are those of ``generate_chats(row_count * parts)``, and this warehouse
    holds the ``part``-th slice of them: concurrent syncs of the parts never write the same chat.
    """
    if path.exists():
        return path
    rng = random.Random(1)
    chats = generate_chats(row_count * parts, seed=0)[part * row_count : (part + 1) * row_count]
    rows = [
        (
            chat["_id"],
            rng.choice(PLANS),
            json.dumps(rng.sample(TAGS, rng.randrange(3))),
            round(rng.uniform(0, 5000), 2),
            lead_id,
            (date(2026, 1, 1) - timedelta(days=rng.randrange(700))).isoformat(),
        )
        for lead_id, chat in enumerate(chats, start=1)
    ]
    partial = path.with_suffix(".partial")
    with sqlite3.connect(partial) as connection:
        connection.execute(f"CREATE TABLE customers ({COLUMNS})")
        connection.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)", rows)
    connection.close()
    partial.rename(path)
    return path
