"""The ozonbot channel's request parsing and answer building, over real Rasa trackers."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ConversationPaused, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from policies.channel import BadTurn, OzonbotInput, answer_body, parse_turn

SENDER = "ozonbot:main:chat-1"


def body(**fields: Any) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode()


def user_event(message_id: str, intent: str = "delivery_status") -> UserUttered:
    ranking = [{"name": f"i{n}", "confidence": 0.01} for n in range(8)]
    entity: dict[str, Any] = {
        "entity": "posting_number",
        "value": "57195475-0050-3",
        "start": 14,
        "end": 29,
        "extractor": "RegexEntityExtractor",
    }
    parse: dict[str, Any] = {
        "intent": {"name": intent, "confidence": 0.97, "id": 123},
        "entities": [entity],
        "intent_ranking": [{"name": intent, "confidence": 0.97, "id": 123}, *ranking],
    }
    return UserUttered(
        "где мой заказ 57195475-0050-3",
        parse["intent"],
        [entity],
        parse_data=cast(Any, parse),
        message_id=message_id,
    )


def tracker_with(domain: Domain, *events: Any) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(SENDER, list(events), domain.slots, domain=domain)


def test_channel_is_named_ozonbot() -> None:
    assert OzonbotInput.name() == "ozonbot"


def test_a_full_turn_is_parsed() -> None:
    metadata = {"shop": "main", "chat_id": "chat-1", "lang": "ru", "flags": ["legal_threat"]}
    turn = parse_turn(body(sender=SENDER, message="Здравствуйте\nгде заказ", metadata=metadata))
    assert (turn.sender, turn.message, turn.metadata) == (
        SENDER,
        "Здравствуйте\nгде заказ",
        metadata,
    )


def test_metadata_is_optional() -> None:
    assert parse_turn(body(sender=SENDER, message="привет")).metadata == {}


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"not json", "JSON object"),
        (b"", "JSON object"),
        (b"[1, 2]", "JSON object"),
        (body(message="привет"), "sender"),
        (body(sender="", message="привет"), "sender"),
        (body(sender=SENDER), "message"),
        (body(sender=SENDER, message="   "), "message"),
        (body(sender=SENDER, message=5), "message"),
        (body(sender=SENDER, message="привет", metadata=[1]), "metadata"),
    ],
)
def test_bad_requests_are_refused_with_the_reason(raw: bytes, problem: str) -> None:
    with pytest.raises(BadTurn, match=problem):
        parse_turn(raw)


def test_the_answer_reports_this_turns_nlu_result(domain: Domain) -> None:
    tracker = tracker_with(domain, ActionExecuted("action_listen"), user_event("m1"))
    answer = answer_body(SENDER, tracker, "m1", [{"recipient_id": SENDER, "text": "Едет"}])
    assert answer == {
        "sender": SENDER,
        "paused": False,
        "intent": {"name": "delivery_status", "confidence": 0.97},
        "intent_ranking": [
            {"name": "delivery_status", "confidence": 0.97},
            {"name": "i0", "confidence": 0.01},
            {"name": "i1", "confidence": 0.01},
            {"name": "i2", "confidence": 0.01},
            {"name": "i3", "confidence": 0.01},
        ],
        "entities": [
            {"entity": "posting_number", "value": "57195475-0050-3", "start": 14, "end": 29}
        ],
        "messages": [{"text": "Едет"}],
    }


def test_the_answer_finds_its_turn_by_message_id(domain: Domain) -> None:
    """A turn an action reverted is still reported with its own intent, not the previous one."""
    tracker = tracker_with(
        domain,
        ActionExecuted("action_listen"),
        user_event("m1", intent="greet"),
        ActionExecuted("action_listen"),
        user_event("m2", intent="return_request"),
    )
    assert answer_body(SENDER, tracker, "m1", [])["intent"]["name"] == "greet"
    assert answer_body(SENDER, tracker, "m2", [])["intent"]["name"] == "return_request"


def test_custom_payloads_pass_through(domain: Domain) -> None:
    payload: list[dict[str, Any]] = [
        {"recipient_id": SENDER, "custom": {"ozonbot": {"kind": "escalate", "reason": "dispute"}}}
    ]
    answer = answer_body(SENDER, tracker_with(domain), "m1", payload)
    assert answer["messages"] == [
        {"custom": {"ozonbot": {"kind": "escalate", "reason": "dispute"}}}
    ]


def test_a_paused_conversation_says_so(domain: Domain) -> None:
    tracker = tracker_with(domain, ConversationPaused(), user_event("m1"))
    answer = answer_body(SENDER, tracker, "m1", [])
    assert answer["paused"] is True
    assert answer["intent"]["name"] == "delivery_status"


def test_a_missing_turn_reports_no_intent(domain: Domain) -> None:
    answer = answer_body(SENDER, tracker_with(domain), "unknown-id", [])
    assert (answer["intent"], answer["intent_ranking"], answer["entities"]) == (None, [], [])
