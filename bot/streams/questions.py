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
from collections.abc import Sequence
from datetime import timedelta

from bot.dialogue.types import DialogueResult, TurnRequest
from bot.errors import (
    OzonBadRequestError,
    OzonNotFoundError,
    OzonUnknownOutcomeError,
)
from bot.knowledge.language import detect_language
from bot.models import InboundFlag, Intent, Language
from bot.ozon.schemas import Question, QuestionStatus
from bot.state.models import PublicCard, PublicStream
from bot.state.streams import Outcome, Progress, PublicTurn
from bot.streams import answers
from bot.streams.common import (
    Publication,
    card_id,
    post_card,
    render_once,
    varied,
)
from bot.streams.policy import Route, Routed, question_route
from bot.streams.polled import PolledStream

log = logging.getLogger(__name__)

STREAM = PublicStream.QUESTIONS
WATCH_FIRST = timedelta(minutes=1)
WATCH_AGAIN = timedelta(minutes=10)


class QuestionStream(PolledStream[Question]):
    stream = STREAM

    def _enabled(self) -> bool:
        return self._deps.shop.public.questions.value != "off"

    async def _page(self, last_id: str | None) -> tuple[Sequence[Question], bool, str | None]:
        page = await self._deps.ozon.list_questions(status=QuestionStatus.NEW, last_id=last_id)
        return page.questions, page.has_next, page.last_id

    def _id(self, item: Question) -> str:
        return item.id

    async def _info(self, item_id: str) -> Question:
        return await self._deps.ozon.question_info(item_id)

    async def _after_poll(self) -> None:
        await self._watch_moderation()

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
            compatibility=drafted.compatibility,
        )
        if routed.route is Route.ANSWER and drafted.key is not None:
            routed = await self._answer(question, publication, drafted, lang, intent)
        else:
            await self._card(question, publication, routed, item, drafted, lang, intent)
        await deps.store.add_turn(
            PublicTurn(
                shop=self.shop,
                stream=STREAM,
                item_id=question.id,
                sku=question.sku,
                at=deps.clock(),
                text=question.text,
                lang=lang.value,
                intent=result.intent,
                confidence=result.confidence,
                outcome=Outcome.AUTO if routed.route is Route.ANSWER else Outcome.STAFF,
                why=routed.why,
            )
        )
        return 1

    async def _understand(
        self, question: Question, lang: Language, flags: frozenset[InboundFlag]
    ) -> DialogueResult:
        if len(question.text.strip()) < 2 or len(question.text) > 1000 or flags:
            # Nothing for the NLU to settle: it goes to people whatever the intent.
            return DialogueResult(intent=None, confidence=None)
        request = TurnRequest(
            sender=self._deps.conversation(f"question:{question.id}"),
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
    ) -> Routed:
        """Publish a varied, checked answer; when no wording passes, a staff card instead."""
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
            return why
        await self._publish(question, publication, worded.text.text)
        return Routed(Route.ANSWER, "routine")

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
