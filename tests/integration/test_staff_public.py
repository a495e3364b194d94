"""Product question and review cards in the staff chat (issue 18): real aiogram against the fake
Bot API, the real question and review streams against the Ozon emulator, real Redis, the real
inbound and outbound guards; a keyword dialogue stands in for Rasa (the streams use the intent
only). Staff send the suggestion, answer by replying to the card (checked like a chat relay) or
dismiss; every answer reaches Ozon once."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.config import PublicPolicy, TranslateSettings
from bot.guard.inbound import InboundGuard
from bot.knowledge.store import Knowledge
from bot.models import Language, Mode
from bot.staff.console import StaffConsole
from bot.state.keys import Keys
from bot.state.models import Notification, PublicCard, PublicCardStatus, PublicStream
from bot.state.redis import Redis
from bot.state.streams import StreamStore
from bot.state.translations import TranslationStore
from bot.streams.common import StreamDeps
from bot.streams.desk import PublicDesk
from bot.streams.questions import QuestionStream
from bot.streams.reviews import ReviewStream
from bot.worker.metrics import Metrics
from bot.worker.send import Sender
from tests.fakes.libretranslate import FakeLibreTranslate
from tests.fakes.telegram import Sent
from tests.integration.public_support import PRODUCTS, SKU, KeywordDialogue
from tests.integration.staff_harness import (
    ANNA,
    BORIS,
    STAFF_CHAT,
    StaffHarness,
    outbound_guard,
    staff_harness,
    wait_until,
)

CLIENT = "100500"  # the staff harness's shop "main"
GUARANTEE = "Какая гарантия на полку?"
GUARANTEE_ZH = "这个架子的保修期是多久？"


@pytest.fixture(scope="module")
def inbound() -> InboundGuard:
    return InboundGuard.load()


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return Knowledge.load(Path("knowledge"))


@dataclass
class Desk:
    """The staff console with the shop's question and review streams behind it."""

    h: StaffHarness
    deps: StreamDeps
    dialogue: KeywordDialogue = field(default_factory=KeywordDialogue)

    @property
    def desk(self) -> PublicDesk:
        return PublicDesk({"main": self.deps})

    async def start(
        self, language: Language = Language.EN, translate: str | None = None
    ) -> StaffConsole:
        parts = dataclasses.replace(self.h.parts(language=language), public_desk=self.desk)
        if translate is not None:
            parts = dataclasses.replace(
                parts,
                translate=TranslateSettings(url=translate, timeout_s=2.0),
                translations=TranslationStore(self.h.redis, self.h.keys, retention_s=3600),
            )
        self.h.console = StaffConsole.create(parts)
        await self.h.console.start()
        return self.h.console

    def policy(self, policy: PublicPolicy) -> None:
        shop = self.deps.shop.model_copy(update={"public": policy})
        self.deps = dataclasses.replace(self.deps, shop=shop)

    @property
    def board(self):  # type: ignore[no-untyped-def]  # the emulator's Board, for assertions
        return self.h.sandbox.state.shop_for_control(CLIENT).public

    def ask(self, text: str) -> str:
        return str(self.board.add_question(CLIENT, sku=SKU, text=text, now=self.h.clock()).id)

    def review(self, rating: int, text: str) -> str:
        added = self.board.add_review(CLIENT, sku=SKU, rating=rating, text=text, now=self.h.clock())
        return str(added.id)

    async def poll(self) -> None:
        await QuestionStream(self.deps, self.dialogue).run_once()
        await ReviewStream(self.deps, self.dialogue).run_once()

    async def card_of(self, stream: PublicStream, item: str) -> PublicCard:
        record = await self.deps.store.record("main", stream, item)
        assert record is not None
        assert record.card_id is not None
        card = await self.deps.store.card(record.card_id)
        assert card is not None
        return card

    async def message(self, stream: PublicStream, item: str) -> Sent:
        """The item's card in the staff chat, once it is there."""
        found: list[Sent] = []

        async def posted() -> bool:
            card = await self.card_of(stream, item)
            if card.card_message_id is None:
                return False
            found[:] = [self.h.tg.messages[(STAFF_CHAT, card.card_message_id)]]
            return True

        await wait_until(posted)
        return found[0]

    async def answer_to(self, message_id: int) -> Sent:
        await wait_until(lambda: self.h.tg.replies_to(STAFF_CHAT, message_id))
        return self.h.tg.replies_to(STAFF_CHAT, message_id)[-1]

    def answers(self, question: str) -> list[str]:
        return [a.text for a in self.board.questions[question].answers]

    def comments(self, review: str) -> list[str]:
        return [c.text for c in self.board.reviews[review].comments]


@pytest.fixture
async def d(
    redis: Redis, redis_prefix: str, inbound: InboundGuard, knowledge: Knowledge
) -> AsyncIterator[Desk]:
    async with staff_harness(redis, redis_prefix) as h:
        h.sandbox.state.seed_from_scenario({"products": PRODUCTS}, CLIENT)
        client = h.http.client(
            base_url=h.sandbox.url, client_id=CLIENT, api_key="sandbox-key", read_retries=1
        )
        sender = Sender({}, outbound_guard(), h.control, Metrics(), blocked_retention_s=60)
        deps = StreamDeps(
            shop=h.shops["main"],
            ozon=client,
            store=StreamStore(redis, Keys(redis_prefix)),
            inbound=inbound,
            sender=sender,
            knowledge=knowledge,
            outbox=h.outbox,
            clock=h.clock,
        )
        yield Desk(h, deps)


