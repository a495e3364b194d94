"""Staff-facing words for machine values, and outside text made safe to show.

Labels for reasons, rules, flags and statuses, durations, links into the seller cabinet, and
the masking of phone numbers and e-mail addresses in buyer text. Pure functions over `Texts`:
no Telegram types here, so the worker's jobs (SLA reminders, the digest) use them without
importing aiogram (seconds of start-up a worker without the staff console does not need).
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import escape
from urllib.parse import quote

from bot.models import EscalationReason
from bot.staff.texts import Texts
from bot.state.models import Escalation, EscalationStatus

# The seller cabinet's list of buyer chats is https://seller.ozon.ru/app/messenger with
# `group=customers_v2` (what public tools built on the cabinet open). Ozon documents no deep
# link to a single chat; those tools open one chat with `&id=<chat id>` (seen for the support
# group, `group=support_v2&id=<uuid>`), so we add it: at worst the cabinet shows the chat list.
CABINET_CHATS = "https://seller.ozon.ru/app/messenger?group=customers_v2"

# From the start of the name: unanchored, a long run of letters before a lone "@" was rescanned
# from each of its letters (masking must stay linear: a buyer may paste a megabyte).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MASK_MARGIN = 64
"""Characters past a card's cut that are masked too: a phone or an address crossing the cut is
masked whole before the cut, never shown in part."""
_INBOUND_DETAIL = re.compile(
    r"^inbound:(?P<flags>[a-z_,]*)(?: requests:(?P<requests>[a-z_,]+))?(?: abuse:(?P<abuse>.*))?$"
)
_RASA_SPAM = "rasa:spam without the inbound spam signal"
_PHONE_CANDIDATE = re.compile(r"(?<![\w-])\+?\d[\d\s().-]{8,20}\d(?![\w-])")
_POSTING = re.compile(r"^\d{8,10}-\d{4}(?:-\d{1,2})?$")


# --- buyer text -------------------------------------------------------------------------------


def _is_phone(candidate: str) -> bool:
    if _POSTING.match(candidate):
        return False  # posting/order numbers are what staff need to see
    bare = re.sub(r"\D", "", candidate)
    if candidate.startswith("+"):
        return 10 <= len(bare) <= 15
    if len(bare) == 11:
        return bare[0] in "78"
    # 999 123-45-67 is a mobile number; a bare 10-digit 9xxxxxxxxx is as likely an SKU.
    return len(bare) == 10 and bare[0] == "9" and bare != candidate


def _mask_run(run: str, mask: str) -> str:
    """A run of digits and separators may hold a phone next to an order number or a price:
    try the whole run, then groups of its space-separated pieces, longest first."""
    if _is_phone(run):
        return mask
    pieces = re.split(r"(\s+)", run)
    words, gaps = pieces[0::2], [*pieces[1::2], ""]
    out, i = [], 0
    while i < len(words):
        for j in range(len(words), i, -1):
            group = "".join(w + g for w, g in zip(words[i:j], gaps[i:j], strict=True)).rstrip()
            if _is_phone(group):
                out.append(mask + gaps[j - 1])
                i = j
                break
        else:
            out.append(words[i] + gaps[i])
            i += 1
    return "".join(out)


def mask_contacts(text: str, texts: Texts) -> str:
    """Hide phone numbers and e-mail addresses (staff never need them: Ozon forbids using them)."""
    masked = _EMAIL.sub(texts("mask.email"), text)
    mask = texts("mask.phone")
    return _PHONE_CANDIDATE.sub(lambda m: _mask_run(m.group(0), mask), masked)


def shown(text: str, texts: Texts, limit: int) -> str:
    """Buyer (or any outside) text made safe for an HTML card: masked, cut, escaped. Only the
    part that can be shown is masked, so a huge text costs what a card does."""
    masked = mask_contacts(text[: limit + _MASK_MARGIN], texts)
    if len(masked) > limit:
        masked = masked[: limit - 1].rstrip() + "\u2026"
    return escape(masked, quote=False)


# --- small formatters ---------------------------------------------------------------------


def duration(delta: timedelta, texts: Texts) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return texts("dur.min", m=minutes)
    if minutes < 24 * 60:
        return texts("dur.hours", h=minutes // 60, m=minutes % 60)
    return texts("dur.days", d=minutes // (24 * 60), h=minutes % (24 * 60) // 60)


def reason_label(reason: EscalationReason | None, texts: Texts) -> str:
    return texts(f"reason.{reason.value if reason else 'none'}")


def rule_label(rule: str, texts: Texts) -> str:
    """An outbound rule id (`insult`) in the staff's words ("rude or insulting")."""
    return label("rule", rule, texts)


def flag_label(flag: str, texts: Texts) -> str:
    """An inbound flag (`legal_threat`) in the staff's words ("threatens court or a complaint")."""
    return label("flag", flag, texts)


def label(kind: str, value: str, texts: Texts) -> str:
    key = f"{kind}.{value}"
    return texts(key) if texts.has(key) else value


def detail_label(detail: str, texts: Texts) -> str:
    """An escalation's machine `detail` in the staff's words: `inbound:insult,legal_threat
    requests:money abuse:мошенники` (bot/worker/decide.py `describe_inbound`) reads "buyer's
    message: insults or threats, threatens court or a complaint; also asks about: money back
    or a payment; abusive words: мошенники". Parts it does not know are shown as they are."""
    return "; ".join(_detail_part(part, texts) for part in detail.split("; ") if part)


def _detail_part(part: str, texts: Texts) -> str:
    if part == _RASA_SPAM:
        return texts("detail.rasa_spam")
    if inbound := _INBOUND_DETAIL.match(part):
        return _inbound_detail(inbound, texts)
    kind, _, values = part.partition(":")
    if kind == "intent" and values:
        return texts("detail.intent", intent=values)
    if kind == "blocked" and values:
        rules = ", ".join(rule_label(rule, texts) for rule in values.split(","))
        return texts("detail.blocked", rules=rules)
    return part


def _inbound_detail(found: re.Match[str], texts: Texts) -> str:
    words = []
    if flags := [f for f in found["flags"].split(",") if f]:
        words.append(texts("detail.flags", flags=", ".join(flag_label(f, texts) for f in flags)))
    if found["requests"]:
        kinds = (label("request", kind, texts) for kind in found["requests"].split(","))
        words.append(texts("detail.requests", requests=", ".join(kinds)))
    if found["abuse"]:
        words.append(texts("detail.abuse", words=found["abuse"]))
    return "; ".join(words)


def chat_link(chat_id: str) -> str:
    return f"{CABINET_CHATS}&id={quote(chat_id, safe='')}"


def message_link(chat_id: int, message_id: int) -> str | None:
    """A t.me link to a message of a supergroup; other chats have no public message links."""
    text = str(chat_id)
    return f"https://t.me/c/{text[4:]}/{message_id}" if text.startswith("-100") else None


def taken_by(escalation: Escalation) -> str:
    for action in reversed(escalation.history):
        if action.action == "take_over":
            return action.user_name or str(action.user_id)
    return "?"


def status_label(escalation: Escalation, texts: Texts) -> str:
    if escalation.status is EscalationStatus.TAKEN:
        return texts("status.taken", who=escape(taken_by(escalation), quote=False))
    return texts(f"status.{escalation.status.value}")
