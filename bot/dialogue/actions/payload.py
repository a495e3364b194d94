"""What an action tells the worker: the `{"ozonbot": {...}}` custom payload (docs/dialogue.md).

Every answering action adds exactly one payload after its text:
- `reply`: the snippet key answered and the live facts behind it;
- `escalate`: a person must take over (`reason` is a `bot.models.EscalationReason`);
- `retry`: Ozon was unavailable; the action reverted the turn and the worker retries it later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.models import EscalationReason

Facts = Mapping[str, str]
"""Posting/product facts for the staff card and the worker's decision; values are strings
(ISO dates, counts as digits) so the worker can show them without knowing each fact."""


class PayloadKind(StrEnum):
    REPLY = "reply"
    ESCALATE = "escalate"
    RETRY = "retry"


@dataclass(frozen=True, slots=True)
class Reply:
    key: str
    facts: Facts = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return _wrap({"kind": PayloadKind.REPLY.value, "key": self.key, "facts": dict(self.facts)})


@dataclass(frozen=True, slots=True)
class Escalation:
    reason: EscalationReason
    detail: str | None = None
    suggested: str | None = None
    """A reply for staff to send (in the buyer's language), or None."""
    facts: Facts = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return _wrap(
            {
                "kind": PayloadKind.ESCALATE.value,
                "reason": self.reason.value,
                "detail": self.detail,
                "suggested": self.suggested,
                "facts": dict(self.facts),
            }
        )


@dataclass(frozen=True, slots=True)
class Retry:
    error: str
    """Class name of the Ozon error that made the action give up on this turn."""

    def as_json(self) -> dict[str, object]:
        return _wrap({"kind": PayloadKind.RETRY.value, "error": self.error})


Payload = Reply | Escalation | Retry


def _wrap(body: dict[str, object]) -> dict[str, object]:
    return {"ozonbot": body}
