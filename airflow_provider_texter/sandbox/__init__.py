"""A local Texter API v2 server for tests, benchmarks and demos: standard library only.

In a test::

    from airflow_provider_texter.sandbox import TexterSandbox, make_chat

    with TexterSandbox("sandbox-token") as sandbox:
        chat = sandbox.add_chat(make_chat("972521234567", title="Dana"))
        ...  # point a connection at sandbox.base_url with the token, run the code under test
        assert sandbox.chat(chat["_id"])["crmData"] == {...}
        assert [request.status for request in sandbox.requests] == [200]

With pytest, the ``texter_sandbox`` and ``texter_connection`` fixtures do the starting and stopping.
From a shell: ``python -m airflow_provider_texter.sandbox --port 8765 --token T --generate 1000``;
from a script that wants it as a child process: ``with sandbox_process("--generate", "1000") as server:``.
The provider never imports this package.
"""

from .agents import Agent
from .chats import generate_chats, make_chat
from .merging import apply_merging_mode
from .process import SandboxProcess, sandbox_process
from .recording import RecordedRequest
from .server import TexterSandbox
from .templates import make_template

__all__ = [
    "Agent",
    "RecordedRequest",
    "SandboxProcess",
    "TexterSandbox",
    "apply_merging_mode",
    "generate_chats",
    "make_chat",
    "make_template",
    "sandbox_process",
]
