"""What `/healthz` reports, and the watch that notices Redis losing its data.

Health is per part, each with `ok` and what a person needs to see why not: Redis, Rasa, every
shop's polling (age of the last successful poll, the problem if any), the staff outbox (the
oldest undelivered notification) and whether Redis lost its data lately.

Data loss: each worker writes a sentinel key at start. A later check that finds it gone knows
Redis lost its data (a flush, a restart without persistence, an empty failover): it logs and
counts it, tells staff, and starts a recovery window in which chats the bot knows nothing
about, but in which the seller wrote lately, go to people instead of being answered (they may
have been taken over). The structures themselves (the outbox's consumer group, the queue) are
re-created by their owners when they find them missing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from bot.config import ShopConfig
from bot.errors import StateError
from bot.state.chats import ChatStore
from bot.state.escalations import ControlStore
from bot.state.redis import Redis, ping
from bot.worker.escalate import Escalator
from bot.worker.metrics import Metrics

log = logging.getLogger(__name__)

Part = dict[str, Any]


class Poll(Protocol):
    def problem(self, shop_id: str) -> str | None: ...


class StateWatch:
    def __init__(
        self,
        control: ControlStore,
        escalator: Escalator,
        shops: Mapping[str, ShopConfig],
        metrics: Metrics,
        notice: Callable[[], str],
        worker_id: str,
    ) -> None:
        self._control = control
        self._escalator = escalator
        self._shops = shops
        self._metrics = metrics
        self._notice = notice
        self._worker_id = worker_id
        self.lost_at: float | None = None

    async def start(self) -> None:
        """At start a missing sentinel is just a new Redis (or a first run)."""
        await self._control.sentinel_missing(self._worker_id)

    async def check(self) -> bool:
        """True when Redis lost its data since the last check (a scheduler job)."""
        if not await self._control.sentinel_missing(self._worker_id):
            return False
        log.error("Redis lost its data: recovering (chats people may have had go to people)")
        self.lost_at = time.time()
        self._metrics.data_loss.inc()
        await self._control.start_recovery()
        for shop in self._shops:
            await self._escalator.outbox_notice(
                shop, f"data-loss:{shop}:{int(time.time())}", self._notice()
            )
        return True


class Health:
    def __init__(
        self,
        redis: Redis,
        chats: ChatStore,
        shops: Mapping[str, ShopConfig],
        poll: Poll,
        poll_interval_s: float,
        rasa: Callable[[], Awaitable[bool]] | None,
        outbox: Callable[[], Awaitable[Part]] | None,
        watch: StateWatch,
    ) -> None:
        self._redis = redis
        self._chats = chats
        self._shops = shops
        self._poll = poll
        self._stale_s = max(60.0, poll_interval_s * 10)
        self._rasa = rasa
        self._outbox = outbox
        self._watch = watch

    async def report(self) -> dict[str, Part]:
        parts: dict[str, Part] = {"redis": {"ok": await ping(self._redis)}}
        if self._rasa is not None:
            parts["rasa"] = {"ok": await self._rasa()}
        if not parts["redis"]["ok"]:
            return parts
        try:
            for shop_id in self._shops:
                parts[f"shop:{shop_id}"] = await self._shop(shop_id)
            if self._outbox is not None:
                parts["outbox"] = await self._outbox()
        except StateError as exc:
            parts["redis"] = {"ok": False, "error": str(exc)}
        lost = self._watch.lost_at
        parts["data"] = {"ok": True, "lost_at": lost}
        return parts

    async def _shop(self, shop_id: str) -> Part:
        last = await self._chats.last_poll_ms(shop_id)
        age = None if last is None else round(time.time() - last / 1000, 1)
        problem = self._poll.problem(shop_id)
        fresh = age is not None and age <= self._stale_s
        return {"ok": fresh and problem is None, "last_poll_s_ago": age, "problem": problem}
