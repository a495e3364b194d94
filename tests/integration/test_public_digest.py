"""The morning digest counts product questions and reviews per stream: the streams run against
the emulator and record their decisions in real Redis; the digest job reads them back."""

from __future__ import annotations

import pytest

from bot.models import Language
from bot.schedule.digest import Digests
from bot.staff.texts import Texts
from bot.state.chats import ChatStore
from bot.state.escalations import ControlStore, EscalationStore, Outbox
from bot.state.streams import Outcome, StreamStore
from bot.streams.desk import PublicDesk
from tests.integration.public_support import Rig


def _digests(r: Rig, *, streams: bool = True) -> Digests:
    return Digests(
        [r.deps().shop],
        Texts(Language.EN),
        ChatStore(r.redis, r.keys, record_ttl_s=3600),
        ControlStore(r.redis, r.keys),
        EscalationStore(r.redis, r.keys),
        Outbox(r.redis, r.keys),
        r.keys,
        r.clock,
        streams=StreamStore(r.redis, r.keys) if streams else None,
    )


async def _digest_text(r: Rig) -> str:
    [digest] = [n for n in await r.notifications() if n.kind == "digest"]
    assert digest.text is not None
    return digest.text


async def test_the_digest_counts_answered_carded_and_waiting_questions_and_reviews(r: Rig) -> None:
    r.ask("Из какого материала полка?")
    r.ask("Какой цвет у полки?")
    r.ask("Какая гарантия на полку?")  # the card does not say: a staff card
    r.review(5, "Отличное качество")
    low = r.review(1, "Пришла с браком")
    await r.questions().run_once()
    await r.reviews().run_once()
    desk = PublicDesk({"shop1": r.deps()})
    low_card = next(
        n.public for n in await r.notifications() if n.public and n.public.item_id == low
    )
    assert (await desk.dismiss(low_card.id, 7, "Оля")).done

    assert await _digests(r).run_once() == 1

    text = await _digest_text(r)
    assert "Chats: 0 answered automatically, 0 handed to people, 0 waiting now" in text
    assert "Product questions: 2 answered automatically, 1 handed to people, 1 waiting now" in text
    assert "Reviews: 1 answered automatically, 1 handed to people, 0 waiting now" in text


async def test_only_the_last_day_is_counted_but_an_older_open_card_still_waits(r: Rig) -> None:
    r.ask("Какая гарантия на полку?")
    await r.questions().run_once()
    r.clock.advance(hours=25)
    r.ask("Из какого материала полка?")
    await r.questions().run_once()

    await _digests(r).run_once()

    text = await _digest_text(r)
    assert "Product questions: 1 answered automatically, 0 handed to people, 1 waiting now" in text


async def test_each_decision_is_recorded_once_with_its_text_intent_and_outcome(r: Rig) -> None:
    asked = r.ask("Из какого материала полка?")
    stream = r.questions()
    await stream.run_once()
    await stream.run_once()  # nothing new: nothing recorded again
    store = StreamStore(r.redis, r.keys)
    since = r.clock.now.replace(hour=0)
    [turn] = await store.turns_between("shop1", since, r.clock.now)
    assert (turn.item_id, turn.text, turn.intent) == (
        asked,
        "Из какого материала полка?",
        "product_specs",
    )
    assert (turn.outcome, turn.why, turn.lang) == (Outcome.AUTO, "routine", "ru")
    assert turn.confidence == pytest.approx(0.9)


async def test_without_the_stream_store_the_digest_still_counts_chats(r: Rig) -> None:
    r.ask("Какая гарантия на полку?")
    await r.questions().run_once()

    await _digests(r, streams=False).run_once()

    text = await _digest_text(r)
    assert "Chats: 0 answered automatically" in text
    assert "Product questions" not in text
