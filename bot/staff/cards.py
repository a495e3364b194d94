"""Pure rendering of what the console posts: cards, forwards, relay results, command answers.

No Telegram calls here: functions take records plus a `View` (language, clock, shop) and return
HTML text and buttons as plain values; `bot.staff.telegram` turns them into Bot API requests.
Buyer text is shown as written but masked (phones, e-mails) and HTML-escaped, so it can neither
spread contact details through the staff chat nor inject markup into a card.

Long (~520 lines) because every card and answer staff see is rendered here, side by side, so their
wording and layout stay consistent; labels and masking live in `bot.staff.wording`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from html import escape

from bot.config import Settings
from bot.models import EscalationReason
from bot.staff.buttons import Act, CardButton, PublicAct, PublicButton
from bot.staff.texts import Texts
from bot.staff.translated import CardTranslations, TranslationState
from bot.staff.wording import (
    chat_link,
    detail_label,
    duration,
    flag_label,
    label,
    reason_label,
    rule_label,
    shown,
    status_label,
)
from bot.state.models import (
    BuyerMessage,
    Escalation,
    EscalationStatus,
    PublicCard,
    PublicCardStatus,
    PublicStream,
    StaffAction,
)
from bot.streams.desk import DeskResult
from bot.worker.staffops import SendResult

TELEGRAM_LIMIT = 4096
"""Characters of a message after entity parsing (Bot API, sendMessage)."""
SHOWN_MESSAGES = 5
MESSAGE_CHARS = 600
SUGGESTED_CHARS = 1000
"""Ozon's own limit for one chat message (`/v1/chat/send/message`)."""
PUBLIC_TEXT_CHARS = 1500
"""Of a question or review shown on its card (a question may be 3000 characters long)."""
PUBLIC_SUGGESTED_CHARS = 1500
SHOWN_HISTORY = 6
QUEUE_LINES = 30


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str
    """Callback data (`CardButton.pack()` / `FixButton.pack()`)."""


Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Card:
    text: str
    """HTML (parse_mode HTML); every value that came from outside is escaped."""
    rows: Rows = ()


@dataclass(frozen=True, slots=True)
class View:
    texts: Texts
    now: datetime
    zone: tzinfo
    shop_name: str
    warn_window: timedelta
    """A reply window closing sooner than this makes the card urgent."""

    @classmethod
    def for_settings(cls, settings: Settings, now: datetime, shop_id: str | None = None) -> View:
        """The view staff get for `shop_id` (default: the first shop), e.g. for `ozonbot demo`."""
        shop = settings.shop(shop_id) if shop_id else settings.shops[0]
        return cls(
            texts=Texts(settings.telegram.language),
            now=now,
            zone=shop.hours.zone,
            shop_name=shop.name,
            warn_window=timedelta(minutes=settings.worker.reply_window_warn_min),
        )


# --- small formatters ---------------------------------------------------------------------


def clock_time(moment: datetime, view: View) -> str:
    local = moment.astimezone(view.zone)
    if local.date() == view.now.astimezone(view.zone).date():
        return local.strftime("%H:%M")
    return local.strftime("%d.%m %H:%M")


# --- cards -----------------------------------------------------------------------------------


def render_card(
    escalation: Escalation, view: View, translated: CardTranslations | None = None
) -> Card:
    """The card of an escalation, a draft or a complaint, in its current state; `translated`:
    the buyer's messages machine-translated into the staff language (below the originals)."""
    sections: list[list[str]] = [
        _heading(escalation, view),
        _about(escalation, view),
        _window(escalation, view),
        _buyer(escalation.buyer_messages, view, translated or CardTranslations()),
        _proposal(escalation, view),
        _complaint(escalation, view),
        [f'<a href="{escape(chat_link(escalation.chat_id))}">{view.texts("card.link")}</a>'],
        _history(escalation.history, view),
        [f"<code>{escape(escalation.id)}</code>"],
    ]
    text = _fit("\n\n".join("\n".join(s) for s in sections if s))
    return Card(text=text, rows=card_buttons(escalation, view.texts))


