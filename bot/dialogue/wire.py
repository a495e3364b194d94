"""The `ozonbot` channel's answer (docs/dialogue.md) as pydantic models: the Rasa edge.

Strict where our own channel and actions write the field (a payload's `kind` and `reason`, the
shape of `messages` and `intent`): anything else there means a version mismatch, and the turn
must not be guessed. Tolerant where Rasa or other actions may leave things out or add some
(extra fields, a missing intent, a `custom` message that is not ours, an entity without offsets).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.dialogue.types import ActionPayload, DialogueResult, Entity
from bot.errors import RasaMalformedError
from bot.models import EscalationReason


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Intent(_Wire):
    name: str | None = None
    confidence: float | None = None


class _Ranked(_Wire):
    name: str
    confidence: float | None = None


class _Entity(_Wire):
    entity: str
    value: Any = None
    start: int | None = None
    end: int | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _offset(cls, value: object) -> object:
        return value if isinstance(value, int) else None  # offsets are optional hints

    def entity_value(self) -> Entity:
        return Entity(self.entity, str(self.value), self.start, self.end)


class _Payload(_Wire):
    kind: Literal["reply", "escalate", "retry"]
    key: str | None = None
    reason: EscalationReason | None = None
    detail: str | None = None
    suggested: str | None = None
    error: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)

    @field_validator("reason", mode="before")
    @classmethod
    def _no_reason(cls, value: object) -> object:
        return value or None

    @field_validator("facts", mode="before")
    @classmethod
    def _facts(cls, value: object) -> object:
        return value if isinstance(value, dict) else {}

    def payload(self) -> ActionPayload:
        facts = {str(k): str(v) for k, v in self.facts.items() if v is not None}
        return ActionPayload(
            self.kind, self.key, self.reason, self.detail, self.suggested, self.error, facts
        )


class _Message(_Wire):
    text: str | None = None
    custom: Any = None

    def ours(self) -> _Payload | None:
        """The action's own payload (`{"ozonbot": {...}}`), if this message carries one."""
        if isinstance(self.custom, dict) and isinstance(self.custom.get("ozonbot"), dict):
            return _Payload.model_validate(self.custom["ozonbot"])
        return None


class ChannelAnswer(_Wire):
    intent: _Intent | None = None
    entities: list[_Entity] | None = None
    messages: list[_Message] = Field(default_factory=list)
    intent_ranking: list[_Ranked] | None = None
    paused: bool = False

    def result(self) -> DialogueResult:
        intent = self.intent or _Intent()
        return DialogueResult(
            intent=intent.name,
            confidence=intent.confidence,
            entities=tuple(e.entity_value() for e in self.entities or ()),
            replies=tuple(m.text for m in self.messages if m.text and m.text.strip()),
            payloads=tuple(p.payload() for m in self.messages if (p := m.ours()) is not None),
            ranking=tuple((r.name, r.confidence or 0.0) for r in self.intent_ranking or ()),
            paused=self.paused,
        )


def parse_channel_answer(data: Any) -> DialogueResult:
    """The channel's JSON → `DialogueResult`; anything else is `RasaMalformedError`."""
    try:
        return ChannelAnswer.model_validate(data).result()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "answer"
        raise RasaMalformedError(f"channel answer: {where}: {first['msg']}") from exc
