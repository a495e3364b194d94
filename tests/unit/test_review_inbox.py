"""Which handled turns go into the review inbox, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.models import Decision, EscalationReason, Rule
from bot.review.anonymize import Anonymizer
from bot.review.inbox import Why, reasons, select, staff_answered_after_takeover
from bot.state.models import (
    Escalation,
    StaffAction,
    TurnRecord,
    ViolationRecord,
)

AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def record(**fields: object) -> TurnRecord:
    values: dict[str, object] = {
        "shop": "main",
        "chat_id": "chat-1",
        "message_ids": ("101",),
        "text": "где посылка",
        "intent": "delivery_status",
        "confidence": 0.95,
        "decision": Decision.REPLY,
        "handled_at": AT,
    }
    values.update(fields)
    return TurnRecord.model_validate(values)


def escalation(*actions: str, marks: dict[str, str] | None = None) -> Escalation:
    history = tuple(
        StaffAction(at=AT + timedelta(minutes=i), action=a) for i, a in enumerate(actions)
    )
    return Escalation(
        id="e1",
        shop="main",
        chat_id="chat-1",
        reason=EscalationReason.HUMAN_REQUEST,
        history=history,
        wrong_intent_marks=marks or {},
    )


@pytest.fixture(scope="module")
def anonymizer() -> Anonymizer:
    return Anonymizer.load()


def test_a_confident_answered_turn_is_not_for_review() -> None:
    assert reasons(record(), None, 0.6) == ()


def test_confidence_below_the_threshold_is_low() -> None:
    assert reasons(record(confidence=0.59), None, 0.6) == (Why.LOW_CONFIDENCE,)
    assert reasons(record(confidence=0.6), None, 0.6) == ()


def test_nlu_fallback_is_a_fallback_not_a_low_confidence() -> None:
    assert reasons(record(intent="nlu_fallback", confidence=0.3), None, 0.6) == (Why.FALLBACK,)


def test_unknown_escalations_and_blocked_replies_are_for_review() -> None:
    unknown = record(decision=Decision.ESCALATE, reason=EscalationReason.UNKNOWN)
    blocked = record(
        decision=Decision.ESCALATE,
        reason=EscalationReason.BLOCKED_REPLY,
        violations=(ViolationRecord(rule=Rule.SUPERLATIVE, start=0, end=6, fragment="лучший"),),
    )
    assert reasons(unknown, None, 0.6) == (Why.UNKNOWN_ESCALATION,)
    assert reasons(blocked, None, 0.6) == (Why.BLOCKED_REPLY,)


def test_a_dispute_escalation_alone_is_not_for_review() -> None:
    dispute = record(decision=Decision.ESCALATE, reason=EscalationReason.DISPUTE)
    assert reasons(dispute, escalation(), 0.6) == ()


def test_staff_answering_counts_only_after_a_takeover() -> None:
    assert staff_answered_after_takeover(escalation("take_over", "replied"))
    assert staff_answered_after_takeover(escalation("take_over", "sent_suggested"))
    assert not staff_answered_after_takeover(escalation("replied", "take_over"))
    assert not staff_answered_after_takeover(escalation("take_over", "return_to_bot"))


def test_a_staff_mark_on_any_message_of_the_turn_counts() -> None:
    marked = escalation(marks={"102": "wrong_item"})
    turn = record(message_ids=("101", "102"), escalation_id="e1")
    assert reasons(turn, marked, 0.6) == (Why.STAFF_MARK,)


def test_select_anonymises_orders_by_time_and_files_marks(anonymizer: Anonymizer) -> None:
    later = record(
        chat_id="chat-2",
        text="мой номер +7 999 123-45-67\nперезвоните",
        confidence=0.3,
        handled_at=AT + timedelta(hours=1),
    )
    marked = record(escalation_id="e1", intent="defective_item", confidence=0.99)
    items = select(
        [later, marked],
        {"e1": escalation(marks={"101": "wrong_item"})},
        threshold=0.6,
        anonymizer=anonymizer,
    )
    assert [(i.chat_id, i.text, i.block_intent) for i in items] == [
        ("chat-1", "где посылка", "wrong_item"),
        ("chat-2", "мой номер <phone> перезвоните", "delivery_status"),
    ]


def test_turns_without_text_are_left_out(anonymizer: Anonymizer) -> None:
    images = record(text="", intent=None, confidence=None, reason=EscalationReason.UNKNOWN)
    assert select([images], {}, threshold=0.6, anonymizer=anonymizer) == []
