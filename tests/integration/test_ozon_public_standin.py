"""The real client and the real question and review streams against a stand-in written from
Ozon's documents (tests/fakes/ozon_public_standin.py), not from our emulator: a question is
answered once from the card, a review is commented once, and a subscription refusal pauses the
review stream only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.dialogue.types import Dialogue, DialogueResult, TurnRequest
from bot.models import Intent
from bot.ozon.client import OzonHttp
from bot.state.escalations import ControlStore, Outbox
from bot.state.keys import Keys
from bot.state.models import Notification, PublicStream
from bot.state.redis import Redis
from bot.state.streams import StreamStore
from bot.streams.common import StreamDeps
from bot.streams.questions import QuestionStream
from bot.streams.reviews import ReviewStream
from bot.worker.metrics import Metrics
from bot.worker.send import Sender
from tests.fakes.ozon_public_standin import PublicStandin, serve_public_standin
from tests.integration.public_support import (
    Clock,
    Guards,
    KeywordDialogue,
    shop_config,
)


@dataclass
class Streams:
    standin: PublicStandin
    deps: StreamDeps
    redis: Redis
    keys: Keys
    clock: Clock

    def questions(self, dialogue: Dialogue | None = None) -> QuestionStream:
        return QuestionStream(self.deps, dialogue or KeywordDialogue())

    def reviews(self) -> ReviewStream:
        return ReviewStream(self.deps, KeywordDialogue())

    async def notifications(self) -> list[Notification]:
        entries = await self.redis.xrange(self.keys.outbox)
        return [
            Notification.model_validate_json(str((fields or {})["n"]))
            for _, fields in entries or []
        ]


class SpecsDialogue(KeywordDialogue):
    """Every question is about the product's properties (what the NLU says of "will it fit")."""

    async def understand(self, request: TurnRequest) -> DialogueResult:
        return DialogueResult(intent=Intent.PRODUCT_SPECS.value, confidence=0.95)


@pytest.fixture
async def s(redis: Redis, redis_prefix: str, guards: Guards) -> AsyncIterator[Streams]:
    keys, clock, metrics = Keys(redis_prefix), Clock(), Metrics()
    async with serve_public_standin() as standin, OzonHttp(timeout_s=3) as http:
        client = http.client(base_url=standin.url, client_id="7", api_key="k", read_retries=0)
        sender = Sender(
            {},
            guards.outbound,
            ControlStore(redis, keys),
            metrics,
            blocked_retention_s=60,
            clock=clock,
        )
        deps = StreamDeps(
            shop=shop_config(),
            ozon=client,
            store=StreamStore(redis, keys),
            inbound=guards.inbound,
            sender=sender,
            knowledge=guards.knowledge,
            outbox=Outbox(redis, keys),
            metrics=metrics,
            clock=clock,
        )
        yield Streams(standin, deps, redis, keys, clock)
        assert standin.refused == []  # every request the client made is one the documents allow


async def test_a_question_is_answered_once_from_the_card(s: Streams) -> None:
    asked = s.standin.ask("Из какого материала плёнка?")

    assert await s.questions().run_once() == 1
    assert await s.questions().run_once() == 0

    [answer] = s.standin.answers[asked]
    assert "гидрогель" in answer["text"].lower()
    assert s.standin.questions[asked]["status"] == "PROCESSED"
    assert s.standin.calls["/v1/question/answer/create"] == 1


async def test_more_questions_than_one_page_are_all_answered_once(s: Streams) -> None:
    """Ozon's question pages hold at most 10: the stream follows `last_id`."""
    asked = [s.standin.ask(f"Какой материал у плёнки? ({n})") for n in range(12)]

    assert await s.questions().run_once() == 12

    assert all(len(s.standin.answers[q]) == 1 for q in asked)
    assert s.standin.calls["/v1/question/list"] >= 2


async def test_a_five_star_review_is_commented_once_and_marked_processed(s: Streams) -> None:
    praised = s.standin.review(5, "Отличное качество, клеится ровно")

    assert await s.reviews().run_once() == 1
    s.standin.moderate()
    assert await s.reviews().run_once() == 0

    [comment] = s.standin.comments[praised]
    assert "качеств" in comment["text"]
    assert s.standin.reviews[praised]["status"] == "PROCESSED"
    assert s.standin.calls["/v1/review/comment/create"] == 1


async def test_a_subscription_refusal_pauses_the_review_stream_only(s: Streams) -> None:
    s.standin.reviews_subscription = False
    s.standin.review(5, "Отличное качество")
    asked = s.standin.ask("Из какого материала плёнка?")

    assert await s.reviews().run_once() == 0
    assert await s.reviews().run_once() == 0  # paused: Ozon is not asked again
    assert await s.questions().run_once() == 1

    assert s.standin.calls["/v2/review/list"] == 1
    assert await s.deps.store.paused("shop1", PublicStream.REVIEWS)
    assert not await s.deps.store.paused("shop1", PublicStream.QUESTIONS)
    assert len(s.standin.answers[asked]) == 1
    notices = [n for n in await s.notifications() if n.kind == "notice"]
    assert len(notices) == 1
    assert notices[0].text is not None


async def test_a_compatibility_question_is_answered_only_when_the_card_names_the_model(
    s: Streams,
) -> None:
    other = s.standin.ask("Подойдёт ли к iPhone 15?")
    named = s.standin.ask("Подойдёт ли к Xiaomi Redmi Note 10 Pro 5G?")

    assert await s.questions(SpecsDialogue()).run_once() == 2

    assert other not in s.standin.answers
    [card] = [n.public for n in await s.notifications() if n.public]
    assert (card.item_id, card.why, card.suggested) == (other, "compatibility", None)
    assert card.facts == {"asked": "совместимость: iPhone 15"}
    [answer] = s.standin.answers[named]
    assert "Xiaomi Redmi Note 10 Pro 5G" in answer["text"]
