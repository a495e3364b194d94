"""The product-question stream of one shop: `run_once()` is one poll.

    stream = QuestionStream(deps, dialogue)
    handled = await stream.run_once()     # the scheduler calls this every poll interval

One poll lists NEW questions (oldest first, following `last_id` while `has_next`), and for each
one it is the first to lease:

1. understands it like a chat message (inbound detectors, then the dialogue's intent);
2. routes it (`bot.streams.policy.question_route`): a routine question the product card
   settles is answered publicly in varied, checked words, exactly once, then marked PROCESSED;
   everything else becomes a staff card of its own kind and the question is marked VIEWED;
3. then looks at the moderation of answers posted earlier and tells staff of a refusal.

A subscription refusal (questions need Premium Plus) is told to staff once and pauses this
stream for `PUBLIC_PROBE_S`; the other streams go on. Other Ozon failures end the poll (the next
one retries); a failure of one question never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from bot.dialogue.types import Dialogue, DialogueResult, TurnRequest
from bot.errors import (
    OzonBadRequestError,
    OzonError,
    OzonNotFoundError,
    OzonSubscriptionError,
    OzonUnknownOutcomeError,
)
from bot.knowledge.language import detect_language
from bot.models import InboundFlag, Intent, Language
from bot.ozon.schemas import Question, QuestionStatus
from bot.state.models import PublicCard, PublicStream
from bot.state.streams import Progress
from bot.streams import answers
from bot.streams.common import (
    Publication,
    StreamDeps,
    card_id,
    post_card,
    render_once,
    tell_staff,
    varied,
)
from bot.streams.policy import Route, Routed, question_route

log = logging.getLogger(__name__)

STREAM = PublicStream.QUESTIONS
MAX_PAGES = 20
"""Pages per poll (ten questions each at Ozon): a backlog drains over several polls."""
WATCH_FIRST = timedelta(minutes=1)
WATCH_AGAIN = timedelta(minutes=10)


class QuestionStream:
    def __init__(self, deps: StreamDeps, dialogue: Dialogue) -> None:
        self._deps = deps
        self._dialogue = dialogue

    @property
    def shop(self) -> str:
        return self._deps.shop.id

    async def run_once(self) -> int:
        """One poll; returns how many questions were handled (answered, carded or skipped)."""
        deps = self._deps
        if deps.shop.public.questions.value == "off" or await deps.store.paused(self.shop, STREAM):
            return 0
        handled = 0
        try:
            async for question in self._new_questions():
                handled += await self._handle_safely(question)
            await self._watch_moderation()
        except OzonSubscriptionError as exc:
            await self._refused(exc)
        return handled

    async def _new_questions(self) -> AsyncIterator[Question]:
        last_id: str | None = None
        for _ in range(MAX_PAGES):
            page = await self._deps.ozon.list_questions(status=QuestionStatus.NEW, last_id=last_id)
            for question in page.questions:
                yield question
            # `has_next` with an empty page, or a cursor that does not move, would loop forever.
            if not page.has_next or not page.questions or page.last_id in (None, last_id):
                break
            last_id = page.last_id
        if await self._deps.store.refusal_over(self.shop, STREAM):
            await tell_staff(self._deps, "questions-back", "Ozon answers product questions again.")

    async def _refused(self, exc: OzonSubscriptionError) -> None:
        deps = self._deps
        await deps.store.pause(self.shop, STREAM)
        if await deps.store.first_refusal(self.shop, STREAM, deps.clock()):
            text = (
                f"Product questions of {deps.shop.name} are paused: {exc.cause or exc.message}. "
                "Answering them through the API needs Premium Plus. The bot tries again every "
                "30 minutes; chats and reviews go on."
            )
            await tell_staff(deps, "questions-refused", text)
        deps.count(STREAM, "refused")

    async def _handle_safely(self, question: Question) -> int:
        try:
            return await self._handle(question)
        except OzonSubscriptionError:
            raise
        except OzonError as exc:
            log.warning("question %s/%s: %s", self.shop, question.id, exc)
            return 0

    async def _handle(self, question: Question) -> int:
        deps = self._deps
        token = await deps.store.lock(self.shop, STREAM, question.id)
        if token is None:
            return 0  # another worker has it
        try:
            return await self._progress(question)
        finally:
            await deps.store.unlock(self.shop, STREAM, question.id, token)

    async def _progress(self, question: Question) -> int:
        publication = Publication(self._deps, STREAM, question.id)
        record = await publication.record()
        if record is None:
            return await self._decide(question, publication)
        if record.progress is Progress.POSTING:
            return await self._reconcile(question, publication, record.text or "")
        if record.progress is Progress.POSTED:
            await self._processed(question, publication)
            return 1
        if record.progress is Progress.CARDED:
            await self._set_status(question.id, QuestionStatus.VIEWED)
        return 0

    # --- deciding -------------------------------------------------------------------------

    async def _decide(self, question: Question, publication: Publication) -> int:
        deps = self._deps
        lang = detect_language(question.text)
        flags = deps.inbound.inspect(question.text).flags
        result = await self._understand(question, lang, flags)
        intent = Intent.parse(result.intent or "")
        item = await answers.product(deps.ozon, question.sku)
        drafted = answers.Drafted(None)
        if item.sold and intent is not None and not flags:
            drafted = await answers.draft(deps.ozon, item, question.text, intent, lang)
        mode = await deps.mode(deps.shop.public.questions, intent)
        routed = question_route(
            text=question.text,
            flags=flags,
            intent=intent,
            answerable=drafted.key is not None,
            mode=mode,
            sku_sold=item.sold,
        )
        if routed.route is Route.ANSWER and drafted.key is not None:
            return await self._answer(question, publication, drafted, lang, intent)
        await self._card(question, publication, routed, item, drafted, lang, intent)
        return 1

    async def _understand(
        self, question: Question, lang: Language, flags: frozenset[InboundFlag]
    ) -> DialogueResult:
        if len(question.text.strip()) < 2 or len(question.text) > 1000 or flags:
            # Nothing for the NLU to settle: it goes to people whatever the intent.
            return DialogueResult(intent=None, confidence=None)
        request = TurnRequest(
            sender=f"{self.shop}:question:{question.id}",
            text=question.text,
            shop=self.shop,
            chat_id=f"question:{question.id}",
            lang=lang,
            turn=question.id,
            sku=question.sku or None,
            flags=flags,
        )
        return await self._dialogue.understand(request)

    async def _answer(
        self,
        question: Question,
        publication: Publication,
        drafted: answers.Drafted,
        lang: Language,
        intent: Intent | None,
    ) -> int:
        deps = self._deps
        worded = await varied(
            deps,
            key=drafted.key or "",
            lang=lang,
            values=drafted.values,
            sku=question.sku,
            seed=question.id,
        )
        if worded.text is None:
            why = Routed(Route.CARD, "blocked_reply")
            item = await answers.product(deps.ozon, question.sku)
            await self._card(question, publication, why, item, drafted, lang, intent)
            return 1
        await self._publish(question, publication, worded.text.text)
        return 1

    async def _publish(self, question: Question, publication: Publication, text: str) -> None:
        deps = self._deps

        async def create(body: str) -> str:
            return await deps.ozon.answer_question(question.id, question.sku, body)

        try:
            answer_id = await publication.publish(text, create)
        except OzonUnknownOutcomeError:
            log.warning(
                "answer to %s/%s: outcome unknown, reconciled later", self.shop, question.id
            )
            return
        except OzonBadRequestError as exc:
            # Refused as such (e.g. the question was deleted): nothing reached the buyer.
            log.warning("answer to %s/%s refused: %s", self.shop, question.id, exc)
            await publication.mark(Progress.SKIPPED)
            return
        await deps.store.watch(
            self.shop, question.id, question.sku, answer_id, self._due(WATCH_FIRST)
        )
        deps.count(STREAM, "answered")
        await self._processed(question, publication)

    async def _reconcile(self, question: Question, publication: Publication, text: str) -> int:
        """A `posting` left by a worker that died: look before answering again."""
        record = await publication.record()
        if record is None or not publication.settled(record, timedelta(0)):
            return 0
        listed = await self._deps.ozon.question_answers(question.id, question.sku)
        if listed.answers:
            mine = next((a for a in listed.answers if a.text == text), listed.answers[0])
            await publication.mark(Progress.POSTED, text=text, published_id=mine.id)
            await self._processed(question, publication)
            return 1
        await self._publish(question, publication, text)
        return 1

    async def _processed(self, question: Question, publication: Publication) -> None:
        await self._set_status(question.id, QuestionStatus.PROCESSED)
        record = await publication.record()
        await publication.mark(
            Progress.DONE,
            text=record.text if record else None,
            published_id=record.published_id if record else None,
        )

    async def _set_status(self, question_id: str, status: QuestionStatus) -> None:
        try:
            await self._deps.ozon.change_question_status([question_id], status)
        except OzonNotFoundError:
            log.info("question %s/%s is gone at Ozon", self.shop, question_id)

    # --- staff cards ----------------------------------------------------------------------

    async def _card(
        self,
        question: Question,
        publication: Publication,
        routed: Routed,
        item: answers.Product,
        drafted: answers.Drafted,
        lang: Language,
        intent: Intent | None,
    ) -> None:
        deps = self._deps
        suggested = None
        if drafted.key is not None and routed.why not in ("spam", "abuse", "flagged"):
            suggested = render_once(deps, drafted.key, lang, drafted.values)
        card = PublicCard(
            id=card_id(self.shop, STREAM, question.id),
            shop=self.shop,
            stream=STREAM,
            item_id=question.id,
            sku=question.sku,
            product_name=item.name or None,
            text=question.text,
            why=routed.why,
            intent=intent.value if intent else None,
            facts=drafted.facts,
            suggested=suggested,
            created_at=deps.clock(),
        )
        await post_card(deps, card)
        await publication.mark(Progress.CARDED, card_id=card.id)
        deps.count(STREAM, f"card:{routed.why}")
        await self._set_status(question.id, QuestionStatus.VIEWED)

    # --- moderation -----------------------------------------------------------------------

    async def _watch_moderation(self) -> None:
        deps = self._deps
        now_ms = int(deps.clock().timestamp() * 1000)
        for question_id, sku, answer_id in await deps.store.due_watches(self.shop, now_ms):
            try:
                listed = await deps.ozon.question_answers(question_id, sku)
            except OzonNotFoundError:
                await deps.store.unwatch(self.shop, question_id, sku, answer_id)
                continue
            answer = next((a for a in listed.answers if a.id == answer_id), None)
            if answer is None or answer.status.value == "published":
                await deps.store.unwatch(self.shop, question_id, sku, answer_id)
            elif answer.status.refused:
                await self._moderation_failed(question_id, sku, answer.text, answer.status.value)
                await deps.store.unwatch(self.shop, question_id, sku, answer_id)
            else:
                await deps.store.watch(
                    self.shop, question_id, sku, answer_id, self._due(WATCH_AGAIN)
                )

    async def _moderation_failed(self, question_id: str, sku: str, text: str, status: str) -> None:
        deps = self._deps
        question = await deps.ozon.question_info(question_id)
        card = PublicCard(
            id=card_id(self.shop, STREAM, question_id),
            shop=self.shop,
            stream=STREAM,
            item_id=question_id,
            sku=sku,
            text=question.text,
            why=f"moderation_{status}",
            facts={"answer": text},
            created_at=deps.clock(),
        )
        await post_card(deps, card)
        deps.count(STREAM, "moderation_failed")

    def _due(self, after: timedelta) -> int:
        return int((self._deps.clock() + after).timestamp() * 1000)
