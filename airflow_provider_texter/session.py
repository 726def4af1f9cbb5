"""The one pooled HTTP session of a hook: the token on every request, never in a repr; retries are ours."""

from __future__ import annotations

import os

import requests
from requests.adapters import HTTPAdapter

from airflow_provider_texter import __version__

POOL_SIZE = 64


class BearerAuth(requests.auth.AuthBase):
    """Adds the token to each request; its repr never shows it."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<BearerAuth ***>"


def pooled_session(base_url: str, token: str) -> requests.Session:
    """One session for every thread of a hook, with a pool as large as the most workers a transfer runs."""
    session = requests.Session()
    # With trust_env, requests re-reads proxy settings from the environment on every request
    # (a quarter of the client's CPU per row); read them once here instead.
    session.trust_env = False
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.auth = BearerAuth(token)
    session.headers.update(
        {"Accept": "application/json", "User-Agent": f"airflow-provider-texter/{__version__}"}
    )
    return session
