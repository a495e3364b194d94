"""The daily look at each shop's API key and push address (and once at start).

Ozon's keys live three months (`/v1/roles` → `expires_at`): staff are warned 14, 7, 3 and 1
days before, each warning once, and a gauge shows the seconds left. Methods the bot calls that
the key's roles do not cover are named in the log and to staff. Ozon rates push addresses
(`/v1/notification/list`) and switches off one that stays unavailable for three days: staff are
warned while Ozon rates it slow or unavailable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from bot.errors import OzonError
from bot.ozon.client import USED_METHODS, OzonClient
from bot.staff.texts import Texts
from bot.state.escalations import ControlStore
from bot.state.keys import DIGEST_S, Keys
from bot.worker.escalate import Escalator
from bot.worker.metrics import Metrics

log = logging.getLogger(__name__)


class KeyWatch:
    def __init__(
        self,
        clients: Mapping[str, OzonClient],
        control: ControlStore,
        escalator: Escalator,
        keys: Keys,
        texts: Texts,
        metrics: Metrics,
        clock: Callable[[], datetime],
    ) -> None:
        self._clients = clients
        self._control = control
        self._escalator = escalator
        self._keys = keys
        self._texts = texts
        self._metrics = metrics
        self._clock = clock

    async def run_once(self) -> None:
        """Every shop on its own: one shop's failure is logged and the others go on."""
        for shop_id, client in self._clients.items():
            try:
                await self._key(shop_id, client)
                await self._push(shop_id, client)
            except OzonError as exc:
                log.warning("key check of %s failed, tomorrow's tries again: %s", shop_id, exc)

    async def _key(self, shop_id: str, client: OzonClient) -> None:
        now = self._clock()
        roles = await client.roles()
        left = roles.seconds_left(now)
        if left is not None:
            self._metrics.key_expires_in.labels(shop=shop_id).set(left)
        missing = roles.missing(USED_METHODS)
        if missing:
            log.warning("%s: the API key's roles do not cover %s", shop_id, ", ".join(missing))
            text = self._texts("notice.key_roles", shop=shop_id, methods=", ".join(missing))
            await self._notice(shop_id, f"key-roles:{now.date()}", text)
        days = roles.warning_due(now)
        if days is not None and roles.expires_at is not None:
            when = roles.expires_at.date().isoformat()
            text = self._texts("notice.key_expires", shop=shop_id, days=days, when=when)
            await self._notice(shop_id, f"key-expires:{when}:{days}", text)

    async def _push(self, shop_id: str, client: OzonClient) -> None:
        for url in (await client.notification_list()).troubled:
            state = url.availability.value if url.enabled else f"off ({url.disable_reason})"
            text = self._texts("notice.push_unhealthy", shop=shop_id, state=state)
            await self._notice(shop_id, f"push:{url.id}:{self._clock().date()}", text)

    async def _notice(self, shop_id: str, name: str, text: str) -> None:
        """Each notice once (per warning, or per day), whichever worker gets there first."""
        if await self._control.once(self._keys.notice_sent(shop_id, name), DIGEST_S):
            await self._escalator.outbox_notice(shop_id, f"{name}:{shop_id}", text)
