"""What staff do with a product question or review card in Telegram, without aiogram types.

`bot.staff.handlers.public` turns an update into an `Actor` and calls one method here; the work
itself is the `PublicDesk`'s (bot/streams/desk.py): it checks a staff text like a chat relay plus
the public-answer rules, and publishes it exactly once, so a double tap or two people answering
at once post one answer. A refused text is shown with each rule and fragment and goes nowhere.

After a change the card is refreshed through the outbox (a `question`/`review` notification),
so the delivery loop stays the one writer of cards and edits them in order.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable
from html import escape

from bot.errors import OzonbotError, TelegramDeliveryError
from bot.staff.actions import Actor
from bot.staff.buttons import PublicAct
from bot.staff.cards import render_public_result
from bot.staff.setup import ConsoleSetup
from bot.staff.telegram import TelegramApi
from bot.state.console import ConsoleStore
from bot.state.escalations import Outbox
from bot.state.models import Notification, PublicCard, PublicCardStatus, PublicStream
from bot.streams.desk import DeskResult, PublicDesk

log = logging.getLogger(__name__)

_QUIET = frozenset({"closed", "unknown", "busy"})
"""Results the button's own short answer says well enough (no message in the chat)."""


class PublicActions:
    def __init__(
        self,
        *,
        desk: PublicDesk | None,
        store: ConsoleStore,
        setup: ConsoleSetup,
        api: TelegramApi,
        outbox: Outbox,
    ) -> None:
        self._desk = desk
        self._store = store
        self._setup = setup
        self._api = api
        self._outbox = outbox
        self._t = setup.texts

    # --- buttons ------------------------------------------------------------------------

    async def press(self, act: PublicAct, card_id: str, actor: Actor, message_id: int) -> str:
        """A card button was tapped; returns the short answer shown to the person."""
        card = await self._find(card_id, actor)
        if card is None or self._desk is None:
            return self._t("cb.unknown")
        if card.status is not PublicCardStatus.OPEN:
            return self._t("pub.closed")
        if act is PublicAct.EDIT:
            await self._store.start_reply(actor.chat_id, actor.user_id, card.id)
            prompt = self._t("pub.prompt", who=escape(actor.name, quote=False))
            await self._say(actor.chat_id, prompt, reply_to=message_id)
            return self._t("cb.done")
        if act is PublicAct.SEND:
            result = await self._desk.send_suggested(card.id, actor.user_id, actor.name)
        else:
            result = await self._desk.dismiss(card.id, actor.user_id, actor.name)
        await self._after(card, result, actor, message_id)
        return self._short(result)

    # --- a staff answer ----------------------------------------------------------------------

    async def target(self, chat_id: int, user_id: int, reply_to: int | None) -> str | None:
        """The public card a staff message answers, found as the chat relay finds its chat
        (a reply to a linked message first, else the pending "Edit"); None: not a public card,
        the message is the chat relay's."""
        candidate = None
        if reply_to is not None:
            candidate = await self._store.escalation_of(chat_id, reply_to)
        if candidate is None:
            candidate = await self._store.reply_target(chat_id, user_id)
        if candidate is None or self._desk is None:
            return None
        return candidate if await self._desk.card(candidate) is not None else None

    async def reply(self, card_id: str, text: str | None, actor: Actor, message_id: int) -> None:
        """A staff text meant as the public answer: checked, then published once."""
        if not text:
            await self._say(actor.chat_id, self._t("relay.not_text"), reply_to=message_id)
            return
        try:
            card = await self._find(card_id, actor)
            if card is None or self._desk is None:
                return
            result = await self._desk.send_text(card.id, text, actor.user_id, actor.name)
            if result.done or result.note == "closed":
                await self._store.end_reply(actor.chat_id, actor.user_id)
            await self._after(card, result, actor, message_id, always=True)
        except OzonbotError as exc:
            log.warning("a public answer failed: %s", type(exc).__name__)
            failed = self._t("relay.error", error=type(exc).__name__)
            await self._say(actor.chat_id, failed, reply_to=message_id)

    # --- helpers --------------------------------------------------------------------------

    async def _after(
        self,
        card: PublicCard,
        result: DeskResult,
        actor: Actor,
        reply_to: int,
        *,
        always: bool = False,
    ) -> None:
        if result.done:
            await self._refresh(card, result.note)
        if always or not (result.done or result.note in _QUIET):
            await self._say(actor.chat_id, render_public_result(result, self._t), reply_to=reply_to)

    async def _refresh(self, card: PublicCard, why: str) -> None:
        kind = "question" if card.stream is PublicStream.QUESTIONS else "review"
        await self._outbox.add(
            Notification(
                id=f"{card.id}:{why}:{secrets.token_hex(4)}",
                kind=kind,
                shop=card.shop,
                public=card,
            )
        )

    def _short(self, result: DeskResult) -> str:
        key = f"pub.{result.note}"
        if result.note == "unknown" or not self._t.has(key):
            return self._t("cb.unknown" if result.note == "unknown" else "cb.done")
        return self._t(key)

    async def _find(self, card_id: str, actor: Actor) -> PublicCard | None:
        card = await self._desk.card(card_id) if self._desk is not None else None
        if card is None:
            return None
        if card.shop not in self._setup.shops or self._setup.chat_of(card.shop) != actor.chat_id:
            # Staff of one shop's chat cannot answer for another shop.
            log.warning("user %s acted on %s from another chat", actor.user_id, card_id)
            return None
        return card

    async def _say(self, chat_id: int, text: str, *, reply_to: int | None = None) -> None:
        try:
            await self._api.send(chat_id, text, reply_to=reply_to)
        except TelegramDeliveryError as exc:
            # What happened on Ozon stands (and the card shows it); only the note is lost.
            log.warning("could not answer in the staff chat: %s", exc)

    async def guarded(self, work: Awaitable[str]) -> str:
        """Run a button's work; a failure of Redis, Ozon or Telegram becomes a short answer."""
        try:
            return await work
        except OzonbotError as exc:
            log.warning("a public card action failed: %s", type(exc).__name__)
            return self._t("relay.error", error=type(exc).__name__)
