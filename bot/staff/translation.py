"""Machine translation in the staff console: buyer messages on cards, staff replies to buyers.

Cards never wait for the engine. `card()` answers from the Redis cache at once; what is missing
is translated in the background, kept (`TranslationStore`), and an `escalation` notification
is queued so the delivery loop edits the card in order with everything else it does. A failure
is kept for a while too, and the card says "translation unavailable".

Product question and review cards (`public()`) get the same: the buyer's text below the
original, from the cache at once, the card edited when the translation arrives.

Replies: a staff text in another language than the buyer's is translated into the buyer's
language (`reply_languages` says when); the rest of that flow is `ConsoleActions`'.
Language detection is local (`bot.translate.detect`); a text already in the target language
never reaches the engine.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine, Sequence
from types import MappingProxyType
from typing import Any

from bot.errors import OzonbotError, TranslateError, TranslateUnavailableError
from bot.models import Language
from bot.staff.translated import CardTranslations, TranslationState
from bot.state.escalations import Outbox
from bot.state.models import (
    BuyerMessage,
    Escalation,
    Notification,
    NotificationKind,
    PublicCard,
    PublicStream,
)
from bot.state.translations import PendingTranslatedReply, StoredTranslation, TranslationStore
from bot.translate import NoTranslator, Translation, Translator, detect
from bot.waiting import cancel_all

log = logging.getLogger(__name__)

_UNAVAILABLE = CardTranslations(TranslationState.UNAVAILABLE)


class StaffTranslation:
    def __init__(
        self,
        *,
        translator: Translator,
        store: TranslationStore | None,
        outbox: Outbox,
        staff_language: Language,
        shown_messages: int,
    ) -> None:
        self.translator = translator
        self._store = store
        self._outbox = outbox
        self.staff_language = staff_language
        self._shown = shown_messages
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @classmethod
    def off(cls, outbox: Outbox, staff_language: Language, shown_messages: int) -> StaffTranslation:
        return cls(
            translator=NoTranslator(),
            store=None,
            outbox=outbox,
            staff_language=staff_language,
            shown_messages=shown_messages,
        )

    @property
    def enabled(self) -> bool:
        return self.translator.enabled and self._store is not None

    async def start(self) -> None:
        """Ask the engine what it serves (LibreTranslate's `/languages`); an engine that is
        down now is not fatal: every call maps its own failure."""
        if not self.enabled:
            return
        try:
            served = await self.translator.languages()
        except TranslateError as exc:
            log.warning(
                "translation engine %s not answering at start: %s", self.translator.engine, exc
            )
            return
        missing = {self.staff_language, Language.RU} - served
        if missing:
            log.warning(
                "translation engine %s does not serve %s", self.translator.engine, sorted(missing)
            )

    async def close(self) -> None:
        """Stop translations in flight (their cards are edited by the next refresh) and close
        the engine's session."""
        await cancel_all(*self._tasks.values())
        self._tasks.clear()
        await self.translator.close()

    # --- cards ---------------------------------------------------------------------------

    async def card(self, escalation: Escalation) -> CardTranslations:
        """What the card shows now; missing translations are asked for in the background."""
        wanted = self._to_translate(escalation.buyer_messages[-self._shown :])
        if not wanted:
            return CardTranslations()
        store = self._store
        if not self.translator.enabled or store is None:
            return _UNAVAILABLE
        known = await store.buyer_messages(
            escalation.shop, escalation.chat_id, [m.message_id for m in wanted], self.staff_language
        )
        lines = {mid: done.text for mid, done in known.items() if done.text is not None}
        missing = [m for m in wanted if m.message_id not in known]
        if missing:
            self._ask(store, escalation, missing)
            state = TranslationState.PENDING
        elif len(lines) < len(wanted):
            state = TranslationState.UNAVAILABLE
        else:
            state = TranslationState.DONE
        return CardTranslations(state, MappingProxyType(lines))

    def _to_translate(self, messages: Sequence[BuyerMessage]) -> list[BuyerMessage]:
        found = []
        for message in messages:
            language = detect(message.text) if message.text else None
            if language is not None and language is not self.staff_language:
                found.append(message)
        return found

    def _ask(
        self, store: TranslationStore, escalation: Escalation, messages: list[BuyerMessage]
    ) -> None:
        self._run(escalation.id, lambda: self._fill(store, escalation, messages))

    def _run(self, card_id: str, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        # One batch per card at a time; the batch's refresh asks for whatever came meanwhile.
        running = self._tasks.get(card_id)
        if running is not None and not running.done():
            return
        task = asyncio.create_task(work(), name=f"translate {card_id}")
        self._tasks[card_id] = task
        task.add_done_callback(lambda done: self._forget(card_id, done))

    def _forget(self, escalation_id: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(escalation_id) is task:
            del self._tasks[escalation_id]

    async def _fill(
        self, store: TranslationStore, escalation: Escalation, messages: list[BuyerMessage]
    ) -> None:
        try:
            await asyncio.gather(*(self._translate_one(store, m) for m in messages))
            await self._outbox.add(
                Notification(
                    id=f"tr:{escalation.id}:{secrets.token_hex(4)}",
                    kind="escalation",
                    shop=escalation.shop,
                    escalation_id=escalation.id,
                    chat_id=escalation.chat_id,
                )
            )
        except OzonbotError as exc:
            # Redis failed: the next refresh of the card asks again.
            log.warning("translating card %s: %s", escalation.id, type(exc).__name__)
        except Exception as exc:  # a background task must not die silently
            log.error("translating card %s failed: %s", escalation.id, type(exc).__name__)

    # --- product question and review cards ---------------------------------------------------

    async def public(self, card: PublicCard) -> CardTranslations:
        """The question or review text of a public card, as `card()` does for chat messages
        (cached under the item, keyed by its id in `CardTranslations.lines`)."""
        message = _as_message(card)
        if not self._to_translate([message]):
            return CardTranslations()
        store = self._store
        if not self.translator.enabled or store is None:
            return _UNAVAILABLE
        known = await store.buyer_messages(
            card.shop, message.chat_id, [message.message_id], self.staff_language
        )
        done = known.get(message.message_id)
        if done is None:
            self._run(card.id, lambda: self._fill_public(store, card, message))
            return CardTranslations(TranslationState.PENDING)
        if done.text is None:
            return _UNAVAILABLE
        return CardTranslations(TranslationState.DONE, MappingProxyType({card.item_id: done.text}))

    async def _fill_public(
        self, store: TranslationStore, card: PublicCard, message: BuyerMessage
    ) -> None:
        kind: NotificationKind = "question" if card.stream is PublicStream.QUESTIONS else "review"
        try:
            await self._translate_one(store, message)
            await self._outbox.add(
                Notification(
                    id=f"tr:{card.id}:{secrets.token_hex(4)}",
                    kind=kind,
                    shop=card.shop,
                    public=card,
                )
            )
        except OzonbotError as exc:
            log.warning("translating card %s: %s", card.id, type(exc).__name__)
        except Exception as exc:  # a background task must not die silently
            log.error("translating card %s failed: %s", card.id, type(exc).__name__)

    async def _translate_one(self, store: TranslationStore, message: BuyerMessage) -> None:
        source = detect(message.text) or Language.RU
        try:
            done = await self.translator.translate(message.text, source, self.staff_language)
        except TranslateError as exc:
            log.warning("translation of a buyer message failed: %s", exc)
            kept = StoredTranslation(text=None, source=source, engine=self.translator.engine)
        else:
            kept = StoredTranslation(text=done.text, source=source, engine=done.engine)
        await store.keep(
            message.shop, message.chat_id, message.message_id, self.staff_language, kept
        )

    # --- staff replies ---------------------------------------------------------------------

    def buyer_language(self, escalation: Escalation, default: Language) -> Language:
        """The language of the buyer's latest words (the shop's reply language without any)."""
        for message in reversed(escalation.buyer_messages):
            language = detect(message.text) if message.text else None
            if language is not None:
                return language
        return default

    def reply_languages(
        self, text: str, escalation: Escalation, default: Language
    ) -> tuple[Language, Language] | None:
        """(staff text's language, buyer's language) when the reply must be translated; None
        when it goes as written (same language, no letters, or translation off)."""
        if not self.enabled:
            return None
        source = detect(text)
        target = self.buyer_language(escalation, default)
        return None if source is None or source is target else (source, target)

    async def translate(self, text: str, source: Language, target: Language) -> Translation:
        return await self.translator.translate(text, source, target)

    async def offer_reply(self, token: str, reply: PendingTranslatedReply) -> None:
        if self._store is None:
            raise TranslateUnavailableError("machine translation is off")
        await self._store.offer_reply(token, reply)

    async def take_reply(self, token: str) -> PendingTranslatedReply | None:
        return None if self._store is None else await self._store.take_reply(token)

    async def back(self, text: str, source: Language) -> str | None:
        """`text` in the staff language for showing only (a fragment, a fix); None when the
        engine cannot say or the text is in the staff language already."""
        if source is self.staff_language or not self.enabled:
            return None
        try:
            return (await self.translator.translate(text, source, self.staff_language)).text
        except TranslateError:
            return None


def _as_message(card: PublicCard) -> BuyerMessage:
    """A question or review as one buyer message, so the chat cards' cache and engine serve it
    (its own "chat" per item: the cache keys never meet a real chat's)."""
    return BuyerMessage(
        shop=card.shop,
        chat_id=f"{card.stream.value}:{card.item_id}",
        message_id=card.item_id,
        created_at=card.created_at,
        text=card.text,
    )