def _heading(escalation: Escalation, view: View) -> list[str]:
    t = view.texts
    reason = reason_label(escalation.reason, t)
    if escalation.status in (EscalationStatus.COMPLAINT, EscalationStatus.COMPLAINT_FILED):
        title = "\U0001f6ab " + t("card.complaint", reason=reason)
    elif not escalation.is_open:
        title = "\u2705 " + t("card.closed", status=status_label(escalation, t))
    elif escalation.draft:
        title = "\U0001f4dd " + t("card.draft")
    else:
        title = "\U0001f198 " + t("card.escalation", reason=reason)
    status = f"{t('card.status')}: {status_label(escalation, t)}"
    return [f"<b>{title}</b>", status]


def _about(escalation: Escalation, view: View) -> list[str]:
    t = view.texts
    lines = [f"{t('card.shop')}: <b>{escape(view.shop_name)}</b>"]
    if escalation.intent:
        confidence = f" ({escalation.confidence:.2f})" if escalation.confidence is not None else ""
        lines.append(f"{t('card.intent')}: {escape(escalation.intent)}{confidence}")
    if escalation.detail:
        lines.append(f"{t('card.detail')}: {shown(detail_label(escalation.detail, t), t, 400)}")
    if escalation.order_number:
        lines.append(f"{t('card.order')}: <code>{escape(escalation.order_number)}</code>")
    if escalation.facts:
        facts = "; ".join(f"{escape(k)}: {shown(v, t, 120)}" for k, v in escalation.facts.items())
        lines.append(f"{t('card.facts')}: {facts}")
    return lines


def _window(escalation: Escalation, view: View) -> list[str]:
    deadline = escalation.reply_deadline
    if deadline is None or not escalation.is_open:
        return []
    t, left = view.texts, deadline - view.now
    until = clock_time(deadline, view)
    lines = []
    if left <= timedelta(0):
        lines.append("\u26d4 " + t("card.window_closed", until=until))
    elif left <= view.warn_window:
        urgent = t("card.window_urgent", left=duration(left, t), until=until)
        lines.append(f"\u26a0\ufe0f <b>{urgent}</b>")
    else:
        lines.append("\u23f3 " + t("card.window_left", left=duration(left, t), until=until))
    if escalation.draft and escalation.auto_send_at is not None:
        lines.append(t("card.auto_send", at=clock_time(escalation.auto_send_at, view)))
    return lines


def _buyer(messages: Sequence[BuyerMessage], view: View, translated: CardTranslations) -> list[str]:
    if not messages:
        return []
    t = view.texts
    lines = [f"<b>{t('card.buyer')}:</b>"]
    for message in messages[-SHOWN_MESSAGES:]:
        body = shown(message.text, t, MESSAGE_CHARS) if message.text else ""
        if message.is_image:
            body = f"{t('card.buyer_image')} {body}".rstrip()
        lines.append(f"\u203a {clock_time(message.created_at, view)} {body}")
        if message.message_id in translated.lines:
            machine = shown(translated.lines[message.message_id], t, MESSAGE_CHARS)
            lines.append(f"\U0001f310 <i>{machine}</i>")
    if translated.state is not TranslationState.NONE:
        lines.append(f"<i>\U0001f310 {t(f'card.mt_{translated.state.value}')}</i>")
    return lines


def _proposal(escalation: Escalation, view: View) -> list[str]:
    t, lines = view.texts, []
    if escalation.suggested and escalation.is_open:
        lines.append(f"<b>{t('card.suggested')}:</b>")
        lines.append(f"<blockquote>{shown(escalation.suggested, t, SUGGESTED_CHARS)}</blockquote>")
    if escalation.violations:
        found = ", ".join(
            f"{rule_label(v.rule.value, t)} \u201c{shown(v.fragment, t, 60)}\u201d"
            for v in escalation.violations
        )
        lines.append(f"{t('card.blocked')}: {found}")
    return lines


def _complaint(escalation: Escalation, view: View) -> list[str]:
    if escalation.status is not EscalationStatus.COMPLAINT:
        return []
    t = view.texts
    lines = []
    if escalation.evidence:
        lines.append(f"<b>{t('card.evidence')}:</b>")
        lines.extend(f"\u2022 {shown(item, t, 200)}" for item in escalation.evidence[-8:])
    lines.append(escape(t("card.complaint_steps"), quote=False))
    return lines


