"""What staff do with a question or review card: send the suggestion, edit and send, dismiss.

No aiogram here (`bot.staff.handlers.public` unpacks the updates). A text typed by staff is
checked like a chat relay (`Sender.approve`, origin `staff`) plus the public-answer rules, and
must differ from the SKU's last public text; it is published through the same exactly-once
steps as the bot's own answers, so a double tap or two staff members cannot post it twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bot.errors import OzonError
from bot.ozon.schemas import QuestionStatus, ReviewStatus
from bot.state.models import PublicCard, PublicCardStatus, PublicStream, StaffAction
from bot.state.streams import Progress
from bot.streams.common import Finding, Publication, StreamDeps, checked_by_staff


@dataclass(frozen=True, slots=True)
class DeskResult:
    done: bool
    note: str
    """`sent`, `dismissed`, `closed` (already sent or dismissed), `unknown`, `busy`,
    `no_suggestion`, `blocked` (with `problems`), `repetitive`, `ozon_error`."""
    problems: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    """`blocked`: each rule broken with its fragment."""


class PublicDesk:
    def __init__(self, streams: Mapping[str, StreamDeps]) -> None:
        """`streams`: shop id → that shop's stream dependencies."""
        self._streams = streams

    async def card(self, card_id: str) -> PublicCard | None:
        # Every shop's store is the same Redis and prefix: any of them finds the card.
        for deps in self._streams.values():
            return await deps.store.card(card_id)
        return None

    async def linked(self, card_id: str, message_id: int) -> PublicCard | None:
        """Remember the card's message in the staff chat (later updates edit it)."""

        def link(current: PublicCard) -> PublicCard:
            return current.model_copy(update={"card_message_id": message_id})

        for deps in self._streams.values():
            return await deps.store.change_card(card_id, link)
        return None

    async def send_suggested(self, card_id: str, user_id: int, name: str) -> DeskResult:
        card = await self.card(card_id)
        if card is None:
            return DeskResult(False, "unknown")
        if not card.suggested:
            return DeskResult(False, "no_suggestion")
        return await self.send_text(card_id, card.suggested, user_id, name)

    async def send_text(self, card_id: str, text: str, user_id: int, name: str) -> DeskResult:
        card = await self.card(card_id)
        if card is None or card.shop not in self._streams:
            return DeskResult(False, "unknown")
        if card.status is not PublicCardStatus.OPEN:
            return DeskResult(False, "closed")
        deps = self._streams[card.shop]
        checked, findings = await checked_by_staff(deps, text)
        if checked is None:
            rules = tuple(dict.fromkeys(f.rule for f in findings))
            return DeskResult(False, "blocked", rules, findings)
        if not await deps.store.rotate(card.shop, card.sku, checked.text):
            return DeskResult(False, "repetitive")
        return await self._publish(deps, card, checked.text, user_id, name)

    async def dismiss(self, card_id: str, user_id: int, name: str) -> DeskResult:
        card = await self.card(card_id)
        if card is None or card.shop not in self._streams:
            return DeskResult(False, "unknown")
        deps = self._streams[card.shop]
        closed = await self._close(deps, card, PublicCardStatus.DISMISSED, user_id, name)
        if closed is None:
            return DeskResult(False, "closed")
        await Publication(deps, card.stream, card.item_id).mark(Progress.SKIPPED)
        return DeskResult(True, "dismissed")

    async def _publish(
        self, deps: StreamDeps, card: PublicCard, text: str, user_id: int, name: str
    ) -> DeskResult:
        token = await deps.store.lock(card.shop, card.stream, card.item_id)
        if token is None:
            return DeskResult(False, "busy")
        try:
            publication = Publication(deps, card.stream, card.item_id)
            record = await publication.record()
            if record is not None and record.progress in (Progress.POSTING, Progress.POSTED):
                return DeskResult(False, "closed")
            try:
                await publication.publish(text, _creator(deps, card), by=f"staff:{user_id}")
                await _processed(deps, card)
            except OzonError as exc:
                return DeskResult(False, "ozon_error", (exc.problem or type(exc).__name__,))
            await publication.mark(Progress.DONE, text=text, by=f"staff:{user_id}")
            await self._close(deps, card, PublicCardStatus.SENT, user_id, name)
            deps.count(card.stream, "staff_sent", str(card.rating or ""))
            return DeskResult(True, "sent")
        finally:
            await deps.store.unlock(card.shop, card.stream, card.item_id, token)

    async def _close(
        self,
        deps: StreamDeps,
        card: PublicCard,
        status: PublicCardStatus,
        user_id: int,
        name: str,
    ) -> PublicCard | None:
        action = StaffAction(at=deps.clock(), user_id=user_id, user_name=name, action=status.value)

        def change(current: PublicCard) -> PublicCard | None:
            if current.status is not PublicCardStatus.OPEN:
                return None
            history = (*current.history, action)
            return current.model_copy(update={"status": status, "history": history})

        return await deps.store.change_card(card.id, change)


def _creator(deps: StreamDeps, card: PublicCard) -> Callable[[str], Awaitable[str]]:
    async def create(body: str) -> str:
        if card.stream is PublicStream.QUESTIONS:
            return await deps.ozon.answer_question(card.item_id, card.sku, body)
        return await deps.ozon.comment_review(card.item_id, body, mark_processed=True)

    return create


async def _processed(deps: StreamDeps, card: PublicCard) -> None:
    if card.stream is PublicStream.QUESTIONS:
        await deps.ozon.change_question_status([card.item_id], QuestionStatus.PROCESSED)
    else:
        await deps.ozon.change_review_status([card.item_id], ReviewStatus.PROCESSED)
