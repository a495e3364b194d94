"""What the console's buttons and relayed replies do, without aiogram types.

Handlers turn a Telegram update into an `Actor` and call one method here; the methods call
`StaffOps` (which changes the escalation and queues the card update) and post the answers.
Every text meant for a buyer goes through `StaffOps.relay` / `send_suggested`, i.e. the
outbound check: a violation is shown with rule and fragment, and a mechanical fix is offered
under a "send corrected" button, never sent without that tap.

A reply written in another language than the buyer's (translation configured) is translated
into the buyer's language first; the translation, never the original, is checked and sent.
Staff see it with the check's verdict and confirm it with "Send" (unless the shop turned the
confirmation off; never the check). A violation shows each fragment in both languages.

Long (~360 lines): one method per console action, each short, sharing the checks of who may do
what.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape

from bot.errors import OzonbotError, TelegramDeliveryError, TranslateError, UnknownEscalationError
from bot.models import Language
from bot.staff.buttons import Act, FixButton, TranslatedButton
from bot.staff.cards import Button, Rows, allowed_acts, render_send_result
from bot.staff.replies import render_preview, render_refusal, render_sent_note
from bot.staff.setup import ConsoleSetup
from bot.staff.telegram import TelegramApi
from bot.staff.translation import StaffTranslation
from bot.staff.wording import mask_contacts
from bot.state.console import ConsoleStore, PendingFix
from bot.state.models import Escalation, EscalationStatus
from bot.state.translations import PendingTranslatedReply
from bot.translate import Translation
from bot.worker.staffops import SendResult, Staff, StaffOps

log = logging.getLogger(__name__)

_COMPLAINT = (EscalationStatus.COMPLAINT, EscalationStatus.COMPLAINT_FILED)


@dataclass(frozen=True, slots=True)
class Actor:
    """A staff member acting in a staff chat."""

    chat_id: int
    user_id: int
    name: str

    @property
    def staff(self) -> Staff:
        return Staff(user_id=self.user_id, name=self.name)


Press = Callable[[Escalation, Actor, int], Awaitable[None]]


class ConsoleActions:
    def __init__(
        self,
        *,
        ops: StaffOps,
        store: ConsoleStore,
        setup: ConsoleSetup,
        api: TelegramApi,
        translation: StaffTranslation,
    ) -> None:
        self._ops = ops
        self._store = store
        self._setup = setup
        self._api = api
        self._translation = translation
        self._t = self.texts = setup.texts
        self._presses: dict[Act, Press] = {
            Act.TAKE: self._take,
            Act.RETURN: self._return,
            Act.RESOLVE: self._resolve,
            Act.COMPLAINT: self._complaint,
            Act.FILED: self._filed,
            Act.SUGGESTED: self._send_suggested,
            Act.REPLY: self._start_reply,
        }

    # --- buttons ------------------------------------------------------------------------

    async def press(self, act: Act, escalation_id: str, actor: Actor, card_id: int) -> str:
        """A card button was tapped; returns the short answer shown to the person."""
        escalation = await self._find(escalation_id, actor)
        if escalation is None:
            return self._t("cb.unknown")
        if act not in allowed_acts(escalation):
            return self._t("cb.closed")
        await self._presses[act](escalation, actor, card_id)
        return self._t("cb.done")

    async def _take(self, escalation: Escalation, actor: Actor, card_id: int) -> None:
        await self._ops.take_over(escalation.id, actor.staff)

    async def _return(self, escalation: Escalation, actor: Actor, card_id: int) -> None:
        await self._ops.return_to_bot(escalation.id, actor.staff)

    async def _resolve(self, escalation: Escalation, actor: Actor, card_id: int) -> None:
        await self._ops.resolve(escalation.id, actor.staff)

    async def _complaint(self, escalation: Escalation, actor: Actor, card_id: int) -> None:
        await self._ops.complaint(escalation.id, actor.staff)

    async def _filed(self, escalation: Escalation, actor: Actor, card_id: int) -> None:
        await self._ops.complaint_filed(escalation.id, actor.staff)

    async def _send_suggested(self, escalation: Escalation, actor: Actor, card_id: int) -> None:
        result = await self._ops.send_suggested(escalation.id, actor.staff)
        await self._report(actor, card_id, escalation.id, result)

    async def _start_reply(self, escalation: Escalation, actor: Actor, card_id: int) -> None:
        await self._store.start_reply(actor.chat_id, actor.user_id, escalation.id)
        prompt = self._t("relay.prompt", who=escape(actor.name, quote=False))
        await self.say(actor.chat_id, prompt, reply_to=card_id)

    async def confirm_fix(self, token: str, actor: Actor, message_id: int) -> str:
        """The "send corrected" button: the corrected text goes through the check again."""
        fix = await self._store.take_fix(token)
        if fix is None:
            return self._t("relay.fix_expired")
        await self._api.drop_buttons(actor.chat_id, message_id)
        await self.relay(fix.escalation_id, fix.text, actor, message_id)
        return self._t("cb.done")

    # --- replies to buyers ----------------------------------------------------------------

    async def on_message(
        self, actor: Actor, text: str | None, reply_to: int | None, message_id: int
    ) -> None:
        """A staff message: a relay when it answers a card (or follows "reply"), else nothing."""
        target = await self._target(actor, reply_to)
        if target is None:
            return
        if not text:
            await self.say(actor.chat_id, self._t("relay.not_text"), reply_to=message_id)
            return
        try:
            await self.relay(target, text, actor, message_id)
        except OzonbotError as exc:
            log.warning("a staff reply failed: %s", type(exc).__name__)
            failed = self._t("relay.error", error=type(exc).__name__)
            await self.say(actor.chat_id, failed, reply_to=message_id)

    async def _target(self, actor: Actor, reply_to: int | None) -> str | None:
        if reply_to is not None:
            linked = await self._store.escalation_of(actor.chat_id, reply_to)
            if linked is not None:
                return linked
        return await self._store.reply_target(actor.chat_id, actor.user_id)

    async def relay(self, escalation_id: str, text: str, actor: Actor, reply_to: int) -> None:
        escalation = await self._find(escalation_id, actor)
        if escalation is None:
            return
        refusal = self._relay_refusal(escalation)
        if refusal is not None:
            await self._store.end_reply(actor.chat_id, actor.user_id)
            await self.say(actor.chat_id, self._t(refusal), reply_to=reply_to)
            return
        if escalation.status is EscalationStatus.OPEN and not escalation.draft:
            # A person is answering: the bot must not answer the next buyer message itself.
            await self._ops.take_over(escalation.id, actor.staff)
        languages = self._reply_languages(text, escalation)
        if languages is not None:
            await self._relay_translated(escalation, text, languages, actor, reply_to)
            return
        result = await self._ops.relay(escalation.id, text, actor.staff)
        await self._after_send(escalation, actor, result)
        await self._report(actor, reply_to, escalation.id, result)

    async def _after_send(self, escalation: Escalation, actor: Actor, result: SendResult) -> None:
        if result.sent:
            await self._store.end_reply(actor.chat_id, actor.user_id)
            if escalation.draft:
                await self._ops.resolve(escalation.id, actor.staff)

    def _relay_refusal(self, escalation: Escalation) -> str | None:
        if escalation.status in _COMPLAINT:
            return "relay.complaint"  # abuse and spam get no reply at all (ARCHITECTURE.md)
        return None if escalation.is_open else "relay.closed"

    async def cancel(self, actor: Actor, message_id: int) -> None:
        ended = await self._store.end_reply(actor.chat_id, actor.user_id)
        key = "relay.cancelled" if ended else "relay.nothing"
        await self.say(actor.chat_id, self._t(key), reply_to=message_id)

    async def _report(
        self,
        actor: Actor,
        reply_to: int,
        escalation_id: str,
        result: SendResult,
        *,
        above: str = "",
    ) -> None:
        rows: Rows = ()
        if result.fix and not result.sent:
            rows = await self._fix_rows(escalation_id, result.fix, actor)
        text = render_send_result(result, self._t)
        if not result.sent and not result.violations and result.error == "no suggested reply":
            text = self._t("relay.no_suggestion")
        await self._post(actor, "\n".join(filter(None, [above, text])), rows, reply_to)

    async def _fix_rows(self, escalation_id: str, fixed: str, actor: Actor) -> Rows:
        token = secrets.token_urlsafe(9)
        fix = PendingFix(escalation_id=escalation_id, text=fixed, user_id=actor.user_id)
        await self._store.offer_fix(token, fix)
        return ((Button(self._t("btn.send_fixed"), FixButton(token=token).pack()),),)

    async def _post(self, actor: Actor, text: str, rows: Rows, reply_to: int) -> None:
        try:
            await self._api.send(actor.chat_id, text, rows=rows, reply_to=reply_to)
        except TelegramDeliveryError as exc:
            # What happened to the buyer stands (and the card shows it); only the note is lost.
            log.warning("could not report a staff send in the staff chat: %s", exc)

    # --- replies in another language than the buyer's -------------------------------------

    def _reply_languages(
        self, text: str, escalation: Escalation
    ) -> tuple[Language, Language] | None:
        shop = self._setup.shops.get(escalation.shop)
        default = shop.reply_language if shop else Language.RU
        return self._translation.reply_languages(text, escalation, default)

    def _confirms(self, shop_id: str) -> bool:
        shop = self._setup.shops.get(shop_id)
        return shop is None or shop.confirm_translated_replies

    async def _relay_translated(
        self,
        escalation: Escalation,
        text: str,
        languages: tuple[Language, Language],
        actor: Actor,
        reply_to: int,
    ) -> None:
        """Translate, check the translation, then offer it for "Send" (or send it at once
        where the shop turned confirmation off); a text with a phone or an e-mail goes
        nowhere, not even to the engine."""
        if mask_contacts(text, self._t) != text:
            await self.say(actor.chat_id, self._t("relay.tr_contacts"), reply_to=reply_to)
            return
        source, target = languages
        try:
            done = await self._translation.translate(text, source, target)
        except TranslateError as exc:
            log.warning("a staff reply could not be translated: %s", exc)
            language = self._t(f"lang.{target.value}")
            failed = self._t("relay.tr_unavailable", error=escape(str(exc)), language=language)
            await self.say(actor.chat_id, failed, reply_to=reply_to)
            return
        review = await self._ops.review(escalation.id, done.text)
        if review.violations or review.error:
            await self._refuse_translated(escalation.id, done, review, actor, reply_to)
        elif self._confirms(escalation.shop):
            await self._offer_translated(escalation.id, text, done, actor, reply_to)
        else:
            result = await self._ops.relay(
                escalation.id, done.text, actor.staff, action="replied_translated"
            )
            await self._after_send(escalation, actor, result)
            note = render_sent_note(done, self._t) if result.sent else ""
            await self._report(actor, reply_to, escalation.id, result, above=note)

    async def _offer_translated(
        self, escalation_id: str, original: str, done: Translation, actor: Actor, reply_to: int
    ) -> None:
        token = secrets.token_urlsafe(9)
        pending = PendingTranslatedReply(
            escalation_id=escalation_id,
            original=original,
            translated=done.text,
            source=done.source,
            target=done.target,
            user_id=actor.user_id,
        )
        await self._translation.offer_reply(token, pending)
        label = self._t("btn.send_translated")
        rows = ((Button(label, TranslatedButton(token=token).pack()),),)
        await self._post(actor, render_preview(done, self._t, label), rows, reply_to)

    async def _refuse_translated(
        self,
        escalation_id: str,
        done: Translation,
        review: SendResult,
        actor: Actor,
        reply_to: int,
    ) -> None:
        if not review.violations:
            error = escape(review.error or "?", quote=False)
            await self.say(actor.chat_id, self._t("relay.error", error=error), reply_to=reply_to)
            return
        backs = [await self._translation.back(v.fragment, done.target) for v in review.violations]
        fix: tuple[str, str | None] | None = None
        rows: Rows = ()
        if review.fix:
            fix = (review.fix, await self._translation.back(review.fix, done.target))
            rows = await self._fix_rows(escalation_id, review.fix, actor)
        text = render_refusal(done, review.violations, backs, self._t, fix)
        await self._post(actor, text, rows, reply_to)

    async def confirm_translated(self, token: str, actor: Actor, message_id: int) -> str:
        """ "Send" under a translated reply: the translation goes through the check again and
        is sent; the token is taken in one step, so a second tap sends nothing."""
        pending = await self._translation.take_reply(token)
        if pending is None:
            return self._t("relay.tr_expired")
        escalation = await self._find(pending.escalation_id, actor)
        if escalation is None:
            return self._t("cb.unknown")
        refusal = self._relay_refusal(escalation)
        if refusal is not None:
            await self.say(actor.chat_id, self._t(refusal), reply_to=message_id)
            return self._t("cb.done")
        result = await self._ops.relay(
            escalation.id, pending.translated, actor.staff, action="replied_translated"
        )
        await self._after_send(escalation, actor, result)
        with contextlib.suppress(TelegramDeliveryError):
            await self._api.drop_buttons(actor.chat_id, message_id)
        await self._report(actor, message_id, escalation.id, result)
        return self._t("cb.done")

    # --- helpers --------------------------------------------------------------------------

    async def _find(self, escalation_id: str, actor: Actor) -> Escalation | None:
        try:
            escalation = await self._ops.get(escalation_id)
        except UnknownEscalationError:
            return None
        if self._setup.chat_of(escalation.shop) != actor.chat_id:
            # Staff of one shop's chat cannot act on another shop's chats.
            log.warning("user %s acted on %s from another chat", actor.user_id, escalation_id)
            return None
        return escalation

    async def say(self, chat_id: int, text: str, *, reply_to: int | None = None) -> None:
        """Answer in the staff chat (HTML); a failure here is logged, the action stands."""
        try:
            await self._api.send(chat_id, text, reply_to=reply_to)
        except TelegramDeliveryError as exc:
            log.warning("could not answer in the staff chat: %s", exc)

    async def answer(self, query_id: str, text: str, *, alert: bool = False) -> None:
        try:
            await self._api.answer(query_id, text, alert=alert)
        except TelegramDeliveryError as exc:
            log.warning("could not answer a button press: %s", exc)

    async def guarded(self, work: Awaitable[str]) -> str:
        """Run a button's work; a failure of Redis, Ozon or Telegram becomes a short answer."""
        try:
            return await work
        except OzonbotError as exc:
            log.warning("a staff action failed: %s", type(exc).__name__)
            return self._t("relay.error", error=type(exc).__name__)