def _history(history: Sequence[StaffAction], view: View) -> list[str]:
    if not history:
        return []
    t = view.texts
    lines = [f"<b>{t('card.history')}:</b>"]
    for action in history[-SHOWN_HISTORY:]:
        who = action.user_name if action.user_id is not None else t("who.bot")
        key = f"action.{action.action}"
        what = t(key) if t.has(key) else action.action
        lines.append(f"{clock_time(action.at, view)} {escape(who or '?')}: {escape(what)}")
    return lines


def _fit(text: str) -> str:
    # Only a pathological card (many long facts) gets here: cut at a line, never mid-tag.
    if len(text) <= TELEGRAM_LIMIT - 96:
        return text
    cut = text[: TELEGRAM_LIMIT - 96]
    return cut[: cut.rfind("\n")] + "\n\u2026"


def card_buttons(escalation: Escalation, texts: Texts) -> Rows:
    def button(act: Act, key: str) -> Button:
        return Button(texts(key), CardButton(act=act, eid=escalation.id).pack())

    status = escalation.status
    if status is EscalationStatus.COMPLAINT:
        return ((button(Act.FILED, "btn.filed"), button(Act.RETURN, "btn.not_abuse")),)
    if status is EscalationStatus.COMPLAINT_FILED:
        return ((button(Act.RETURN, "btn.not_abuse"),),)
    if not escalation.is_open:
        return ()
    if escalation.draft:
        row = (
            button(Act.SUGGESTED, "btn.send"),
            button(Act.REPLY, "btn.edit"),
            button(Act.RESOLVE, "btn.dismiss"),
        )
        return (row,)
    rows: list[tuple[Button, ...]] = []
    if status is EscalationStatus.OPEN:
        rows.append((button(Act.TAKE, "btn.take"), button(Act.REPLY, "btn.reply")))
    else:
        rows.append((button(Act.REPLY, "btn.reply"),))
    if escalation.suggested and not suggestion_sent(escalation):
        rows.append((button(Act.SUGGESTED, "btn.suggested"),))
    rows.append((button(Act.RETURN, "btn.return"),))
    rows.append((button(Act.COMPLAINT, "btn.spam"), button(Act.RESOLVE, "btn.resolved")))
    return tuple(rows)


def suggestion_sent(escalation: Escalation) -> bool:
    return any(action.action == "sent_suggested" for action in escalation.history)


def allowed_acts(escalation: Escalation) -> frozenset[Act]:
    """What the card's buttons offer now; a tap on an older card's button is refused."""
    rows = card_buttons(escalation, Texts())
    return frozenset(CardButton.unpack(button.data).act for row in rows for button in row)


# --- product question and review cards -----------------------------------------------------


def render_public_card(
    card: PublicCard, view: View, translated: CardTranslations | None = None
) -> Card:
    """The card of a product question or a review waiting for staff, in its current state;
    `translated`: the buyer's text machine-translated into the staff language (keyed by the
    item id), shown below the original."""
    sections: list[list[str]] = [
        _public_heading(card, view.texts),
        _public_about(card, view),
        _public_text(card, view, translated or CardTranslations()),
        _public_proposal(card, view.texts),
        _history(card.history, view),
        [f"<code>{escape(card.id)}</code>"],
    ]
    text = _fit("\n\n".join("\n".join(s) for s in sections if s))
    return Card(text=text, rows=public_buttons(card, view.texts))


def why_label(why: str, texts: Texts) -> str:
    """Why a question or review came to people (`PublicCard.why`) in the staff's words."""
    if why.startswith("moderation_"):
        return texts("why.moderation", status=escape(why.removeprefix("moderation_")))
    return escape(label("why", why, texts), quote=False)


def stars(rating: int | None) -> str:
    if rating is None or not 1 <= rating <= 5:
        return f"? ({rating})"
    return "\u2605" * rating + "\u2606" * (5 - rating)


