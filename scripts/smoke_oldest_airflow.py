"""Smoke test on the oldest Airflow the provider declares: registration, one example DAG, one SQL transfer.

Run by ``scripts/smoke-oldest-airflow`` with the interpreter of that Airflow's venv. It drives Airflow only
through its CLI (``airflow dags test`` runs ``dag.test()``), so nothing here depends on one release's
internals, and it checks what the sandbox and the warehouse hold afterwards, not only exit codes.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DAGS = ROOT / "example_dags"
TOKEN = "smoke-sandbox-token"
# A run takes seconds; a failed task of the example DAGs would wait minutes for its retry.
CLI_TIMEOUT_SECONDS = 180
# What a failed run logged: structlog's "[error    ] ..." lines, or the classic "ERROR - ..." ones.
ERROR_LINE = re.compile(r"\[error\s*\].*|\bERROR - .*")
RICH_TRACEBACK_END = "\u2570"  # the bottom-left corner of the box rich draws around a traceback
sys.path.insert(0, str(EXAMPLE_DAGS))  # sample_warehouse sits next to the DAGs it feeds

from demo import airflow_environment  # noqa: E402  (scripts/, this file's folder, is on sys.path)
from sample_warehouse import create_sqlite_warehouse, customer_chats, sample_chats  # noqa: E402

from airflow_provider_texter.sandbox import sandbox_process  # noqa: E402


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="texter-smoke-") as workdir:
        home = Path(workdir)
        chats = sample_chats()
        (home / "chats.json").write_text(json.dumps(chats), encoding="utf-8")
        create_sqlite_warehouse(home / "warehouse.db", chats)
        with sandbox_process("--seed-file", str(home / "chats.json"), token=TOKEN) as sandbox:
            environment = airflow_environment(home, sandbox.base_url, TOKEN)
            check_texter_hook_is_registered(environment)
            airflow(environment, "db", "migrate")

            single_chat = chats[-1]  # not a customer's: only the single-chat DAG writes to it
            conf = {"chat_id": single_chat["_id"], "data": {"smoke": True}, "display_name": "Smoke test"}
            airflow(environment, "dags", "test", "texter_single_chat_update", "--conf", json.dumps(conf))
            chat = next(chat for chat in sandbox.admin("chats")["chats"] if chat["_id"] == single_chat["_id"])
            expect(chat["crmData"].get("smoke") is True, f"single chat update: crmData is {chat['crmData']}")
            expect(chat.get("displayName") == "Smoke test", f"single chat update: {chat.get('displayName')}")

            airflow(environment, "dags", "test", "texter_crm_enrichment")
            after = {chat["_id"]: chat for chat in sandbox.admin("chats")["chats"]}
            enriched = [chat for chat in customer_chats(chats) if "plan" in after[chat["_id"]]["crmData"]]
            expect(len(enriched) >= 40, f"SqlToTexterOperator enriched {len(enriched)} chats, expected >= 40")
            rejected = rejected_rows(home / "warehouse.db")
            expect(len(rejected) == 3, f"rejected rows: {rejected}")
    print(f"Smoke test on Airflow {airflow_version()}: passed in {time.monotonic() - started:.0f} s")
    return 0


def airflow(environment: dict[str, str], *arguments: str) -> str:
    """Run this venv's ``airflow`` CLI; stop with its output when it fails (``dags test``: a failed run)."""
    command = [str(Path(sys.executable).with_name("airflow")), *arguments]
    name = f"`airflow {' '.join(arguments[:3])}`"
    try:
        result = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired as timeout:
        print(_tail(timeout.stdout, timeout.stderr))
        raise SystemExit(f"{name} took over {CLI_TIMEOUT_SECONDS} s: a failed task waits to retry") from None
    if result.returncode:
        print(_tail(result.stdout, result.stderr))
        causes = "\n".join(f"  {cause}" for cause in failure_causes(result.stdout + result.stderr))
        raise SystemExit(f"{name} failed; the errors it logged, each once, with their exceptions:\n{causes}")
    return result.stdout


def failure_causes(output: str) -> list[str]:
    """Each error line of a failed run and the exception each traceback ended in, in order, once: the
    cause is often far above the tail (a connection that failed to load, long before "DagRun failed")."""
    causes = []
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if error := ERROR_LINE.search(line):
            causes.append(error.group().strip())
        elif line.startswith(RICH_TRACEBACK_END):  # rich wraps the exception's text below the box
            following = [text.strip() for text in lines[index + 1 :]]
            causes.append(" ".join(following[: following.index("")] if "" in following else following))
        elif line.startswith("Traceback (most recent call last)"):  # plain: the first line not indented
            causes += [text for text in lines[index + 1 :] if text[:1] not in ("", " ")][:1]
    return list(dict.fromkeys(causes))


def _tail(*outputs: str | bytes | None) -> str:
    text = "".join(part.decode() if isinstance(part, bytes) else part or "" for part in outputs)
    return "\n".join(text.splitlines()[-60:])


def check_texter_hook_is_registered(environment: dict[str, str]) -> None:
    output = airflow(environment, "providers", "hooks", "--output", "json")
    (table,) = [line for line in output.splitlines() if line.startswith("[{")]
    hooks = {row["connection_type"]: row["class"] for row in json.loads(table)}
    expect(hooks.get("texter") == "airflow_provider_texter.hooks.texter.TexterHook", f"hooks: {hooks}")


def rejected_rows(warehouse: Path) -> list[tuple]:
    connection = sqlite3.connect(warehouse)
    try:
        return connection.execute("SELECT status, chat_key FROM texter_rejected_rows").fetchall()
    finally:
        connection.close()


def airflow_version() -> str:
    from importlib.metadata import version

    return version("apache-airflow")


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"smoke test failed: {message}")


if __name__ == "__main__":
    sys.exit(main())
