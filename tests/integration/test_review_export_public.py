"""`ozonbot review export` covers product questions and reviews: the real streams decide items
served by the emulator and record them in real Redis; the export picks those worth a look,
anonymised and marked with their stream and decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.review.anonymize import Anonymizer
from bot.review.inbox import Why
from bot.review.public import PublicItem, collect
from bot.state.keys import Keys
from bot.state.models import PublicStream
from bot.state.redis import Redis
from bot.state.streams import Outcome, PublicTurn, StreamStore
from bot.streams.desk import PublicDesk
from tests.integration.public_support import Rig
from tests.integration.review_support import ozonbot
from tests.integration.test_review_export import read_exports


async def _inbox(r: Rig) -> dict[str, PublicItem]:
    now = r.clock.now
    items = await collect(
        StreamStore(r.redis, r.keys),
        "shop1",
        now - timedelta(days=1),
        now + timedelta(hours=1),
        threshold=0.6,
        anonymizer=Anonymizer.load(),
    )
    return {item.chat_id: item for item in items}


async def test_an_unsure_question_is_exported_anonymised_with_its_stream_and_decision(
    r: Rig,
) -> None:
    unsure = r.ask("Меня зовут Ольга Петрова, а скидки на полку будут?")
    r.ask("Из какого материала полка?")  # understood and answered: nothing to look at
    await r.questions().run_once()

    inbox = await _inbox(r)

    assert list(inbox) == [f"question:{unsure}"]
    item = inbox[f"question:{unsure}"]
    assert item.stream == "questions"
    assert item.decision == "staff: not_routine"
    assert item.why == (Why.LOW_CONFIDENCE, Why.UNKNOWN_ESCALATION)
    assert item.predicted_intent == "out_of_scope"
    assert "Ольга" not in item.text
    assert "<name>" in item.text


async def test_a_question_staff_answered_from_its_card_is_exported(r: Rig) -> None:
    asked = r.ask("Какая гарантия на полку?")  # confident, but the card does not say
    await r.questions().run_once()
    assert await _inbox(r) == {}
    [card] = [n.public for n in await r.notifications() if n.public]
    desk = PublicDesk({"shop1": r.deps()})
    assert (await desk.send_text(card.id, "Гарантия производителя — 12 месяцев.", 7, "Оля")).done

    item = (await _inbox(r))[f"question:{asked}"]

    assert item.why == (Why.STAFF_ANSWERED,)
    assert (item.predicted_intent, item.decision) == ("product_specs", "staff: card_silent")


async def test_a_critical_review_understood_with_low_confidence_is_exported(r: Rig) -> None:
    unsure = r.review(2, "Ну такое, ожидала большего")
    r.review(1, "Полка пришла с браком")  # understood as a defect with confidence
    r.review(5, "Отличное качество")  # thanked, never understood: nothing to look at
    await r.reviews().run_once()

    inbox = await _inbox(r)

    assert list(inbox) == [f"review:{unsure}"]
    item = inbox[f"review:{unsure}"]
    assert (item.stream, item.decision, item.why) == (
        "reviews",
        "staff: low_rating",
        (Why.LOW_CONFIDENCE,),
    )


async def test_the_command_exports_question_turns_beside_chat_turns(
    redis: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    store = StreamStore(redis, Keys(redis_prefix))
    now = datetime.now(UTC)
    for item_id, text, confidence in (
        ("q1", "а на балкон её можно? звоните +7 999 123-45-67", 0.3),
        ("q2", "из чего сделана", 0.95),
    ):
        await store.add_turn(
            PublicTurn(
                shop="main",
                stream=PublicStream.QUESTIONS,
                item_id=item_id,
                sku="1",
                at=now,
                text=text,
                intent="product_specs",
                confidence=confidence,
                outcome=Outcome.STAFF,
                why="flagged",
            )
        )
    code, out, err = await ozonbot(
        "review", "export", "--shop", "main", "--days", "1", "--out", str(tmp_path),
        prefix=redis_prefix,
    )  # fmt: skip
    assert code == 0, err
    assert "review export: 1 turns" in out
    assert "by stream: questions 1" in out
    document, rows, raw = read_exports(tmp_path)
    assert [(row["stream"], row["chat_id"], row["decision"]) for row in rows] == [
        ("questions", "question:q1", "staff: flagged")
    ]
    assert document["nlu"][0]["intent"] == "product_specs"
    assert "question q1" in raw
    assert "+7 999" not in raw
