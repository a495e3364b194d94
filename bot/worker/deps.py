"""What the turn pipeline needs, built in `bot.app` and handed to the processor and its effects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.config import ShopConfig, WorkerSettings
from bot.dialogue.types import Dialogue
from bot.guard.types import Inspection
from bot.models import Language
from bot.ozon.client import OzonClient
from bot.staff.texts import Texts
from bot.state.chats import ChatStore
from bot.state.escalations import ControlStore
from bot.state.keys import Keys
from bot.worker.escalate import Escalator
from bot.worker.metrics import Metrics
from bot.worker.send import Sender


class Inspector(Protocol):
    def inspect(self, text: str) -> Inspection: ...


class Renderer(Protocol):
    def render(
        self,
        key: str,
        lang: Language,
        values: Mapping[str, object] | None = None,
        *,
        seed: str = "",
    ) -> str: ...


@dataclass
class PipelineDeps:
    """Everything the processor needs, built in `bot.app`."""

    shops: Mapping[str, ShopConfig]
    clients: Mapping[str, OzonClient]
    chats: ChatStore
    control: ControlStore
    escalator: Escalator
    inbound: Inspector
    dialogue: Dialogue
    sender: Sender
    knowledge: Renderer
    detect_language: Callable[[str], Language]
    metrics: Metrics
    keys: Keys
    settings: WorkerSettings
    notices: Texts
    """Staff notices in the staff language."""
    worker_id: str = "worker"
    clock: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())
