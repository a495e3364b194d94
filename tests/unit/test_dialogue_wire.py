"""The Rasa channel's answer at the edge: what is read, what is refused as malformed."""

from __future__ import annotations

from typing import Any

import pytest

from bot.dialogue.types import ActionPayload, Entity
from bot.dialogue.wire import parse_channel_answer
from bot.errors import RasaMalformedError
from bot.models import EscalationReason

ANSWER: dict[str, Any] = {
    "intent": {"name": "delivery_status", "confidence": 0.91},
    "intent_ranking": [{"name": "delivery_status", "confidence": 0.91}, {"name": "greet"}],
    "entities": [
        {"entity": "order_number", "value": "57195475-0050", "start": 10, "end": 23},
        {"entity": "quantity", "value": 2, "start": "?"},
    ],
    "messages": [
        {"text": "Заказ в пути."},
        {"text": "   "},
        {
            "custom": {
                "ozonbot": {
                    "kind": "reply",
                    "key": "delivery.delivering",
                    "facts": {
                        "posting_number": "57195475-0050-1",
                        "tracking_number": None,
                        "days": 2,
                    },
                }
            }
        },
        {"custom": {"other_channel": {"x": 1}}},
        {"custom": ["not", "a", "mapping"]},
    ],
    "paused": False,
    "something_new": {"rasa": "adds fields"},
}


def test_a_full_answer_is_read() -> None:
    result = parse_channel_answer(ANSWER)
    assert (result.intent, result.confidence) == ("delivery_status", 0.91)
    assert result.ranking == (("delivery_status", 0.91), ("greet", 0.0))
    assert result.entities == (
        Entity("order_number", "57195475-0050", 10, 23),
        Entity("quantity", "2", None, None),
    )
    assert result.replies == ("Заказ в пути.",)
    assert result.payloads == (
        ActionPayload(
            "reply",
            key="delivery.delivering",
            facts={"posting_number": "57195475-0050-1", "days": "2"},
        ),
    )
    assert not result.paused


def test_an_escalation_payload_carries_its_reason() -> None:
    answer = {"messages": [{"custom": {"ozonbot": {"kind": "escalate", "reason": "dispute"}}}]}
    result = parse_channel_answer(answer)
    assert result.intent is None
    assert result.escalation == ActionPayload("escalate", reason=EscalationReason.DISPUTE)


def test_a_paused_conversation_with_nothing_else() -> None:
    result = parse_channel_answer({"paused": True, "intent": None})
    assert result.paused
    assert result.replies == ()
    assert result.payloads == ()


@pytest.mark.parametrize(
    "answer",
    [
        None,
        [],
        "ok",
        {"messages": {"text": "not a list"}},
        {"messages": ["not an object"]},
        {"intent": "delivery_status"},
        {"intent": {"name": "greet", "confidence": "high"}},
        {"messages": [{"custom": {"ozonbot": {"kind": "shout"}}}]},
        {"messages": [{"custom": {"ozonbot": {"kind": "escalate", "reason": "bored"}}}]},
        {"messages": [{"custom": {"ozonbot": {"reason": "dispute"}}}]},
    ],
)
def test_what_our_channel_never_writes_is_malformed(answer: object) -> None:
    with pytest.raises(RasaMalformedError, match="channel answer"):
        parse_channel_answer(answer)
