"""Helpers for the sandbox tests: an authorised HTTP session against the running sandbox."""

from __future__ import annotations

import pytest
import requests


class Client:
    """``requests`` with the sandbox's base URL and token filled in."""

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, self.base_url + path, timeout=5, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        return self.request("PATCH", path, **kwargs)


@pytest.fixture
def client_for():
    """Make clients for any sandbox (and token); their connections close after the test."""
    clients = []

    def client_for(sandbox, token: str | None = None) -> Client:
        clients.append(Client(sandbox.base_url, sandbox.token if token is None else token))
        return clients[-1]

    yield client_for
    for client in clients:
        client.session.close()


@pytest.fixture
def client(texter_sandbox, client_for) -> Client:
    return client_for(texter_sandbox)
