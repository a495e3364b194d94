"""The review inbox files: a Rasa NLU YAML file (read back with PyYAML) and CSVs (read back with
the csv module), in the shapes docs/tuning.md promises."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import yaml

from bot.review.export import (
    BLOCKED_COLUMNS,
    CSV_COLUMNS,
    Period,
    from_spreadsheet,
    render_blocked_csv,
    render_csv,
    render_yaml,
)
from bot.review.inbox import BlockedReply, ReviewItem, Why

AT = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
PERIOD = Period(datetime(2026, 11, 14, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC), "UTC")


def item(
    text: str,
    predicted: str | None = "delivery_status",
    confidence: float | None = 0.42,
    why: tuple[Why, ...] = (Why.LOW_CONFIDENCE,),
    mark: str | None = None,
    chat: str = "chat-1",
) -> ReviewItem:
    return ReviewItem(
        shop="main",
        chat_id=chat,
        message_ids=("101", "102"),
        handled_at=AT,
        text=text,
        predicted_intent=predicted,
        confidence=confidence,
        why=why,
        staff_mark=mark,
    )


def as_yaml(items: list[ReviewItem]) -> str:
    return render_yaml(items, scope="shop main", period=PERIOD, written=AT)


def blocks(text: str) -> dict[str, list[str]]:
    document = yaml.safe_load(text)
    return {b["intent"]: [e["text"] for e in b["examples"]] for b in document["nlu"]}


def test_yaml_is_rasa_nlu_3_1_with_one_block_per_predicted_intent() -> None:
    text = as_yaml([item("где посылка"), item("верните деньги", predicted="payment_refund")])
    document = yaml.safe_load(text)
    assert document["version"] == "3.1"
    assert blocks(text) == {
        "delivery_status": ["где посылка"],
        "payment_refund": ["верните деньги"],
    }


def test_each_example_carries_guess_confidence_and_reason_as_a_comment() -> None:
    lines = as_yaml([item("где посылка")]).splitlines()
    at = lines.index('  - text: "где посылка"')
    assert lines[at - 1].startswith("  # model: delivery_status 0.42 | why: low confidence")
    assert "chat chat-1 2026-11-20 10:30" in lines[at - 1]


def test_a_staff_mark_decides_the_block_and_the_comment_keeps_the_models_guess() -> None:
    text = as_yaml([item("пришел не тот цвет", predicted="defective_item", mark="wrong_item")])
    assert blocks(text) == {"wrong_item": ["пришел не тот цвет"]}
    assert "model: defective_item 0.42 | staff mark: wrong_item" in text


def test_fallbacks_and_turns_without_a_prediction_are_filed_under_nlu_fallback() -> None:
    text = as_yaml(
        [
            item("ээээ", predicted="nlu_fallback", why=(Why.FALLBACK,)),
            item("ну где вы", predicted=None, confidence=None, why=(Why.STAFF_ANSWERED,)),
        ]
    )
    assert blocks(text) == {"nlu_fallback": ["ээээ", "ну где вы"]}
    assert "model: no prediction | why: staff took over and answered" in text


def test_repeated_texts_appear_once_with_a_count() -> None:
    text = as_yaml([item("Где посылка?"), item("где посылка", chat="chat-2")])
    assert blocks(text) == {"delivery_status": ["Где посылка?"]}
    assert "+1 more like it" in text


def test_quotes_backslashes_and_hashes_survive_the_yaml() -> None:
    tricky = 'товар "как новый" \\ # не тот: - да'
    assert blocks(as_yaml([item(tricky)])) == {"delivery_status": [tricky]}


def test_an_empty_inbox_is_still_a_valid_nlu_file() -> None:
    document = yaml.safe_load(as_yaml([]))
    assert document == {"version": "3.1", "nlu": []}


def test_csv_has_the_documented_columns_and_an_empty_correct_intent() -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv([item("где посылка")]))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0] == {
        "shop": "main",
        "stream": "chats",
        "chat_id": "chat-1",
        "message_ids": "101 102",
        "handled_at": "2026-11-20T10:30:00+00:00",
        "text": "где посылка",
        "predicted_intent": "delivery_status",
        "confidence": "0.420",
        "decision": "",
        "why": "low_confidence",
        "staff_mark": "",
        "correct_intent": "",
    }


def test_csv_keeps_one_row_per_turn_and_every_reason() -> None:
    items = [
        item("где посылка", why=(Why.STAFF_MARK, Why.LOW_CONFIDENCE), mark="not_received"),
        item("где посылка", chat="chat-2"),
    ]
    rows = list(csv.DictReader(io.StringIO(render_csv(items))))
    assert [(r["chat_id"], r["why"], r["staff_mark"]) for r in rows] == [
        ("chat-1", "staff_mark;low_confidence", "not_received"),
        ("chat-2", "low_confidence", ""),
    ]


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_defused_and_restored() -> None:
    text = "=HYPERLINK(1)"
    rows = list(csv.DictReader(io.StringIO(render_csv([item(text)]))))
    assert rows[0]["text"] == "'=HYPERLINK(1)"
    assert from_spreadsheet(rows[0]["text"]) == text


def test_blocked_replies_csv_lists_rules_and_origin() -> None:
    blocked = BlockedReply("main", AT, "staff", ("contacts", "emoji"), "пишите на <phone>")
    rows = list(csv.DictReader(io.StringIO(render_blocked_csv([blocked]))))
    assert tuple(rows[0]) == BLOCKED_COLUMNS
    assert (rows[0]["origin"], rows[0]["rules"]) == ("staff", "contacts;emoji")
