"""The demo: the example DAGs against a local Texter sandbox and a SQLite warehouse, then what changed.

Run by ``scripts/demo`` (which sets up ``.venv``). Every run starts from a fresh ``.demo/`` (Airflow home,
warehouse, seed chats, logs) and stops the sandbox it started, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / ".demo"
EXAMPLE_DAGS = ROOT / "example_dags"
TOKEN = "demo-sandbox-token"
sys.path.insert(0, str(EXAMPLE_DAGS))  # sample_warehouse sits next to the DAGs it feeds

from sample_warehouse import create_sqlite_warehouse, customer_chats, sample_chats  # noqa: E402

from airflow_provider_texter.sandbox import SandboxProcess, sandbox_process  # noqa: E402

# "2026-...Z [info     ] <message> [logger.name] key=value ...": the message is what the demo shows.
LOG_LINE = re.compile(r"^\S+ \[\w+\s*\] (?P<message>.*?)(?: \[[\w.]+\](?: \w+=.*)?)?$")
TASK_START = re.compile(r"^\[DAG TEST\] starting task_id=(?P<task>\S+) map_index=(?P<index>-?\d+)")
CHAT_FIELDS = ("crmData", "displayName", "externalBot")
SHOWN = re.compile(r"^(Summary: |Row \S+ .* (failed|unmatched): |Updated Texter chat)")


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops the sandbox
    started = time.monotonic()
    shutil.rmtree(DEMO, ignore_errors=True)
    (DEMO / "logs").mkdir(parents=True)
    chats = sample_chats()
    (DEMO / "chats.json").write_text(json.dumps(chats), encoding="utf-8")
    customers = create_sqlite_warehouse(DEMO / "warehouse.db", chats)
    with sandbox_process("--seed-file", str(DEMO / "chats.json"), token=TOKEN) as sandbox:
        print(f"Texter sandbox: {sandbox.base_url}, {len(chats)} chats (nothing leaves this machine)")
        print(f"Warehouse:      .demo/warehouse.db (SQLite), {len(customers)} customers")
        before = sandbox_chats(sandbox)
        environment = airflow_environment(DEMO, sandbox.base_url)
        airflow(environment, "db", "migrate", log="db_migrate")
        customer_chat_ids = {chat["_id"] for chat in customer_chats(chats)}
        single_chat = next(chat for chat in chats if chat["_id"] not in customer_chat_ids)
        conf = {
            "chat_id": single_chat["_id"],
            "data": {"support": {"priority": "high", "topic": "delivery"}},
            "display_name": f"{single_chat['title']} (delivery issue)",
        }
        for dag_id, dag_conf in [
            ("texter_crm_enrichment", None),
            ("texter_vip_external_bot", None),
            ("texter_single_chat_update", conf),
        ]:
            run_dag(environment, dag_id, dag_conf)
        after = sandbox_chats(sandbox)
        requests = sandbox.admin("requests")
        print("\nThe next night: nothing changed in the warehouse, so the stateful sync sends nothing")
        print("(only rows that failed or matched no chat are tried again)")
        run_dag(environment, "texter_crm_enrichment", None)
        again = sandbox.admin("requests")["count"] - requests["count"]
        print(f"  -> {again} API requests the second night, against {requests['count']} the first")
        keep_segment(environment, sandbox, customers)
        show_changes(before, after, customers, chats, single_chat["_id"])
    statuses = ", ".join(f"{count} x {status}" for status, count in requests["by_status"].items())
    print(f"API requests:   {requests['count']} ({statuses})")
    show_rejected_rows(DEMO / "warehouse.db")
    print(f"\nDone in {time.monotonic() - started:.0f} s; the Airflow logs are in .demo/logs/")
    return 0


def sandbox_chats(sandbox: SandboxProcess) -> dict[str, dict]:
    return {chat["_id"]: chat for chat in sandbox.admin("chats")["chats"]}


def airflow_environment(home: Path, base_url: str, token: str = TOKEN) -> dict[str, str]:
    """Airflow configured by environment variables only: its home and the SQLite warehouse under
    ``home``, the example DAGs, the two connections (also used by scripts/smoke_oldest_airflow.py)."""
    texter = {"conn_type": "texter", "host": base_url, "password": token}
    warehouse = {"conn_type": "sqlite", "host": str(home / "warehouse.db")}
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(EXAMPLE_DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_TEXTER_DEFAULT": json.dumps(texter),
        "AIRFLOW_CONN_WAREHOUSE": json.dumps(warehouse),
    }


def airflow(environment: dict[str, str], *arguments: str, log: str) -> subprocess.CompletedProcess:
    """Run the ``airflow`` CLI of this interpreter's environment; its output goes to ``.demo/logs``."""
    command = [str(Path(sys.executable).with_name("airflow")), *arguments]
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    (DEMO / "logs" / f"{log}.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode:
        print("\n".join((result.stdout + result.stderr).splitlines()[-30:]))
        raise SystemExit(f"`airflow {' '.join(arguments)}` failed: see .demo/logs/{log}.log")
    return result


def run_dag(environment: dict[str, str], dag_id: str, conf: dict | None) -> None:
    """``airflow dags test``, showing only the lines that tell what the tasks did."""
    arguments = ["dags", "test", dag_id] + (["--conf", json.dumps(conf)] if conf else [])
    print(f"\n$ airflow {' '.join(arguments[:3])}" + (f" --conf '{json.dumps(conf)}'" if conf else ""))
    started = time.monotonic()
    result = airflow(environment, *arguments, log=dag_id)
    task = ""
    for line in result.stdout.splitlines():
        match = LOG_LINE.match(line)
        if not match:
            continue
        message = match["message"]
        if started_task := TASK_START.match(message):
            index = int(started_task["index"])
            task = started_task["task"] + (f"[{index}]" if index >= 0 else "")
        elif SHOWN.match(message):
            print(f"  {task}: {message}")
    print(f"  -> success in {time.monotonic() - started:.1f} s")


def show_changes(before: dict, after: dict, customers: list[tuple], chats: list[dict], single: str) -> None:
    """Before/after for a chat of each kind, then totals."""
    # customer_id -> chat id; the unmatched customers come last and have none
    linked = {row[0]: chat["_id"] for row, chat in zip(customers, customer_chats(chats), strict=False)}
    by_chat_id = next(row for row in customers if row[2] and "tags" in before[row[2]]["crmData"])
    by_phone = next(row for row in customers if not row[2] and row[0] in linked and row[3].startswith("0"))
    vip = max((row for row in customers if row[2] and row[4] == "premium"), key=lambda row: row[6])
    gold = next(row for row in customers if row[4] == "gold")
    examples = [
        (by_chat_id[2], "known by chat id: last sync's keys replaced, the bot's kept"),
        (linked[by_phone[0]], f"known by phone {by_phone[3]!r}: found with Search Chats"),
        (vip[2], "VIP: external bot on, named as in the CRM"),
        (gold[2], "plan 'gold' breaks the contract: not sent, kept in texter_rejected_rows"),
        (single, "texter_single_chat_update, from --conf"),
    ]
    print("\nWhat changed in the sandbox")
    for chat_id, why in examples:
        print(f"  {before[chat_id]['title']} ({chat_id}): {why}")
        for key in CHAT_FIELDS:
            old, new = before[chat_id].get(key), after[chat_id].get(key)
            if old != new:
                print(f"    {key + ':':<13}    {json.dumps(old)}\n    {'->':>16} {json.dumps(new)}")
            elif key == "crmData":
                print(f"    {key + ':':<13}    {json.dumps(old)} (unchanged)")
    changes = {chat_id: [key for key in CHAT_FIELDS if chat.get(key) != before[chat_id].get(key)]
               for chat_id, chat in after.items()}  # fmt: skip
    counts = Counter(key for keys in changes.values() for key in keys)
    print(
        f"\nChats changed:  {sum(map(bool, changes.values()))} of {len(after)} "
        f"({', '.join(f'{key} {counts[key]}' for key in CHAT_FIELDS)})"
    )


def keep_segment(environment: dict[str, str], sandbox: SandboxProcess, customers: list[tuple]) -> None:
    """texter_segment_labels twice: as the warehouse is, then after two customers left the premium plan
    and one joined it; show those three chats' labels."""
    print("\nThe premium segment as a label, and each chat routed to its account manager")
    run_dag(environment, "texter_segment_labels", None)
    premium = sorted(row[2] for row in customers if row[2] and row[4] == "premium")
    leaving, joining = premium[:2], next(row[2] for row in customers if row[2] and row[4] == "pro")
    connection = sqlite3.connect(DEMO / "warehouse.db")
    try:
        with connection:
            connection.executemany(
                "UPDATE customers SET plan = ? WHERE chat_id = ?",
                [("pro", chat_id) for chat_id in leaving] + [("premium", joining)],
            )
    finally:
        connection.close()
    before = sandbox_chats(sandbox)
    print("\nAn hour later two customers left the premium plan and one joined it; owners did not change")
    run_dag(environment, "texter_segment_labels", None)
    after = sandbox_chats(sandbox)
    for chat_id, what in [(leaving[0], "left"), (leaving[1], "left"), (joining, "joined")]:
        old, new = before[chat_id]["labels"], after[chat_id]["labels"]
        print(f"  {after[chat_id]['title']} ({what}): labels {old} -> {new}")


def show_rejected_rows(warehouse: Path) -> None:
    """The rejected rows of the last DAG run that rejected any: the table keeps those of every run."""
    connection = sqlite3.connect(warehouse)
    try:
        dag_id, run_id = connection.execute(
            "SELECT dag_id, run_id FROM texter_rejected_rows ORDER BY rejected_at DESC LIMIT 1"
        ).fetchone()
        rows = connection.execute(
            "SELECT task_id, status, chat_key, reason FROM texter_rejected_rows "
            "WHERE dag_id = ? AND run_id = ? ORDER BY task_id, row_number",
            (dag_id, run_id),
        ).fetchall()
    finally:
        connection.close()
    print(f"Rejected rows:  {len(rows)} in the last run of {dag_id} ({run_id}), kept in texter_rejected_rows")
    print("                (the warehouse) with their DAG, task and run, to fix and re-run:")
    for task_id, status, chat_key, reason in rows:
        print(f"  {task_id}: {status:<9} {chat_key}: {reason}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nInterrupted; the sandbox is stopped.", file=sys.stderr)
        sys.exit(130)
