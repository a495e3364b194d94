"""The worker's HTTP endpoints: `/healthz`, `/metrics` and the Ozon push intake (`/push`).

Push notifications are only hints (../shared/ozon/README.md): the pushed text is never used.
- `TYPE_NEW_MESSAGE` makes the worker fetch that chat through `/v3/chat/history`;
- `TYPE_UPDATE_MESSAGE` (the buyer edited a message) goes to `on_edited`, or is fetched like a new
  message when nothing is wired;
- `TYPE_CHAT_CLOSED` goes to `on_closed`;
- `TYPE_PING` is answered with `{"version", "name", "time"}`; anything else with `{"result": true}`.
Buyer chats are `Buyer_Seller` and `Buyer_Seller_Select` (Ozon Select); other chat types are
acknowledged and ignored.

Ozon rates a push URL slow above 1.5 s and switches it off after three days unavailable
(errors-auth-limits-push.md 5.6), so the handler never waits for work: it parses the body, puts
the chat in a bounded set of pending chats and answers. A fixed number of intake tasks works the
set off. A chat already waiting is not queued twice (a burst of pushes for one chat is one
fetch); a push arriving while that chat's fetch runs asks for one more fetch after it, since the
running one may have read the history before the new message. Above `max_pending` chats new
pushes are acknowledged and dropped (counted): polling stays on as the safety net.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot import __version__
from bot.config import ShopConfig
from bot.errors import OzonMalformedError
from bot.ozon import parsing
from bot.ozon.schemas import Push, PushKind
from bot.waiting import cancel_and_wait

log = logging.getLogger(__name__)

FetchChat = Callable[[str, str], Coroutine[Any, Any, None]]
"""(shop id, chat id): read the chat from Ozon and take new buyer messages in."""
ChatEdited = Callable[[str, str, tuple[str, ...]], Coroutine[Any, Any, None]]
"""(shop id, chat id, edited message ids): re-read; undecided turns are decided again."""
ChatClosed = Callable[[str, str], Coroutine[Any, Any, None]]
"""(shop id, chat id): stop work on the chat and close its card with a note."""
HealthCheck = Callable[[], Awaitable[dict[str, dict[str, Any]]]]
"""Each part of the worker → its state, with at least `ok`."""
ANY_NETWORK = "*"


@dataclass
class IntakeStats:
    """Counters of the push intake (tests, `/metrics` through the lead's wiring)."""

    accepted: int = 0
    coalesced: int = 0
    dropped: int = 0
    refused: int = 0
    ignored: int = 0
    failed: int = 0
    runs: dict[str, int] = field(default_factory=dict)
    """Work done per kind: fetch, edited, closed."""


@dataclass
class _Pending:
    kind: str
    message_ids: list[str] = field(default_factory=list)
    again: bool = False
    """A push arrived while this work ran: run once more afterwards."""


class PushIntake:
    """`/push`: answers at once, coalesces per chat, bounds the work in flight."""

    def __init__(
        self,
        shops: Sequence[ShopConfig],
        fetch_chat: FetchChat,
        networks: Sequence[str],
        *,
        on_edited: ChatEdited | None = None,
        on_closed: ChatClosed | None = None,
        concurrency: int = 8,
        max_pending: int = 10_000,
    ) -> None:
        self._shops = shops
        self._fetch = fetch_chat
        self._on_edited = on_edited
        self._on_closed = on_closed
        self._any = ANY_NETWORK in networks
        self._networks = tuple(ipaddress.ip_network(n) for n in networks if n != ANY_NETWORK)
        self._concurrency = concurrency
        self._max_pending = max_pending
        self._pending: dict[tuple[str, str, str], _Pending] = {}
        self._running: set[tuple[str, str, str]] = set()
        self._queue: asyncio.Queue[tuple[str, str, str]] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._idle = asyncio.Event()
        self._idle.set()
        self.stats = IntakeStats()

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

    @property
    def pending(self) -> int:
        """Chats waiting or being worked on."""
        return len(self._pending)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.allowed(request.remote):
            self.stats.refused += 1
            log.warning("push from %s refused: not one of Ozon's networks", request.remote)
            return _error(403, "ERROR_UNKNOWN", "source address not allowed")
        try:
            push = parsing.push(json.loads(await request.read()))
        except ValueError:
            return _error(400, "ERROR_PARAMETER_VALUE_MISSED", "body is not JSON")
        except OzonMalformedError as exc:
            return _error(400, "ERROR_PARAMETER_VALUE_MISSED", exc.message)
        if push.kind is PushKind.PING:
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            return web.json_response({"version": __version__, "name": "ozonbot", "time": now})
        self._take(push)
        return web.json_response({"result": True})

    def _take(self, push: Push) -> None:
        kind = _WORK.get(push.kind)
        if kind is None or not push.is_buyer_chat:
            self.stats.ignored += 1
            return
        shop = self._shop_for(push.seller_id)
        if shop is None:
            self.stats.ignored += 1
            log.warning("push for unknown seller %r ignored", push.seller_id)
            return
        if kind == "edited" and self._on_edited is None:
            kind = "fetch"  # nothing wired for edits: re-reading the chat is the safe default
        self._enqueue((shop.id, push.chat_id, kind), push.message_id)

    def _enqueue(self, key: tuple[str, str, str], message_id: str | None) -> None:
        pending = self._pending.get(key)
        if pending is not None:
            self.stats.coalesced += 1
            if message_id and message_id not in pending.message_ids:
                pending.message_ids.append(message_id)
            pending.again = pending.again or key in self._running
            return
        if len(self._pending) >= self._max_pending:
            self.stats.dropped += 1
            return
        self.stats.accepted += 1
        self._pending[key] = _Pending(key[2], [message_id] if message_id else [])
        self._idle.clear()
        self._start_workers()
        self._queue.put_nowait(key)

    def _start_workers(self) -> None:
        # Started on the first push: tasks need the running loop the server runs in.
        while len(self._workers) < self._concurrency:
            index = len(self._workers)
            self._workers.append(asyncio.create_task(self._work(), name=f"push intake {index}"))

    async def _work(self) -> None:
        while True:
            key = await self._queue.get()
            self._running.add(key)
            try:
                await self._run(key)
            finally:
                self._running.discard(key)
                self._finish(key)

    def _finish(self, key: tuple[str, str, str]) -> None:
        pending = self._pending.get(key)
        if pending is not None and pending.again:
            pending.again, pending.message_ids = False, []
            self._queue.put_nowait(key)
        else:
            self._pending.pop(key, None)
            if not self._pending:
                self._idle.set()

    async def _run(self, key: tuple[str, str, str]) -> None:
        shop_id, chat_id, kind = key
        pending = self._pending.get(key)
        message_ids = tuple(pending.message_ids) if pending else ()
        self.stats.runs[kind] = self.stats.runs.get(kind, 0) + 1
        try:
            if kind == "edited" and self._on_edited is not None:
                await self._on_edited(shop_id, chat_id, message_ids)
            elif kind == "closed" and self._on_closed is not None:
                await self._on_closed(shop_id, chat_id)
            elif kind == "fetch":
                await self._fetch(shop_id, chat_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # The poll will find the message anyway; a failed hint costs only latency.
            self.stats.failed += 1
            log.warning("push-triggered %s of a chat failed: %s", kind, exc)

    def _shop_for(self, seller_id: object) -> ShopConfig | None:
        for shop in self._shops:
            if seller_id is not None and str(seller_id) == shop.client_id:
                return shop
        return self._shops[0] if len(self._shops) == 1 else None

    async def drain(self) -> None:
        """Wait until every pending chat was worked off (tests, benchmarks)."""
        await self._idle.wait()

    async def close(self) -> None:
        """Stop the intake tasks; chats still pending are left to the poll."""
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            await cancel_and_wait(task)
        self._workers.clear()
        self._pending.clear()
        self._idle.set()


_WORK = {
    PushKind.NEW_MESSAGE: "fetch",
    PushKind.UPDATE_MESSAGE: "edited",
    PushKind.CHAT_CLOSED: "closed",
}


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
        """Readiness: every part's state, and 503 naming the parts that cannot work now."""
        checks = await health()
        unhealthy = sorted(name for name, part in checks.items() if not part.get("ok"))
        status = 503 if unhealthy else 200
        body = {"ok": not unhealthy, "unhealthy": unhealthy, "checks": checks}
        return web.json_response(body, status=status)

    async def livez(_request: web.Request) -> web.Response:
        """Liveness: the process and its event loop answer (restart it only when this fails)."""
        return web.json_response({"ok": True})

    async def metrics_view(_request: web.Request) -> web.Response:
        body = await metrics()
        return web.Response(body=body, content_type="text/plain", charset="utf-8")

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", healthz)
    app.router.add_get("/livez", livez)
    app.router.add_get("/metrics", metrics_view)
    if push is not None:
        app.router.add_post("/push", push.handle)
    return app


class HttpServer:
    """The worker's one aiohttp server: started on host:port, closed once."""

    def __init__(self, app: web.Application) -> None:
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)

    async def start(self, host: str, port: int) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()

    async def close(self) -> None:
        await self._runner.cleanup()

    @property
    def url(self) -> str | None:
        """Where it listens (after `start`), e.g. http://127.0.0.1:8080."""
        if not self._runner.addresses:
            return None
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"
