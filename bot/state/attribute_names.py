"""Ozon's attribute names per category, type and language, shared by workers through Redis.

`bot.ozon.attributes.NameCache` over `{p}:ozon:attrs:{cat}:{type}:{lang}` (JSON id → name,
`ATTRIBUTE_NAMES_S`). A Redis failure reads as a miss and a skipped write: names are then
fetched from Ozon again, which costs one call, never an answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from bot.errors import StateError
from bot.ozon.attributes import Language
from bot.state.keys import ATTRIBUTE_NAMES_S, Keys
from bot.state.redis import Redis, mapped

log = logging.getLogger(__name__)


class RedisNameCache:
    def __init__(self, redis: Redis, keys: Keys, *, ttl_s: int = ATTRIBUTE_NAMES_S) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl_s

    async def get(
        self, category_id: str, type_id: str, language: Language
    ) -> dict[int, str] | None:
        try:
            raw = await self._get(self._keys.attribute_names(category_id, type_id, language))
        except StateError as exc:
            log.warning("attribute names cache unavailable: %s", exc)
            return None
        return None if raw is None else _decode(raw)

    async def put(
        self, category_id: str, type_id: str, language: Language, names: Mapping[int, str]
    ) -> None:
        key = self._keys.attribute_names(category_id, type_id, language)
        body = json.dumps({str(k): v for k, v in names.items()}, ensure_ascii=False)
        try:
            await self._set(key, body)
        except StateError as exc:
            log.warning("attribute names not cached: %s", exc)

    @mapped
    async def _get(self, key: str) -> str | None:
        value = await self._redis.get(key)
        return None if value is None else str(value)

    @mapped
    async def _set(self, key: str, body: str) -> None:
        await self._redis.set(key, body, ex=self._ttl)


def _decode(raw: str) -> dict[int, str] | None:
    """A damaged entry is a miss (it is overwritten by the next fetch)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return {int(k): str(v) for k, v in data.items() if str(k).isdigit() and isinstance(v, str)}