async def test_a_question_card_shows_the_question_the_facts_and_the_suggestion(d: Desk) -> None:
    d.policy(PublicPolicy(questions=Mode.DRAFT))
    await d.start()
    asked = d.ask("Из какого материала полка?")
    await d.poll()
    card = await d.message(PublicStream.QUESTIONS, asked)
    assert "Product question: draft: a person approves it first" in card.text
    assert "Из какого материала полка?" in card.text
    assert "Полка настенная" in card.text
    assert SKU in card.text
    assert "массив сосны" in card.text  # the fact found, and in the suggestion
    assert "Suggested public answer" in card.text
    assert [label for label, _ in card.buttons] == ["Send", "Edit (reply)", "Dismiss"]
    assert d.answers(asked) == []


async def test_contacts_in_a_question_are_masked_and_get_no_suggestion(d: Desk) -> None:
    await d.start()
    asked = d.ask("Из какого материала полка? Звоните 8 999 123-45-67")
    await d.poll()
    card = await d.message(PublicStream.QUESTIONS, asked)
    assert "contacts, a link or a legal threat in it" in card.text
    assert "[phone]" in card.text
    assert "123-45-67" not in card.text
    assert "Send" not in [label for label, _ in card.buttons]


async def test_send_publishes_the_suggestion_once_however_often_it_is_tapped(d: Desk) -> None:
    d.policy(PublicPolicy(questions=Mode.DRAFT))
    await d.start()
    asked = d.ask("Какой цвет у полки?")
    await d.poll()
    card = await d.message(PublicStream.QUESTIONS, asked)
    data = card.button("Send")
    d.h.tg.press(STAFF_CHAT, ANNA, card.message_id, data)
    d.h.tg.press(STAFF_CHAT, BORIS, card.message_id, data)
    await wait_until(lambda: len(d.h.tg.answers) == 2)
    assert sorted(a["text"] for a in d.h.tg.answers) == [
        "Published on Ozon.",
        "This card is already closed.",
    ]
    (answer,) = d.answers(asked)
    assert "белый" in answer
    assert d.board.answer_calls == 1
    assert d.board.questions[asked].status == "PROCESSED"
    await wait_until(lambda: "Answered publicly" in card.text)
    assert card.buttons == []
    assert "Anna: published the answer" in card.text or "Boris: published" in card.text


async def test_a_reply_to_the_card_is_checked_and_published(d: Desk) -> None:
    await d.start()
    asked = d.ask(GUARANTEE)
    await d.poll()
    card = await d.message(PublicStream.QUESTIONS, asked)
    assert "the product card does not say" in card.text
    assert "The product card does not say. Reply to this card" in card.text
    assert [label for label, _ in card.buttons] == ["Edit (reply)", "Dismiss"]  # nothing to send
    typed = "Гарантия производителя 12 месяцев."
    said = d.h.tg.say(STAFF_CHAT, ANNA, typed, reply_to=card.message_id)
    assert "Published on Ozon." in (await d.answer_to(said)).text
    assert d.answers(asked) == [typed]
    assert d.board.questions[asked].status == "PROCESSED"
    await wait_until(lambda: "Answered publicly" in card.text)


async def test_a_violating_reply_is_refused_with_rule_and_fragment(d: Desk) -> None:
    await d.start()
    asked = d.ask(GUARANTEE)
    await d.poll()
    card = await d.message(PublicStream.QUESTIONS, asked)
    said = d.h.tg.say(
        STAFF_CHAT, ANNA, "Гарантия год, подробности на shelf-sale.ru!!!", reply_to=card.message_id
    )
    refusal = (await d.answer_to(said)).text
    assert "Not published" in refusal
    assert "a link (public answers may have none): \u201cshelf-sale.ru\u201d" in refusal
    assert "!!! or ???: \u201c!!!\u201d" in refusal
    assert d.answers(asked) == []
    assert d.board.answer_calls == 0
    again = d.h.tg.say(STAFF_CHAT, ANNA, "Гарантия один год.", reply_to=card.message_id)
    assert "Published on Ozon." in (await d.answer_to(again)).text
    assert d.answers(asked) == ["Гарантия один год."]


async def test_edit_makes_the_next_message_the_answer(d: Desk) -> None:
    await d.start()
    asked = d.ask(GUARANTEE)
    await d.poll()
    card = await d.message(PublicStream.QUESTIONS, asked)
    d.h.tg.press(STAFF_CHAT, BORIS, card.message_id, card.button("Edit (reply)"))
    prompt = await d.answer_to(card.message_id)
    assert "Boris" in prompt.text
    assert "public answer" in prompt.text
    said = d.h.tg.say(STAFF_CHAT, BORIS, "Гарантия 6 месяцев.")
    await d.answer_to(said)
    assert d.answers(asked) == ["Гарантия 6 месяцев."]
    later = d.h.tg.say(STAFF_CHAT, BORIS, "это уже просто разговор")
    await wait_until(lambda: d.h.tg.pending_updates == 0)
    assert d.h.tg.replies_to(STAFF_CHAT, later) == []
    assert d.board.answer_calls == 1


