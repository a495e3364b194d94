"""Machine translations the staff console keeps: buyer messages per staff language, and staff
replies translated for the buyer that wait for the "Send" tap.

A buyer message is translated once per staff language and kept as long as its turn record
(`OZONBOT_RECORD_RETENTION_DAYS`); a failed try is remembered for `TRANSLATION_RETRY_S`, so a card
refreshed meanwhile says "unavailable" instead of asking the engine again and again.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from bot.models import Language
from bot.state.keys import TG_FIX_S, TRANSLATION_RETRY_S, Keys
from bot.state.redis import Redis, mapped, text


class StoredTranslation(BaseModel):
    """One buyer message in one staff language; `text` None: the engine failed (for now)."""

    model_config = ConfigDict(frozen=True)

    text: str | None
    source: Language | None = None
    engine: str = ""

    @property
    def ok(self) -> bool:
        return self.text is not None


class PendingTranslatedReply(BaseModel):
    """A staff reply, its translation into the buyer's language (which passed the rules
    check), waiting for a person to tap "Send". Only `translated` is ever sent."""

    model_config = ConfigDict(frozen=True)

    escalation_id: str
    original: str
    translated: str
    source: Language
    target: Language
    user_id: int


class TranslationStore:
    def __init__(self, redis: Redis, keys: Keys, *, retention_s: int) -> None:
        self._r = redis
        self._k = keys
        self._retention_s = retention_s

    @mapped
    async def buyer_messages(
        self, shop: str, chat: str, message_ids: Sequence[str], language: Language
    ) -> dict[str, StoredTranslation]:
        """What is known of these messages in `language`; unknown ones are left out."""
        if not message_ids:
            return {}
        keys = [self._k.translation(shop, chat, m, language.value) for m in message_ids]
        found: dict[str, StoredTranslation] = {}
        for message_id, raw in zip(message_ids, await self._r.mget(keys), strict=True):
            if raw is not None:
                found[message_id] = StoredTranslation.model_validate_json(raw)
        return found

    @mapped
    async def keep(
        self, shop: str, chat: str, message_id: str, language: Language, done: StoredTranslation
    ) -> None:
        ttl = self._retention_s if done.ok else TRANSLATION_RETRY_S
        key = self._k.translation(shop, chat, message_id, language.value)
        await self._r.set(key, done.model_dump_json(), ex=ttl)

    @mapped
    async def offer_reply(self, token: str, reply: PendingTranslatedReply) -> None:
        key = self._k.telegram_translated(token)
        await self._r.set(key, reply.model_dump_json(), ex=TG_FIX_S)

    @mapped
    async def take_reply(self, token: str) -> PendingTranslatedReply | None:
        """The reply waiting for `token`, removed in the same step: a second tap sends nothing."""
        raw = text(await self._r.getdel(self._k.telegram_translated(token)))
        return PendingTranslatedReply.model_validate_json(raw) if raw else None
