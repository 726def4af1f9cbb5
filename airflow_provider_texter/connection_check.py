"""The Airflow UI's Test button for a ``texter`` connection: an answer within seconds, whatever the host."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_texter.actions.search_chats import SEARCH_CHATS, SEARCH_QUERY_NAMES
from airflow_provider_texter.exceptions import TexterConfigError, TexterError
from airflow_provider_texter.retry_policy import RetryPolicy

if TYPE_CHECKING:
    from airflow_provider_texter.hooks.texter import TexterHook

TEST_CONNECTION_TIMEOUT = 10.0  # seconds: the UI's request waits on the Test button


def check_connection(hook: TexterHook) -> tuple[bool, str]:
    """One cheap authenticated search with one attempt and at most a 10 s timeout (less when the
    connection's is lower), instead of the retry policy's minutes against a host that never answers."""
    try:
        result = hook.send(
            SEARCH_CHATS.request(query={SEARCH_QUERY_NAMES["limit"]: 1}),
            timeout=min(TEST_CONNECTION_TIMEOUT, hook.settings.timeout),
            retry_policy=RetryPolicy(max_retries=0),
        )
    except TexterConfigError as error:
        return False, str(error)
    except TexterError as error:
        return False, f"{hook.transport.host} did not accept the test request: {error}"
    return True, f"Connected to {hook.settings.base_url}: token accepted, {result.get('total', 0)} chats"