async def test_dismiss_closes_the_card_and_publishes_nothing(d: Desk) -> None:
    await d.start()
    asked = d.ask(GUARANTEE)
    await d.poll()
    card = await d.message(PublicStream.QUESTIONS, asked)
    card_id = (await d.card_of(PublicStream.QUESTIONS, asked)).id
    d.h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Dismiss"))
    await wait_until(lambda: "Dismissed" in card.text)
    assert card.buttons == []
    dismissed = await d.deps.store.card(card_id)
    assert dismissed is not None
    assert dismissed.status is PublicCardStatus.DISMISSED
    assert d.board.questions[asked].status == "VIEWED"  # seen, and left unanswered
    said = d.h.tg.say(STAFF_CHAT, ANNA, "Гарантия год.", reply_to=card.message_id)
    assert "already closed" in (await d.answer_to(said)).text
    assert d.answers(asked) == []


async def test_a_one_star_review_card_is_sent_on_tap_and_never_by_itself(d: Desk) -> None:
    await d.start()
    low = d.review(1, "Полка пришла с браком, доска треснула")
    await d.poll()
    card = await d.message(PublicStream.REVIEWS, low)
    assert "Review \u2605\u2606\u2606\u2606\u2606" in card.text
    assert "low rating, never answered automatically" in card.text
    assert "defective_item" in card.text
    assert "order status: DELIVERED" in card.text
    assert "чат" in card.text  # the suggestion invites the buyer to the Ozon chat
    assert d.comments(low) == []
    d.h.tg.press(STAFF_CHAT, ANNA, card.message_id, card.button("Send"))
    await wait_until(lambda: "Answered publicly" in card.text)
    (comment,) = d.comments(low)
    assert "чат" in comment
    assert d.board.reviews[low].status == "PROCESSED"


async def test_a_reply_to_a_chat_card_still_goes_to_the_buyer_chat(d: Desk) -> None:
    """The public router comes first but lets every other message through to the relay."""
    await d.start()
    escalation = await d.h.escalate("chat-1", "Пришёл не тот цвет")
    chat_card = await d.h.card(escalation.id)
    text = "Здравствуйте, мы заменим товар."
    said = d.h.tg.say(STAFF_CHAT, ANNA, text, reply_to=chat_card.message_id)
    assert "Sent to the buyer." in (await d.answer_to(said)).text
    assert d.h.sent_to_buyer("chat-1") == [text]
    assert d.board.answer_calls == d.board.comment_calls == 0


@pytest.mark.parametrize(
    ("language", "heading", "buttons"),
    [
        (Language.EN, "Product question: the product card does not say", ["Edit (reply)"]),
        (Language.RU, "Вопрос о товаре: в карточке товара этого нет", ["Изменить (ответить)"]),
        (Language.ZH, "商品问题：商品卡片中没有这项信息", ["修改（回复）"]),
    ],
)
async def test_cards_speak_the_staff_language(
    d: Desk, language: Language, heading: str, buttons: list[str]
) -> None:
    await d.start(language)
    asked = d.ask(GUARANTEE)
    await d.poll()
    card = await d.message(PublicStream.QUESTIONS, asked)
    assert heading in card.text
    assert GUARANTEE in card.text  # the buyer's words as written
    assert [label for label, _ in card.buttons][:1] == buttons


async def test_the_question_is_machine_translated_below_the_original(d: Desk) -> None:
    async with FakeLibreTranslate.running({("ru", "zh"): {GUARANTEE: GUARANTEE_ZH}}) as lt:
        await d.start(Language.ZH, translate=lt.url)
        asked = d.ask(GUARANTEE)
        await d.poll()
        card = await d.message(PublicStream.QUESTIONS, asked)
        await wait_until(lambda: GUARANTEE_ZH in card.text)
        assert card.text.index(GUARANTEE) < card.text.index(GUARANTEE_ZH)
        assert "机器翻译" in card.text
        assert card.button("修改（回复）")
        await d.h.stop_console()


async def test_a_card_queued_again_is_edited_not_posted_twice(d: Desk) -> None:
    await d.start()
    asked = d.ask(GUARANTEE)
    await d.poll()
    card = await d.message(PublicStream.QUESTIONS, asked)
    current = await d.card_of(PublicStream.QUESTIONS, asked)
    again = Notification(id="again", kind="question", shop="main", public=current)
    await d.h.outbox.add(again)
    await wait_until(lambda: d.h.outbox.is_done("again"))
    assert d.h.tg.called("editMessageText")  # the card's message was edited (here: unchanged)
    cards = [m for m in d.h.tg.sent(STAFF_CHAT) if "Product question" in m.text]
    assert cards == [card]
