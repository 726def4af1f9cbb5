"""A fault aimed at one path waits for a request to it; requests to other paths pass it by."""

from __future__ import annotations

import requests


def test_a_fault_for_a_path_lets_other_paths_through(texter_sandbox):
    texter_sandbox.fail_next(1, 503, path="/labels")
    headers = {"Authorization": f"Bearer {texter_sandbox.token}"}
    first = requests.get(texter_sandbox.base_url + "/whatsapp/templates", headers=headers, timeout=5)
    second = requests.get(texter_sandbox.base_url + "/labels", headers=headers, timeout=5)
    third = requests.get(texter_sandbox.base_url + "/labels", headers=headers, timeout=5)
    assert [first.status_code, second.status_code, third.status_code] == [200, 503, 200]
