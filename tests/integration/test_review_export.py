"""`ozonbot review export` against real Redis: records, escalations and blocked texts written by
the real stores (and, in one test, by the real worker and staff operations)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.guard.types import CheckResult, Violation
from bot.models import Decision, EscalationReason, Rule
from bot.review.anonymize import Anonymizer
from bot.review.inbox import Why, collect, collect_blocked
from bot.state.models import StaffAction, ViolationRecord
from bot.state.redis import Redis
from bot.worker.staffops import Staff
from tests.integration.review_support import Stores, ozonbot
from tests.integration.worker_harness import Harness

NOW = datetime.now(UTC)
# The stores stamp records with the time each test runs, which in a full run is minutes after
# this module was imported: the period ends well after that (nothing in it lies in the future).
SINCE, UNTIL = NOW - timedelta(days=7), NOW + timedelta(hours=6)


async def seed(stores: Stores) -> None:
    """One turn of each kind, plus turns that must stay out (confident, too old, other shop)."""
    record = stores.record
    await record(chat_id="low", text="а когда ждать то", confidence=0.41)
    await record(chat_id="fallback", text="ээээ ну", intent="nlu_fallback", confidence=0.3)
    await record(chat_id="confident", text="где мой заказ", confidence=0.97)
    await record(chat_id="old", text="старое", confidence=0.2, handled_at=NOW - timedelta(days=9))
    await record(shop="other", chat_id="low", text="чужой магазин", confidence=0.2)
    await record(
        chat_id="unknown",
        text="мне бы это самое",
        intent="out_of_scope",
        confidence=0.8,
        decision=Decision.ESCALATE,
        reason=EscalationReason.UNKNOWN,
    )
    blocked = ViolationRecord(rule=Rule.SUPERLATIVE, start=0, end=6, fragment="лучший")
    await record(
        chat_id="blocked",
        text="это лучший чехол? мой номер +7 999 123-45-67",
        intent="product_specs",
        confidence=0.9,
        decision=Decision.ESCALATE,
        reason=EscalationReason.BLOCKED_REPLY,
        violations=(blocked,),
    )
    took = (StaffAction(action="take_over"), StaffAction(action="replied"))
    await stores.escalation(
        id="esc-taken", chat_id="taken", reason=EscalationReason.HUMAN_REQUEST, history=took
    )
    await record(
        chat_id="taken",
        message_ids=("51", "52"),
        text="позовите человека",
        intent="human_request",
        confidence=0.99,
        decision=Decision.ESCALATE,
        reason=EscalationReason.HUMAN_REQUEST,
        escalation_id="esc-taken",
    )
    await stores.escalation(
        id="esc-marked",
        chat_id="marked",
        reason=EscalationReason.DISPUTE,
        wrong_intent_marks={"61": "wrong_item"},
    )
    await record(
        chat_id="marked",
        message_ids=("61",),
        text="прислали не тот размер",
        intent="defective_item",
        confidence=0.88,
        decision=Decision.ESCALATE,
        reason=EscalationReason.DISPUTE,
        escalation_id="esc-marked",
    )


async def test_export_picks_exactly_the_turns_worth_a_look_for_period_and_shop(
    redis: Redis, redis_prefix: str
) -> None:
    stores = Stores.of(redis, redis_prefix)
    await seed(stores)
    items = await collect(
        stores.chats,
        stores.escalations,
        "main",
        SINCE,
        UNTIL,
        threshold=0.6,
        anonymizer=Anonymizer.load(),
    )
    found = {i.chat_id: (i.why, i.block_intent, i.text) for i in items}
    assert found == {
        "low": ((Why.LOW_CONFIDENCE,), "delivery_status", "а когда ждать то"),
        "fallback": ((Why.FALLBACK,), "nlu_fallback", "ээээ ну"),
        "unknown": ((Why.UNKNOWN_ESCALATION,), "out_of_scope", "мне бы это самое"),
        "blocked": ((Why.BLOCKED_REPLY,), "product_specs", "это лучший чехол? мой номер <phone>"),
        "taken": ((Why.STAFF_ANSWERED,), "human_request", "позовите человека"),
        "marked": ((Why.STAFF_MARK,), "wrong_item", "прислали не тот размер"),
    }


async def test_blocked_outgoing_texts_of_the_period_are_exported_masked(
    redis: Redis, redis_prefix: str
) -> None:
    stores = Stores.of(redis, redis_prefix)
    violation = Violation(Rule.CONTACTS, 11, 30, "+7 999 123-45-67")
    result = CheckResult("звоните нам +7 999 123-45-67", (violation,))
    await stores.control.keep_blocked("main", "staff", result, NOW, 14 * 24 * 3600)
    old = NOW - timedelta(days=10)
    await stores.control.keep_blocked("main", "bot", result, old, 14 * 24 * 3600)
    blocked = await collect_blocked(stores.control, "main", SINCE, UNTIL, Anonymizer.load())
    assert [(b.origin, b.rules, b.text) for b in blocked] == [
        ("staff", ("contacts",), "звоните нам <phone>")
    ]


async def test_a_staff_mark_and_a_takeover_reply_made_in_the_worker_reach_the_export(
    harness: Harness,
) -> None:
    """The real pipeline: the worker records the turn, staff act on its escalation."""
    harness.buyer("chat-9", "Товар пришел сломанный, не тот цвет")
    await harness.cycle()
    [escalation] = await harness.app.escalations.list_open()
    anna = Staff(1, "Anna")
    await harness.app.staff.mark_wrong_intent(escalation.id, "wrong_item", anna)
    await harness.app.staff.take_over(escalation.id, anna)
    sent = await harness.app.staff.relay(escalation.id, "Пришлите, пожалуйста, фото.", anna)
    assert sent.sent
    now = harness.clock()  # the worker stamps records with its own clock
    [item] = await collect(
        harness.app.chats,
        harness.app.escalations,
        "main",
        now - timedelta(hours=1),
        now + timedelta(hours=1),
        threshold=0.6,
        anonymizer=Anonymizer.load(),
    )
    assert item.why == (Why.STAFF_MARK, Why.STAFF_ANSWERED)
    assert (item.predicted_intent, item.block_intent) == ("defective_item", "wrong_item")


async def test_the_command_writes_nlu_yaml_and_csv_that_parse_back(
    redis: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    await seed(Stores.of(redis, redis_prefix))
    code, out, err = await ozonbot(
        "review", "export", "--shop", "main", "--days", "7", "--out", str(tmp_path),
        prefix=redis_prefix,
    )  # fmt: skip
    assert code == 0, err
    assert "review export: 6 turns" in out
    document, rows, raw = read_exports(tmp_path)
    intents = {block["intent"]: len(block["examples"]) for block in document["nlu"]}
    assert intents == {
        "delivery_status": 1,
        "human_request": 1,
        "nlu_fallback": 1,
        "out_of_scope": 1,
        "product_specs": 1,
        "wrong_item": 1,
    }
    assert sorted(r["chat_id"] for r in rows) == [
        "blocked",
        "fallback",
        "low",
        "marked",
        "taken",
        "unknown",
    ]
    assert "+7 999" not in raw


def read_exports(out: Path) -> tuple[dict[str, Any], list[dict[str, str]], str]:
    """The exported YAML document, the CSV rows, and both files' text."""
    [yaml_file] = out.glob("review-main-*.yml")
    [csv_file] = [p for p in out.glob("review-main-*.csv") if "blocked" not in p.name]
    yaml_text, csv_text = yaml_file.read_text("utf-8"), csv_file.read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    return yaml.safe_load(yaml_text), rows, yaml_text + csv_text