def _public_heading(card: PublicCard, texts: Texts) -> list[str]:
    why = why_label(card.why, texts)
    if card.status is PublicCardStatus.SENT:
        title = "\u2705 " + texts("pcard.sent")
    elif card.status is PublicCardStatus.DISMISSED:
        title = "\u2705 " + texts("pcard.dismissed")
    elif card.stream is PublicStream.QUESTIONS:
        title = "\u2753 " + texts("pcard.question", why=why)
    else:
        title = "\u2b50 " + texts("pcard.review", stars=stars(card.rating), why=why)
    return [f"<b>{title}</b>"]


def _public_about(card: PublicCard, view: View) -> list[str]:
    t = view.texts
    lines = [f"{t('card.shop')}: <b>{escape(view.shop_name)}</b>"]
    product = f"{shown(card.product_name, t, 200)} \u00b7 " if card.product_name else ""
    lines.append(f"{t('pcard.product')}: {product}SKU <code>{escape(card.sku or '-')}</code>")
    if card.intent:
        lines.append(f"{t('card.intent')}: {escape(card.intent)}")
    if card.facts:
        facts = "; ".join(
            f"{escape(label('fact', k, t))}: {shown(v, t, 200)}" for k, v in card.facts.items()
        )
        lines.append(f"{t('pcard.facts')}: {facts}")
    return lines


def _public_text(card: PublicCard, view: View, translated: CardTranslations) -> list[str]:
    t = view.texts
    heading = "pcard.asked" if card.stream is PublicStream.QUESTIONS else "pcard.wrote"
    at = clock_time(card.created_at, view)
    body = shown(card.text, t, PUBLIC_TEXT_CHARS) if card.text.strip() else t("pcard.no_text")
    lines = [f"<b>{t(heading)}:</b>", f"\u203a {at} {body}"]
    if card.item_id in translated.lines:
        machine = shown(translated.lines[card.item_id], t, PUBLIC_TEXT_CHARS)
        lines.append(f"\U0001f310 <i>{machine}</i>")
    if translated.state is not TranslationState.NONE:
        lines.append(f"<i>\U0001f310 {t(f'card.mt_{translated.state.value}')}</i>")
    return lines


def _public_proposal(card: PublicCard, texts: Texts) -> list[str]:
    if card.status is not PublicCardStatus.OPEN:
        return []
    if not card.suggested:
        return [f"<i>{escape(texts('pcard.silent'), quote=False)}</i>"]
    return [
        f"<b>{texts('pcard.suggested')}:</b>",
        f"<blockquote>{shown(card.suggested, texts, PUBLIC_SUGGESTED_CHARS)}</blockquote>",
        f"<i>{escape(texts('pcard.public'), quote=False)}</i>",
    ]


def public_buttons(card: PublicCard, texts: Texts) -> Rows:
    """Send (only with a suggestion), Edit (the next message or a reply is the answer),
    Dismiss; a closed card has none."""
    if card.status is not PublicCardStatus.OPEN:
        return ()

    def button(act: PublicAct, key: str) -> Button:
        return Button(texts(key), PublicButton(act=act, cid=card.id).pack())

    row = [button(PublicAct.EDIT, "btn.edit"), button(PublicAct.DISMISS, "btn.dismiss")]
    if card.suggested:
        row.insert(0, button(PublicAct.SEND, "btn.send"))
    return (tuple(row),)


# --- other messages --------------------------------------------------------------------------


def render_forward(message_text: str, at: datetime, view: View) -> str:
    """A new buyer message in a taken-over or complaint chat, posted as a reply to its card."""
    t = view.texts
    body = shown(message_text, t, TELEGRAM_LIMIT - 200)
    return f"\U0001f4ac <b>{t('forward', at=clock_time(at, view))}</b>\n{body}"


