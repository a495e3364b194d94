"""An instant, in-process stand-in for Rasa: the benchmark's responder and the worker tests' one.

It answers every turn at once with a fixed, rule-compliant text naming the turn, so a test can
tell from the emulator's sent list which buyer messages a reply covers — and so a benchmark
measures the pipeline's own cost, not Rasa's. A few keywords let tests reach the escalation
paths without a trained model. It is never used by `ozonbot run`.
"""

from __future__ import annotations

from bot.dialogue.types import ActionPayload, DialogueResult, TurnRequest
from bot.models import EscalationReason, Intent

REPLY = "Спасибо, ваше сообщение получено, номер обращения {turn}."
_ESCALATE_WORDS = {
    "сломан": (Intent.DEFECTIVE_ITEM, EscalationReason.DISPUTE),
    "оператор": (Intent.HUMAN_REQUEST, EscalationReason.HUMAN_REQUEST),
    "уроды": (Intent.ABUSIVE, EscalationReason.ABUSE),
}


class InstantDialogue:
    def __init__(self) -> None:
        self.turns: list[TurnRequest] = []
        self.paused: set[str] = set()

    async def understand(self, request: TurnRequest) -> DialogueResult:
        self.turns.append(request)
        if request.sender in self.paused:
            return DialogueResult(intent=None, confidence=None, paused=True)
        lowered = request.text.lower()
        for word, (intent, reason) in _ESCALATE_WORDS.items():
            if word in lowered:
                payload = ActionPayload(kind="escalate", reason=reason, detail=intent.value)
                return DialogueResult(intent=intent.value, confidence=1.0, payloads=(payload,))
        return DialogueResult(
            intent=Intent.DELIVERY_STATUS.value,
            confidence=1.0,
            replies=(REPLY.format(turn=request.turn),),
            payloads=(ActionPayload(kind="reply", key="instant"),),
        )

    async def pause(self, sender: str) -> None:
        self.paused.add(sender)

    async def resume(self, sender: str) -> None:
        self.paused.discard(sender)
