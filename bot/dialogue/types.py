"""The dialogue stage's narrow interface: a buyer turn in, Rasa's understanding and answer out.

The wire format is fixed in `docs/dialogue.md`; these types are what the rest of the worker sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from bot.models import EscalationReason, InboundFlag, Language

FALLBACK_INTENT = "nlu_fallback"


def conversation_id(prefix: str, shop: str, chat_id: str) -> str:
    """Rasa's conversation id of one chat, or of one public item (`question:<id>`,
    `review:<id>`): `<prefix>:<shop>:<chat_id>`, the deployment's Redis prefix first, so that
    deployments (and emulator runs, which number their items alike) never share one."""
    return f"{prefix}:{shop}:{chat_id}"


@dataclass(frozen=True, slots=True)
class TurnRequest:
    sender: str
    text: str
    shop: str
    chat_id: str
    lang: Language
    turn: str
    order_number: str | None = None
    sku: str | None = None
    flags: frozenset[InboundFlag] = frozenset()

    def metadata(self) -> dict[str, object]:
        return {
            "shop": self.shop,
            "chat_id": self.chat_id,
            "lang": self.lang.value,
            "order_number": self.order_number,
            "sku": self.sku,
            "flags": sorted(flag.value for flag in self.flags),
            "turn": self.turn,
        }


@dataclass(frozen=True, slots=True)
class Entity:
    entity: str
    value: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class ActionPayload:
    """What an action said about itself (`{"ozonbot": {...}}` custom messages)."""

    kind: Literal["reply", "escalate", "retry"]
    key: str | None = None
    reason: EscalationReason | None = None
    detail: str | None = None
    suggested: str | None = None
    error: str | None = None
    facts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DialogueResult:
    intent: str | None
    confidence: float | None
    entities: tuple[Entity, ...] = ()
    replies: tuple[str, ...] = ()
    payloads: tuple[ActionPayload, ...] = ()
    ranking: tuple[tuple[str, float], ...] = ()
    paused: bool = False

    @property
    def escalation(self) -> ActionPayload | None:
        return next((p for p in self.payloads if p.kind == "escalate"), None)

    @property
    def retry(self) -> ActionPayload | None:
        return next((p for p in self.payloads if p.kind == "retry"), None)

    @property
    def facts(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for payload in self.payloads:
            merged.update(payload.facts)
        return merged

    def entity_values(self) -> dict[str, str]:
        return {e.entity: e.value for e in self.entities}


class Dialogue(Protocol):
    """The dialogue stage: the Rasa client in production, an instant responder in benchmarks."""

    async def understand(self, request: TurnRequest) -> DialogueResult: ...

    async def pause(self, sender: str) -> None: ...

    async def resume(self, sender: str) -> None: ...