def render_send_result(result: SendResult, texts: Texts) -> str:
    """What happened to a text staff wanted to send (the fix itself goes under a button)."""
    if result.sent:
        return "\u2705 " + texts("relay.sent")
    if result.unknown_outcome:
        return "\u2753 " + texts("relay.unknown")
    if not result.violations:
        return "\u274c " + texts("relay.error", error=escape(result.error or "?", quote=False))
    lines = ["\u274c " + texts("relay.refused")]
    lines.extend(
        "\u2022 "
        + texts(
            "relay.violation",
            rule=rule_label(v.rule.value, texts),
            fragment=escape(v.fragment, quote=False),
        )
        for v in result.violations
    )
    if result.fix:
        lines.append(texts("relay.fix_offer"))
        lines.append(f"<blockquote>{escape(result.fix, quote=False)}</blockquote>")
    else:
        lines.append(texts("relay.retry"))
    return "\n".join(lines)


def render_public_result(result: DeskResult, texts: Texts) -> str:
    """What happened to an answer staff wanted to publish (or to a dismissal)."""
    if result.done:
        return "\u2705 " + texts(f"pub.{result.note}")
    if result.note == "blocked":
        lines = ["\u274c " + texts("pub.refused")]
        lines.extend(
            "\u2022 "
            + texts(
                "relay.violation",
                rule=escape(rule_label(f.rule, texts), quote=False),
                fragment=shown(f.fragment, texts, 120),
            )
            for f in result.findings
        )
        lines.append(texts("relay.retry"))
        return "\n".join(lines)
    if result.note == "ozon_error":
        error = escape(", ".join(result.problems) or "?", quote=False)
        return "\u274c " + texts("pub.ozon_error", error=error)
    key = f"pub.{result.note}"
    return "\u274c " + texts(key if texts.has(key) else "cb.unknown")


@dataclass(frozen=True, slots=True)
class QueueItem:
    escalation: Escalation
    shop_name: str
    link: str | None


def render_queue(items: Sequence[QueueItem], texts: Texts, now: datetime) -> str:
    if not items:
        return texts("queue.empty")
    ordered = sorted(items, key=lambda item: item.escalation.created_at)
    lines = [f"<b>{texts('queue.title')}</b>"]
    for item in ordered[:QUEUE_LINES]:
        e = item.escalation
        line = texts(
            "queue.line",
            age=duration(now - e.created_at, texts),
            shop=escape(item.shop_name),
            reason=reason_label(e.reason, texts),
            status=status_label(e, texts),
        )
        if item.link:
            line += f' \u00b7 <a href="{escape(item.link)}">{texts("queue.card")}</a>'
        lines.append(line)
    if len(ordered) > QUEUE_LINES:
        lines.append(texts("queue.more", n=len(ordered) - QUEUE_LINES))
    return "\n".join(lines)


def render_stats(counters: Mapping[str, int], day: str, shop_name: str, texts: Texts) -> str:
    """Today's counters (`ControlStore.counters`: handled, decision:*, escalated:*, ...)."""
    lines = [
        f"<b>{texts('stats.title', day=day, shop=escape(shop_name))}</b>",
        texts("stats.handled", n=counters.get("handled", 0)),
        texts("stats.answered", n=counters.get("decision:reply", 0)),
        texts("stats.drafts", n=counters.get("decision:draft", 0)),
        texts("stats.escalated", n=counters.get("decision:escalate", 0)),
    ]
    lines += _group(counters, "escalated:", texts("stats.by_reason"), texts, _reason_of(texts))
    lines += _group(
        counters, "blocked:", texts("stats.blocked"), texts, lambda rule: rule_label(rule, texts)
    )
    lines += _group(
        counters, "flag:", texts("stats.flags"), texts, lambda flag: flag_label(flag, texts)
    )
    return "\n".join(lines)


def _reason_of(texts: Texts) -> Callable[[str], str]:
    def label(value: str) -> str:
        try:
            return reason_label(EscalationReason(value), texts)
        except ValueError:
            return value

    return label


def _group(
    counters: Mapping[str, int],
    prefix: str,
    title: str,
    texts: Texts,
    label: Callable[[str], str],
) -> list[str]:
    found = sorted(
        ((k.removeprefix(prefix), n) for k, n in counters.items() if k.startswith(prefix)),
        key=lambda pair: (-pair[1], pair[0]),
    )
    body: Iterable[str] = (f"  {escape(label(name))}: {n}" for name, n in found)
    return [title, *(body if found else [f"  {texts('stats.none')}"])]
