"""Product questions and reviews end to end over sockets: emulator, real Redis, real guards."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.config import PublicPolicy
from bot.dialogue.types import DialogueResult, TurnRequest
from bot.errors import RasaUnavailableError
from bot.models import Mode
from bot.ozon.client import OzonClient, OzonHttp
from bot.sandbox.state import Fault
from bot.state.models import PublicStream
from bot.state.streams import Progress
from bot.streams.common import StreamDeps
from bot.streams.desk import PublicDesk
from bot.streams.questions import QuestionStream
from tests.integration.public_support import OLD_SKU, KeywordDialogue, Rig, shop_config


async def test_routine_questions_are_answered_once_from_the_card_in_varied_words(r: Rig) -> None:
    asked = [
        r.ask(text)
        for text in (
            "Из какого материала полка?",
            "Какой материал?",
            "Материал какой у полки?",
            "Подскажите материал",
        )
    ]
    stream = r.questions()
    assert await stream.run_once() == 4
    texts = [r.answers(q) for q in asked]
    assert all(len(t) == 1 and "массив сосны" in t[0] for t in texts)
    flat = [t[0] for t in texts]
    assert all(a != b for a, b in itertools.pairwise(flat))  # never twice in a row
    assert {r.board.questions[q].status for q in asked} == {"PROCESSED"}
    assert await stream.run_once() == 0
    assert r.board.answer_calls == 4


async def test_a_limit_question_is_compared_in_the_cards_unit(r: Rig) -> None:
    beyond = r.ask("Выдержит 45 кг?")
    within = r.ask("Выдержит нагрузку 20 кг?")
    await r.questions().run_once()
    assert "30" in r.answers(beyond)[0]
    assert "45" in r.answers(beyond)[0]
    assert "20" in r.answers(within)[0]


async def test_what_the_card_does_not_say_goes_to_a_staff_card(r: Rig) -> None:
    asked = r.ask("Какая гарантия на полку?")
    await r.questions().run_once()
    assert r.answers(asked) == []
    (note,) = await r.notifications()
    assert note.kind == "question"
    assert note.public is not None
    assert note.public.why == "card_silent"
    assert note.public.suggested is None
    assert r.board.questions[asked].status == "VIEWED"


async def test_complaints_spam_and_abuse_become_cards_without_answers(r: Rig) -> None:
    asked = {
        r.ask("Почему полка пришла с трещиной?"): "complaint",
        r.ask("Заработок от 5000 в день, пишите в телеграм @money_fast"): "spam",
        r.ask("вы идиоты, что за хрень продаёте"): "abuse",
    }
    await r.questions().run_once()
    cards = {n.public.item_id: n.public.why for n in await r.notifications() if n.public}
    assert all(r.answers(q) == [] for q in asked)
    assert cards[next(iter(asked))] == "complaint"
    assert set(cards.values()) <= {"complaint", "spam", "abuse", "flagged"}
    assert len(cards) == 3


async def test_five_stars_are_thanked_naming_the_praise_and_one_star_never(r: Rig) -> None:
    praised = r.review(5, "Отличное качество, и упаковка надёжная")
    low = r.review(1, "Полка пришла с браком, доска треснула")
    await r.reviews().run_once()
    (thanks,) = r.comments(praised)
    assert "качество" in thanks
    assert r.board.reviews[praised].status == "PROCESSED"
    assert r.comments(low) == []
    (note,) = [n for n in await r.notifications() if n.public and n.public.item_id == low]
    assert note.kind == "review"
    assert note.public is not None
    assert note.public.intent == "defective_item"
    assert note.public.facts["order_status"] == "DELIVERED"
    assert note.public.suggested is not None
    assert "чат" in note.public.suggested
    assert r.board.reviews[low].status == "VIEWED"


async def test_textless_and_photo_only_high_ratings_are_left_alone_by_default(r: Rig) -> None:
    bare, photos = r.review(5), r.review(4, photos=3)
    await r.reviews().run_once()
    assert r.comments(bare) == r.comments(photos) == []
    assert r.board.comment_calls == 0
    on = r.deps(shop_config(PublicPolicy(reviews_without_text=Mode.AUTO)))
    fresh = r.review(5)
    await r.reviews(on).run_once()
    assert len(r.comments(fresh)) == 1


class _DiesBeforeCalling(OzonClient):
    """The worker is killed after recording its intent, before Ozon hears of it."""

    async def answer_question(self, question_id: str, sku: str, text: str) -> str:
        raise asyncio.CancelledError

    async def comment_review(
        self, review_id: str, text: str, *, mark_processed: bool = True
    ) -> str:
        raise asyncio.CancelledError


def _dying(r: Rig) -> StreamDeps:
    dying = _DiesBeforeCalling.__new__(_DiesBeforeCalling)
    dying.__dict__.update(r.client().__dict__)  # the same shop, session and limiter
    return r.deps(ozon=dying)


async def test_a_crash_between_claim_and_call_answers_once_after_the_lease(r: Rig) -> None:
    asked, reviewed = r.ask("Какой цвет?"), r.review(5, "Красивая полка, удобно")
    with pytest.raises(asyncio.CancelledError):
        await r.questions(_dying(r)).run_once()
    with pytest.raises(asyncio.CancelledError):
        await r.reviews(_dying(r)).run_once()
    # The killed worker's leases outlive it; nobody answers meanwhile.
    assert await r.questions().run_once() == 0
    for stream, item in ((PublicStream.QUESTIONS, asked), (PublicStream.REVIEWS, reviewed)):
        await r.redis.delete(r.keys.public_lock("shop1", stream.value, item))  # lease expired
    r.clock.advance(hours=7)
    await r.questions().run_once()
    await r.reviews().run_once()
    assert len(r.answers(asked)) == 1
    assert len(r.comments(reviewed)) == 1
    await r.questions().run_once()
    await r.reviews().run_once()
    assert (r.board.answer_calls, r.board.comment_calls) == (1, 1)


async def test_a_lost_answer_is_found_in_ozons_list_not_sent_again(r: Rig) -> None:
    asked = r.ask("Какая ширина?")
    r.sandbox.state.add_fault("/v1/question/answer/create", Fault("reset_after_send", 1))
    await r.questions().run_once()
    record = await r.deps().store.record("shop1", PublicStream.QUESTIONS, asked)
    assert record is not None
    assert record.progress is Progress.POSTING
    r.clock.advance(minutes=1)
    await r.questions().run_once()
    assert len(r.answers(asked)) == 1
    assert r.board.answer_calls == 1
    assert r.board.questions[asked].status == "PROCESSED"


async def test_two_workers_racing_answer_each_question_once(r: Rig) -> None:
    asked = [r.ask(f"Какой материал у полки, вопрос {n}?") for n in range(12)]
    async with OzonHttp(timeout_s=3) as other:
        first, second = r.questions(), r.questions(r.deps(ozon=r.client(other)))
        await asyncio.gather(first.run_once(), second.run_once())
        await asyncio.gather(first.run_once(), second.run_once())
    assert [len(r.answers(q)) for q in asked] == [1] * 12
    assert r.board.answer_calls == 12


async def test_a_subscription_refusal_is_told_once_and_pauses_only_that_stream(r: Rig) -> None:
    r.board.questions_allowed = False
    r.ask("Какой цвет?")
    praised = r.review(5, "Отличное качество")
    assert await r.questions().run_once() == 0
    assert await r.questions().run_once() == 0  # paused: Ozon is not asked again
    await r.reviews().run_once()
    notices = [n for n in await r.notifications() if n.kind == "notice"]
    assert len(notices) == 1
    assert "Premium Plus" in (notices[0].text or "")
    assert len(r.comments(praised)) == 1


@pytest.mark.parametrize(
    "text",
    ["?", "Какой материал? " * 320, "What is it made of?", "这个架子是什么材料做的？"],
    ids=["one-char", "5000-chars", "english", "chinese"],
)
async def test_odd_questions_neither_crash_nor_repeat(r: Rig, text: str) -> None:
    asked = r.ask(text[:5000])
    stream = r.questions()
    await stream.run_once()
    await stream.run_once()
    assert len(r.answers(asked)) + len([n for n in await r.notifications() if n.public]) == 1


async def test_an_english_question_gets_an_english_answer(r: Rig) -> None:
    asked = r.ask("What material is the shelf made of?")
    await r.questions().run_once()
    (answer,) = r.answers(asked)
    assert "массив сосны" in answer
    assert "material" in answer.lower()


async def test_bad_input_from_ozon_is_survived(r: Rig) -> None:
    old = r.ask("Какой материал?", sku=OLD_SKU)
    odd = r.review(7, "Странная оценка")
    r.board.empty_pages = 2
    assert await r.questions().run_once() == 0  # has_next with an empty page ends the poll
    assert await r.reviews().run_once() == 0
    await r.questions().run_once()
    await r.reviews().run_once()
    whys = {n.public.item_id: n.public.why for n in await r.notifications() if n.public}
    assert whys == {old: "sku_not_sold", odd: "bad_rating"}
    assert r.answers(old) == []
    assert r.comments(odd) == []


async def test_a_refused_answer_is_reported_to_staff(r: Rig) -> None:
    r.board.answer_outcome = "MODERATION_FAILED"
    asked = r.ask("Какой цвет у полки?")
    stream = r.questions()
    await stream.run_once()
    r.clock.advance(minutes=2)
    await stream.run_once()
    cards = [n.public for n in await r.notifications() if n.public]
    assert [c.why for c in cards] == ["moderation_moderation_failed"]
    assert len(r.answers(asked)) == 1


async def test_staff_send_the_suggestion_once_edit_checked_or_dismiss(r: Rig) -> None:
    low = r.review(2, "Пришёл не тот товар, заказывал белую")
    silent = r.ask("Какая гарантия?")
    spam = r.ask("Какой цвет? Подробнее на shelf-sale.ru")
    await r.reviews().run_once()
    await r.questions().run_once()
    desk = PublicDesk({"shop1": r.deps()})
    cards = {n.public.item_id: n.public.id for n in await r.notifications() if n.public}
    sent = await desk.send_suggested(cards[low], 7, "Анна")
    again = await desk.send_suggested(cards[low], 8, "Иван")
    assert (sent.note, again.note) == ("sent", "closed")
    assert len(r.comments(low)) == 1
    assert r.board.reviews[low].status == "PROCESSED"
    linked = await desk.send_text(cards[silent], "Гарантия на ozon.ru/product/1", 7, "Анна")
    assert linked.note == "blocked"
    assert "public_link" in linked.problems
    typed = await desk.send_text(cards[silent], "Гарантия производителя 12 месяцев.", 7, "Анна")
    assert typed.note == "sent"
    assert r.answers(silent) == ["Гарантия производителя 12 месяцев."]
    assert (await desk.dismiss(cards[spam], 7, "Анна")).note == "dismissed"
    assert (await desk.send_text(cards[spam], "Белый.", 7, "Анна")).note == "closed"
    assert r.answers(spam) == []


class _RasaDown(KeywordDialogue):
    """Rasa's outage for the first `down` turns: the client's own error, as over a socket."""

    def __init__(self, down: int) -> None:
        super().__init__()
        self.down = down

    async def understand(self, request: TurnRequest) -> DialogueResult:
        if self.down > 0:
            self.down -= 1
            raise RasaUnavailableError("/webhooks/ozonbot/webhook: TimeoutError")
        return await super().understand(request)


async def test_a_rasa_outage_ends_the_poll_and_the_next_answers_once(r: Rig) -> None:
    first, second = r.ask("Какой цвет?"), r.ask("Какая ширина?")
    down = _RasaDown(down=1)
    stream = QuestionStream(r.deps(), down)
    assert await stream.run_once() == 0  # no traceback out of the scheduler's job
    assert r.answers(first) == r.answers(second) == []
    assert await stream.run_once() == 2
    assert [len(r.answers(q)) for q in (first, second)] == [1, 1]
    # Rasa's conversation id has the chats' shape, with the deployment's prefix: emulators that
    # number their questions alike never share a conversation across deployments.
    assert down.turns[0].sender == f"{r.keys.prefix}:shop1:question:{first}"
