"""One worker process of the shared-limit tests: its own ``TexterHook``, threads writing its own chats.

``python sharing_client.py '<json>'`` with ``{"texter": conn, "store": conn or null, "chats": [...],
"threads": n}``. It imports Airflow, prints ``ready``, waits for a line on stdin (so every process
starts sending at once), writes each chat once, and prints one JSON line: rows written and failed.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading


def main(settings: dict) -> dict:
    os.environ["AIRFLOW_CONN_TEXTER_DEFAULT"] = json.dumps(settings["texter"])
    if settings["store"]:
        os.environ["AIRFLOW_CONN_RATE_STORE"] = json.dumps(settings["store"])
    from airflow_provider_texter.exceptions import TexterError
    from airflow_provider_texter.hooks.texter import TexterHook

    hook = TexterHook()
    chats: queue.Queue[str] = queue.Queue()
    for chat_id in settings["chats"]:
        chats.put(chat_id)
    outcome = {"written": 0, "failed": []}
    lock = threading.Lock()

    def work() -> None:
        while True:
            try:
                chat_id = chats.get_nowait()
            except queue.Empty:
                return
            try:
                hook.update_crm_data(chat_id, {"synced": True})
                with lock:
                    outcome["written"] += 1
            except TexterError as error:
                with lock:
                    outcome["failed"].append(f"{chat_id}: {error}")

    hook.throttle  # noqa: B018 (connect to the store before the start, as a running task would be)
    print("ready", flush=True)
    sys.stdin.readline()
    threads = [threading.Thread(target=work) for _ in range(settings["threads"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))), flush=True)
