"""The project's agents, so Assign Chat can find the one a body names by uid, email or CRM id.

Texter keeps its users elsewhere; the sandbox holds a small directory so that an assignment can be
checked (an unknown agent is a 400) and shown on the chat as ``agent: {uid, displayName}``.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

# Assign Chat's body fields that name an agent, and the Agent attribute each one is compared with
AGENT_FIELDS = {"agentUid": "uid", "agentEmail": "email", "agentCrmId": "crm_id"}


@dataclass(frozen=True)
class Agent:
    """One agent; ``uid`` is a UUID as Texter's agent ids are."""

    display_name: str
    email: str
    uid: str
    crm_id: str | None = None

    def on_chat(self) -> dict:
        """How a chat shows the agent it is assigned to."""
        return {"uid": self.uid, "displayName": self.display_name}


SEEDED_AGENTS = (
    Agent("Noa Levi", "noa@sandbox.example", "3f2c8a1e-6b4d-4e0a-9c57-2d81f0b6a4e1", "crm-agent-1"),
    Agent("Itai Cohen", "itai@sandbox.example", "8d4e1b7a-2c9f-4a63-b0e5-7f1a3c6d9e28", "crm-agent-2"),
    Agent("Eden Katz", "eden@sandbox.example", "c61a9f03-5e7b-4d28-8a4c-1b9e2f7d0c35"),
)


class AgentDirectory:
    """Thread-safe agents, starting with ``SEEDED_AGENTS``; uid, email and CRM id each name one agent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._agents: list[Agent] = list(SEEDED_AGENTS)

    def add(
        self, display_name: str, email: str, *, uid: str | None = None, crm_id: str | None = None
    ) -> Agent:
        """A new agent (a fresh UUID when ``uid`` is None); ValueError when another agent has its uid,
        email or CRM id, since a lookup by that value would then be ambiguous."""
        agent = Agent(display_name, email, uid or str(uuid.uuid4()), crm_id)
        with self._lock:
            for field, attribute in AGENT_FIELDS.items():
                value = getattr(agent, attribute)
                if value is not None and self._find(field, value) is not None:
                    raise ValueError(f"another agent already has {attribute} {value!r}")
            self._agents.append(agent)
        return agent

    def find(self, field: str, value: str) -> Agent | None:
        """The agent an Assign Chat ``field`` (``agentUid``, ``agentEmail``, ``agentCrmId``) names."""
        with self._lock:
            return self._find(field, value)

    def all(self) -> list[Agent]:
        with self._lock:
            return list(self._agents)

    def _find(self, field: str, value: str) -> Agent | None:
        attribute = AGENT_FIELDS[field]
        wanted = _comparable(attribute, value)
        return next(
            (agent for agent in self._agents if _comparable(attribute, getattr(agent, attribute)) == wanted),
            None,
        )


def _comparable(attribute: str, value: str | None) -> str | None:
    """Emails compare case-insensitively, as mail systems and login forms treat them; ids exactly."""
    return value.casefold() if attribute == "email" and value is not None else value
