"""Callback data of the console's buttons (Telegram allows 64 bytes per button).

An escalation id is `{shop}-{10 hex}` (at most 43 characters), so `esc:<act>:<id>` fits; a
corrected text does not fit at all, so the "send corrected" button carries a token and the text
waits in Redis (`ConsoleStore.offer_fix`); so does "Send" under a machine-translated reply.
A question or review card's id is `{shop}-q-{10 hex}` (at most 45 characters): `pub:<act>:<id>`.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class Act(StrEnum):
    TAKE = "take"
    REPLY = "reply"
    SUGGESTED = "sugg"
    RETURN = "ret"
    COMPLAINT = "spam"
    RESOLVE = "done"
    FILED = "filed"


class CardButton(CallbackData, prefix="esc"):
    act: Act
    eid: str


class FixButton(CallbackData, prefix="fix"):
    token: str


class TranslatedButton(CallbackData, prefix="trs"):
    """ "Send" under a staff reply's machine translation; the texts wait in Redis
    (`TranslationStore.offer_reply`)."""

    token: str


class PublicAct(StrEnum):
    SEND = "send"
    EDIT = "edit"
    DISMISS = "dismiss"


class PublicButton(CallbackData, prefix="pub"):
    """A button on a product question or review card (`bot.staff.public_actions`)."""

    act: PublicAct
    cid: str
