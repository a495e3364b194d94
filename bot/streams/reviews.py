"""The review stream of one shop: `run_once()` is one poll.

    stream = ReviewStream(deps, dialogue)
    handled = await stream.run_once()

One poll lists NEW reviews (oldest first, `limit` 100, following `last_id`) and for each one it
is the first to lease, by the shop's `PublicPolicy`:

- 4-5 stars with text: a varied, checked thank-you naming what the buyer praised when the text
  says it, published once (`mark_review_as_processed`), automatic by default;
- 4-5 stars without text (photos only, or nothing): off by default (marked VIEWED), else a
  short thank-you;
- 1-3 stars, and any rating outside 1..5: never automatic. A staff card with what went wrong
  (the same understanding as chats: defect, wrong item, not received), the order status Ozon
  gives, and a suggested reply inviting the buyer to the Ozon chat, asking for no contacts.

A subscription refusal («Управление отзывами» or Premium Pro) is told to staff once and pauses
this stream for `PUBLIC_PROBE_S`; the question stream and chats go on.
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
from bot.models import DISPUTE_INTENTS, Intent, Language, Mode
from bot.ozon.schemas import Review, ReviewStatus
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
from bot.streams.policy import Route, Routed, joined, praise_in, review_route, sorry_key
from bot.streams.polled import PolledStream

log = logging.getLogger(__name__)

STREAM = PublicStream.REVIEWS


def rating_label(rating: int | None) -> str:
    return str(rating) if rating is not None and 1 <= rating <= 5 else "other"


class ReviewStream(PolledStream[Review]):
    stream = STREAM

    def _enabled(self) -> bool:
        return self._deps.shop.public.reviews_on

    async def _page(self, last_id: str | None) -> tuple[Sequence[Review], bool, str | None]:
        page = await self._deps.ozon.list_reviews(status=ReviewStatus.NEW, last_id=last_id)
        return page.reviews, page.has_next, page.last_id

    def _id(self, item: Review) -> str:
        return item.id

    async def _info(self, item_id: str) -> Review:
        return await self._deps.ozon.review_info(item_id)

    async def _handle(self, review: Review) -> int:
        token = await self._deps.store.lock(self.shop, STREAM, review.id)
        if token is None:
            return 0
        try:
            return await self._progress(review)
        finally:
            await self._deps.store.unlock(self.shop, STREAM, review.id, token)

    async def _progress(self, review: Review) -> int:
        publication = Publication(self._deps, STREAM, review.id)
        record = await publication.record()
        if record is None:
            return await self._decide(review, publication)
        if record.progress is Progress.POSTING:
            return await self._reconcile(review, publication, record.text or "")
        if record.progress is Progress.POSTED:
            await self._processed(review, publication)
            return 1
        if record.progress in (Progress.CARDED, Progress.SKIPPED):
            await self._set_status(review.id, ReviewStatus.VIEWED)
        return 0

    # --- deciding -------------------------------------------------------------------------

    async def _decide(self, review: Review, publication: Publication) -> int:
        deps = self._deps
        routed = review_route(
            rating=review.rating,
            text=review.text,
            photos=review.photos_amount + review.videos_amount,
            policy=deps.shop.public,
            working_mode=await deps.mode(Mode.AUTO),
        )
        rating = rating_label(review.rating)
        lang = detect_language(review.text) if review.text else deps.shop.reply_language
        understood = DialogueResult(intent=None, confidence=None)
        if routed.route is Route.SKIP:
            await publication.mark(Progress.SKIPPED)
            await self._set_status(review.id, ReviewStatus.VIEWED)
            deps.count(STREAM, f"skip:{routed.why}", rating)
        elif routed.route is Route.ANSWER and await self._thank(review, publication, lang):
            deps.count(STREAM, "thanked", rating)
        else:
            if routed.route is Route.ANSWER:
                routed = Routed(Route.CARD, "blocked_reply")
            understood = await self._card(review, publication, routed, lang)
            deps.count(STREAM, f"card:{routed.why}", rating)
        await deps.store.add_turn(self._turn(review, lang, understood, routed))
        return 1

    async def _thank(self, review: Review, publication: Publication, lang: Language) -> bool:
        """A varied, checked thank-you, published once; False when no wording passes."""
        key, values = _thanks(review, lang)
        worded = await varied(
            self._deps, key=key, lang=lang, values=values, sku=review.sku, seed=review.id
        )
        if worded.text is None:
            return False
        await self._publish(review, publication, worded.text.text)
        return True

    def _turn(
        self, review: Review, lang: Language, understood: DialogueResult, routed: Routed
    ) -> PublicTurn:
        outcome = {Route.ANSWER: Outcome.AUTO, Route.SKIP: Outcome.SKIPPED}.get(
            routed.route, Outcome.STAFF
        )
        return PublicTurn(
            shop=self.shop,
            stream=STREAM,
            item_id=review.id,
            sku=review.sku,
            at=self._deps.clock(),
            text=review.text,
            lang=lang.value,
            intent=understood.intent,
            confidence=understood.confidence,
            rating=review.rating,
            outcome=outcome,
            why=routed.why,
        )

    async def _publish(self, review: Review, publication: Publication, text: str) -> None:
        async def create(body: str) -> str:
            return await self._deps.ozon.comment_review(review.id, body, mark_processed=True)

        try:
            await publication.publish(text, create)
        except OzonUnknownOutcomeError:
            log.warning("comment %s/%s: outcome unknown, reconciled later", self.shop, review.id)
            return
        except OzonBadRequestError as exc:
            log.warning("comment on %s/%s refused: %s", self.shop, review.id, exc)
            await publication.mark(Progress.SKIPPED)
            return
        await publication.mark(Progress.DONE, text=text)

    async def _reconcile(self, review: Review, publication: Publication, text: str) -> int:
        """A `posting` left by a worker that died. Ozon lists only moderated comments, so an
        absent one is sent again only after the shop's `comment_settle_min`."""
        record = await publication.record()
        settle = timedelta(minutes=self._deps.shop.public.comment_settle_min)
        if record is None or not publication.settled(record, timedelta(0)):
            return 0
        listed = await self._deps.ozon.review_comments(review.id)
        mine = [c for c in listed.comments if c.is_owner]
        if mine:
            await publication.mark(Progress.POSTED, text=text, published_id=mine[0].id)
            await self._processed(review, publication)
            return 1
        if not publication.settled(record, settle):
            return 0
        await self._publish(review, publication, text)
        return 1

    async def _processed(self, review: Review, publication: Publication) -> None:
        await self._set_status(review.id, ReviewStatus.PROCESSED)
        record = await publication.record()
        await publication.mark(Progress.DONE, text=record.text if record else None)

    async def _set_status(self, review_id: str, status: ReviewStatus) -> None:
        try:
            await self._deps.ozon.change_review_status([review_id], status)
        except OzonNotFoundError:
            log.info("review %s/%s is gone at Ozon", self.shop, review_id)

    # --- staff cards ----------------------------------------------------------------------

    async def _card(
        self, review: Review, publication: Publication, routed: Routed, lang: Language
    ) -> DialogueResult:
        """The staff card; returns what the text was understood as (nothing for no text)."""
        deps = self._deps
        understood = DialogueResult(intent=None, confidence=None)
        if review.text.strip():
            understood = await self._understand(review, lang)
        intent = _dispute(understood)
        item = await answers.product(deps.ozon, review.sku)
        facts = {"rating": str(review.rating), "photos": str(review.photos_amount)}
        if review.order_status:
            facts["order_status"] = review.order_status
        if review.rating is not None and review.rating >= 4:
            key, values = _thanks(review, lang)
        else:
            key, values = sorry_key(intent), {}
        card = PublicCard(
            id=card_id(self.shop, STREAM, review.id),
            shop=self.shop,
            stream=STREAM,
            item_id=review.id,
            sku=review.sku,
            product_name=item.name or None,
            text=review.text,
            rating=review.rating,
            why=routed.why,
            intent=intent.value if intent else None,
            facts=facts,
            suggested=render_once(deps, key, lang, values),
            created_at=deps.clock(),
        )
        await post_card(deps, card)
        await publication.mark(Progress.CARDED, card_id=card.id)
        await self._set_status(review.id, ReviewStatus.VIEWED)
        return understood

    async def _understand(self, review: Review, lang: Language) -> DialogueResult:
        """The review's text understood like a chat message."""
        flags = self._deps.inbound.inspect(review.text).flags
        request = TurnRequest(
            sender=self._deps.conversation(f"review:{review.id}"),
            text=review.text[:1000],
            shop=self.shop,
            chat_id=f"review:{review.id}",
            lang=lang,
            turn=review.id,
            sku=review.sku or None,
            flags=flags,
        )
        return await self._dialogue.understand(request)


def _dispute(understood: DialogueResult) -> Intent | None:
    """What went wrong (defect, wrong item, not received); None when not a dispute."""
    intent = Intent.parse(understood.intent or "")
    return intent if intent in DISPUTE_INTENTS else None


def _thanks(review: Review, lang: Language) -> tuple[str, dict[str, str]]:
    if not review.text.strip():
        return "public.review.thanks_short", {}
    praise = praise_in(review.text, lang)
    if praise:
        return "public.review.thanks_praise", {"praise": joined(praise, lang)}
    return "public.review.thanks", {}
