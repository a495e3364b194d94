"""Test stories from conversations: Rasa's tracker events (or the worker's records) become a
story in the tests/stories/ format, anonymised, with staff marks as the intended intents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.errors import RasaMalformedError, ReviewError
from bot.models import Decision, EscalationReason
from bot.review.anonymize import Anonymizer
from bot.review.story import (
    Origin,
    append_story,
    from_conversation,
    from_records,
    render_file,
    rule_actions,
)
from bot.review.tracker import ActionRun, SlotSet, UserTurn, parse_tracker
from bot.state.models import TurnRecord

ROOT = Path(__file__).resolve().parents[2]
CAPTURED = ROOT / "tests" / "integration" / "data" / "review_tracker.json"
ORIGIN = Origin("main", "chat-1", "a test")
T0 = 1_763_770_000.0


@pytest.fixture(scope="module")
def anonymizer() -> Anonymizer:
    return Anonymizer.load()


def user(text: str, intent: str, turn: str, **extra: Any) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": T0,
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.8}, **extra},
        "metadata": {"turn": turn},
    }


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "timestamp": T0, "name": name}


def tracker(*events: dict[str, Any]) -> dict[str, Any]:
    return {"sender_id": "p:main:chat-1", "events": list(events)}


def steps(story_text: str) -> list[dict[str, Any]]:
    document = yaml.safe_load(story_text)
    assert document["version"] == "3.1"
    [story] = document["stories"]
    return list(story["steps"])


# --- reading Rasa's tracker ----------------------------------------------------------------------


def test_rasas_own_bookkeeping_is_left_out() -> None:
    conversation = parse_tracker(
        tracker(
            action("action_session_start"),
            {"event": "session_started", "timestamp": T0},
            {"event": "slot", "timestamp": T0, "name": "session_started_metadata", "value": {}},
            action("action_listen"),
            user("привет", "greet", "1"),
            {"event": "user_featurization", "timestamp": T0},
            action("action_greet"),
            {"event": "bot", "timestamp": T0, "text": "Здравствуйте"},
            action("action_listen"),
        )
    )
    assert [type(e) for e in conversation.events] == [UserTurn, ActionRun]


def test_a_rewound_turn_disappears_and_its_retry_stays() -> None:
    conversation = parse_tracker(
        tracker(
            user("где заказ", "delivery_status", "7"),
            action("action_delivery_status"),
            {"event": "rewind", "timestamp": T0},
            user("где заказ", "delivery_status", "7"),
            action("action_delivery_status"),
        )
    )
    assert [type(e) for e in conversation.events] == [UserTurn, ActionRun]


def test_undo_removes_the_last_action_and_restart_everything_before() -> None:
    undone = parse_tracker(
        tracker(user("да", "affirm", "1"), action("action_acknowledge"), {"event": "undo"})
    )
    assert [type(e) for e in undone.events] == [UserTurn]
    restarted = parse_tracker(tracker(user("да", "affirm", "1"), {"event": "restart"}))
    assert restarted.events == ()


@pytest.mark.parametrize("data", [[], {"events": "no"}, {"events": ["x"]}])
def test_anything_but_a_tracker_is_malformed(data: object) -> None:
    with pytest.raises(RasaMalformedError):
        parse_tracker(data)


def test_the_captured_tracker_of_a_real_rasa_server_parses() -> None:
    conversation = parse_tracker(json.loads(CAPTURED.read_text(encoding="utf-8")))
    turns = conversation.user_turns
    assert [t.message_id for t in turns] == ["101", "102", "103", "104", "105", "106"]
    assert turns[2].entities[0].entity == "posting_number"
    assert [e.name for e in conversation.events if isinstance(e, SlotSet)][:2] == [
        "awaiting_posting_number",
        "posting_number",
    ]


# --- building the story ------------------------------------------------------------------------


def test_a_conversation_becomes_user_and_action_steps(anonymizer: Anonymizer) -> None:
    conversation = parse_tracker(
        tracker(
            user("где заказ", "delivery_status", "1"),
            action("action_delivery_status"),
            {"event": "slot", "timestamp": T0, "name": "awaiting_posting_number", "value": True},
        )
    )
    story = from_conversation(conversation, ORIGIN, marks={}, anonymizer=anonymizer)
    assert steps(render_file(story)) == [
        {"user": "где заказ\n", "intent": "delivery_status"},
        {"action": "action_delivery_status"},
        {"slot_was_set": [{"awaiting_posting_number": True}]},
    ]


def test_personal_data_is_masked_and_entities_are_annotated(anonymizer: Anonymizer) -> None:
    text = "заказ 57195475-0050-3, телефон +7 999 123-45-67"
    entity = {"entity": "posting_number", "start": 6, "end": 21, "value": "57195475-0050-3"}
    conversation = parse_tracker(tracker(user(text, "delivery_status", "1", entities=[entity])))
    story = from_conversation(conversation, ORIGIN, marks={}, anonymizer=anonymizer)
    [step] = steps(render_file(story))
    assert step["user"] == "заказ [57195475-0050-3](posting_number), телефон <phone>\n"


def test_a_synonym_entity_keeps_its_canonical_value(anonymizer: Anonymizer) -> None:
    entity = {"entity": "attribute", "start": 7, "end": 16, "value": "материал"}
    conversation = parse_tracker(
        tracker(user("какого материала", "product_specs", "1", entities=[entity]))
    )
    story = from_conversation(conversation, ORIGIN, marks={}, anonymizer=anonymizer)
    [step] = steps(render_file(story))
    assert step["user"] == 'какого [материала]{"entity": "attribute", "value": "материал"}\n'


def test_a_staff_mark_replaces_the_intent_and_says_what_the_model_thought(
    anonymizer: Anonymizer,
) -> None:
    conversation = parse_tracker(tracker(user("не тот цвет", "defective_item", "42")))
    story = from_conversation(
        conversation, ORIGIN, marks={"42": "wrong_item"}, anonymizer=anonymizer
    )
    text = render_file(story)
    assert steps(text) == [{"user": "не тот цвет\n", "intent": "wrong_item"}]
    assert "# staff marked this wrong_item; the model said defective_item 0.80" in text


def test_turns_while_staff_had_the_chat_are_left_out(anonymizer: Anonymizer) -> None:
    conversation = parse_tracker(
        tracker(
            user("позовите человека", "human_request", "1"),
            action("action_escalate"),
            {"event": "pause", "timestamp": T0},
            user("алло", "greet", "2"),
            {"event": "resume", "timestamp": T0},
            user("спасибо", "thank", "3"),
            action("action_thank"),
        )
    )
    story = from_conversation(conversation, ORIGIN, marks={}, anonymizer=anonymizer)
    text = render_file(story)
    assert [s.get("user") for s in steps(text)] == ["позовите человека\n", None, "спасибо\n", None]
    assert "# back to the bot; 1 buyer turn(s) while paused are left out" in text


def test_the_header_names_the_chat_and_the_date(anonymizer: Anonymizer) -> None:
    conversation = parse_tracker(tracker(user("да", "affirm", "1")))
    text = render_file(from_conversation(conversation, ORIGIN, marks={}, anonymizer=anonymizer))
    assert "# From chat chat-1 of shop main, conversation of 2025-11-22 00:06 UTC" in text
    assert yaml.safe_load(text)["stories"][0]["story"] == "chat chat-1, 2025-11-22 00:06"


# --- from the worker's records -----------------------------------------------------------------


def record(
    text: str, intent: str | None, decision: Decision, minute: int, **extra: Any
) -> TurnRecord:
    return TurnRecord.model_validate(
        {
            "shop": "main",
            "chat_id": "chat-1",
            "message_ids": (str(minute),),
            "text": text,
            "intent": intent,
            "confidence": 0.9,
            "decision": decision,
            "handled_at": datetime(2026, 11, 20, tzinfo=UTC) + timedelta(minutes=minute),
            **extra,
        }
    )


def test_records_become_a_story_with_rule_actions_and_todos(anonymizer: Anonymizer) -> None:
    records = [
        record("спасибо", "thank", Decision.REPLY, 3),
        record(
            "где заказ 57195475-0050-3",
            "delivery_status",
            Decision.REPLY,
            1,
            entities={"posting_number": "57195475-0050-3"},
        ),
        record("сломан", "defective_item", Decision.ESCALATE, 2, reason=EscalationReason.DISPUTE),
        record("ну где вы", None, Decision.NONE, 4, detail="taken over by Anna"),
        record("размер?", "product_specs", Decision.REPLY, 5),
    ]
    story = from_records(
        records,
        ORIGIN,
        marks={"3": "affirm"},
        anonymizer=anonymizer,
        rule_actions={"delivery_status": "action_delivery_status", "thank": "action_thank"},
    )
    text = render_file(story)
    assert steps(text) == [
        {"user": "где заказ [57195475-0050-3](posting_number)\n", "intent": "delivery_status"},
        {"action": "action_delivery_status"},
        {"user": "сломан\n", "intent": "defective_item"},
        {"action": "action_escalate"},
        {"user": "спасибо\n", "intent": "affirm"},
        {"action": "action_thank"},
        {"user": "размер?\n", "intent": "product_specs"},
    ]
    assert "# a buyer turn the bot did not handle (taken over by Anna)" in text
    assert "# TODO: the action the bot ran is not recorded (decision reply)" in text


def test_one_turn_rules_of_the_project_map_intents_to_actions() -> None:
    actions = rule_actions(ROOT / "stories" / "rules.yml")
    assert actions["greet"] == "action_greet"
    assert actions["delivery_status"] == "action_delivery_status"


# --- writing -------------------------------------------------------------------------------------


def a_story(anonymizer: Anonymizer, text: str = "да") -> Any:
    conversation = parse_tracker(tracker(user(text, "affirm", "1"), action("action_acknowledge")))
    return from_conversation(conversation, ORIGIN, marks={}, anonymizer=anonymizer)


def test_append_creates_the_file_then_adds_to_it_keeping_what_is_there(
    tmp_path: Path, anonymizer: Anonymizer
) -> None:
    path = tmp_path / "test_regressions.yml"
    append_story(path, a_story(anonymizer))
    first = path.read_text(encoding="utf-8")
    append_story(path, a_story(anonymizer, "ага"))
    after = path.read_text(encoding="utf-8")
    assert after.startswith(first)
    stories = yaml.safe_load(after)["stories"]
    assert [s["steps"][0]["user"] for s in stories] == ["да\n", "ага\n"]


def test_append_refuses_a_file_that_is_not_a_stories_file(
    tmp_path: Path, anonymizer: Anonymizer
) -> None:
    path = tmp_path / "rules.yml"
    path.write_text('version: "3.1"\nrules: []\n', encoding="utf-8")
    with pytest.raises(ReviewError):
        append_story(path, a_story(anonymizer))
    assert path.read_text(encoding="utf-8") == 'version: "3.1"\nrules: []\n'
