"""Everything the sandbox's endpoints read and change, built once per sandbox; each part has its own lock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .agents import AgentDirectory
from .delivery import Delivery
from .drift import SearchDrift
from .labels import LabelStore
from .messages import MessageStore
from .optouts import OptOutStore
from .store import ChatStore
from .templates import SEEDED_TEMPLATES, TemplateStore


@dataclass(frozen=True)
class SandboxState:
    """Chats, labels, agents, template opt-outs, templates, messages with their delivery, and the drift
    of chats during Search Chats scans."""

    chats: ChatStore
    labels: LabelStore
    agents: AgentDirectory
    opt_outs: OptOutStore
    templates: TemplateStore
    messages: MessageStore
    drift: SearchDrift

    @classmethod
    def starting_with(cls, chats: Iterable[dict]) -> SandboxState:
        """A fresh state: these chats, the system labels, the seeded agents and templates, no messages."""
        store = ChatStore(chats)
        return cls(
            chats=store,
            labels=LabelStore(),
            agents=AgentDirectory(),
            opt_outs=OptOutStore(store),
            templates=TemplateStore(list(SEEDED_TEMPLATES)),
            messages=MessageStore(store, Delivery()),
            drift=SearchDrift(),
        )
