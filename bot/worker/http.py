"""The worker's HTTP endpoints: `/healthz`, `/metrics` and the Ozon push intake (`/push`).

Push notifications are only hints: a `TYPE_NEW_MESSAGE` makes the worker fetch that chat
through `/v3/chat/history` right away; the pushed text itself is never used. Ozon requires an
answer within 5 seconds and suspends pushes that are slow or failing, so the handler answers
at once and does the fetch in the background. Polling stays on as the safety net.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot import __version__
from bot.config import ShopConfig

log = logging.getLogger(__name__)

FetchChat = Callable[[str, str], Coroutine[Any, Any, None]]
HealthCheck = Callable[[], Awaitable[dict[str, bool]]]
ANY_NETWORK = "*"


class PushIntake:
    def __init__(
        self,
        shops: Sequence[ShopConfig],
        fetch_chat: FetchChat,
        networks: Sequence[str],
    ) -> None:
        self._shops = shops
        self._fetch = fetch_chat
        self._any = ANY_NETWORK in networks
        self._networks = tuple(ipaddress.ip_network(n) for n in networks if n != ANY_NETWORK)
        self._tasks: set[asyncio.Task[None]] = set()

    def allowed(self, remote: str | None) -> bool:
        if self._any:
            return True
        if remote is None:
            return False
        try:
            address = ipaddress.ip_address(remote)
        except ValueError:
            return False
        return any(address in network for network in self._networks)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.allowed(request.remote):
            log.warning("push from %s refused: not one of Ozon's networks", request.remote)
            return _error(403, "ERROR_UNKNOWN", "source address not allowed")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _error(400, "ERROR_PARAMETER_VALUE_MISSED", "body is not JSON")
        if not isinstance(body, dict) or not isinstance(body.get("message_type"), str):
            return _error(400, "ERROR_PARAMETER_VALUE_MISSED", "message_type is missing")
        kind = body["message_type"].upper()
        if kind == "TYPE_PING":
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            return web.json_response({"version": __version__, "name": "ozonbot", "time": now})
        if kind == "TYPE_NEW_MESSAGE":
            return self._new_message(body)
        return web.json_response({"result": True})  # other events: nothing to do

    def _new_message(self, body: Mapping[str, Any]) -> web.Response:
        chat_id = body.get("chat_id")
        if not isinstance(chat_id, str) or not chat_id:
            return _error(400, "ERROR_PARAMETER_VALUE_MISSED", "chat_id is missing")
        if str(body.get("chat_type", "")).lower() != "buyer_seller":
            return web.json_response({"result": True})
        shop = self._shop_for(body.get("seller_id"))
        if shop is None:
            log.warning("push for unknown seller %r ignored", body.get("seller_id"))
            return web.json_response({"result": True})
        task = asyncio.create_task(self._fetch(shop.id, chat_id), name=f"push {chat_id}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return web.json_response({"result": True})

    def _shop_for(self, seller_id: object) -> ShopConfig | None:
        for shop in self._shops:
            if seller_id is not None and str(seller_id) == shop.client_id:
                return shop
        return self._shops[0] if len(self._shops) == 1 else None

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The poll will find the message anyway; a failed hint costs only latency.
            log.warning("push-triggered fetch failed: %s", task.exception())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _error(status: int, code: str, message: str) -> web.Response:
    body = {"error": {"code": code, "message": message, "details": None}}
    return web.json_response(body, status=status)


def build_http_app(
    *,
    health: HealthCheck,
    metrics: Callable[[], Awaitable[bytes]],
    push: PushIntake | None,
) -> web.Application:
    app = web.Application()

    async def healthz(_request: web.Request) -> web.Response:
        checks = await health()
        status = 200 if all(checks.values()) else 503
        return web.json_response({"ok": status == 200, "checks": checks}, status=status)

    async def metrics_view(_request: web.Request) -> web.Response:
        body = await metrics()
        return web.Response(body=body, content_type="text/plain", charset="utf-8")

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)
    if push is not None:
        app.router.add_post("/push", push.handle)
    return app
