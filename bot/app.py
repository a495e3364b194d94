"""Build the worker in one place, run it, and close exactly what was opened.

`App.build(settings)` wires every part from the settings (no module-level globals, no
import-time connections); `App.start()` opens sessions, the HTTP endpoints, the scheduler and
the staff console; `App.stop()` stops taking work, lets chats in flight finish, and closes
everything in reverse order. Tests, `ozonbot simulate` and `ozonbot demo` build the same App.

Long (~600 lines) because it is the composition root: every part is built and started here and
nowhere else, which is what keeps the parts free of each other (tests/unit/test_architecture.py).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging
import os
import socket
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.config import Settings, ShopConfig
from bot.dialogue.rasa import RasaClient
from bot.dialogue.types import Dialogue
from bot.errors import StateError
from bot.guard.inbound import InboundGuard
from bot.guard.lexicon import Morphology
from bot.guard.outbound import OutboundGuard
from bot.knowledge import Knowledge, detect_language
from bot.ozon.client import OzonClient, OzonHttp
from bot.schedule.digest import Digests, DraftTimer
from bot.schedule.jobs import Every, install_jobs
from bot.schedule.scheduler import Scheduler
from bot.staff.sla import SlaPolicy, SlaReminders
from bot.staff.texts import Texts
from bot.state.attribute_names import RedisNameCache
from bot.state.chats import ChatStore
from bot.state.console import ConsoleStore
from bot.state.control import ControlQueue
from bot.state.escalations import ControlStore, EscalationStore, Outbox
from bot.state.keys import Keys
from bot.state.ratelimit import redis_limiters
from bot.state.redis import Redis, connect
from bot.state.streams import StreamStore
from bot.state.translations import TranslationStore
from bot.streams.common import StreamDeps
from bot.streams.desk import PublicDesk
from bot.streams.questions import QuestionStream
from bot.streams.reviews import ReviewStream
from bot.waiting import cancel_all
from bot.worker.deps import PipelineDeps
from bot.worker.escalate import Escalator
from bot.worker.events import StaffEvents
from bot.worker.health import Health, StateWatch
from bot.worker.http import HttpServer, PushIntake, build_http_app
from bot.worker.ingest import Poller
from bot.worker.keywatch import KeyWatch
from bot.worker.metrics import Metrics
from bot.worker.processor import ChatProcessor
from bot.worker.runner import Worker
from bot.worker.send import Sender
from bot.worker.staffops import StaffOps

if TYPE_CHECKING:
    from bot.staff.console import ConsoleParts, StaffConsole

log = logging.getLogger(__name__)

QUESTIONS_S = 60.0
"""Product questions have no push: each shop's are polled this often."""
REVIEWS_S = 120.0

Clock = Callable[[], datetime]


def _ozon_http(settings: Settings, redis: Redis, keys: Keys, metrics: Metrics) -> OzonHttp:
    """One session for every shop; one rate per Client-Id across workers (in Redis)."""
    return OzonHttp(
        timeout_s=settings.ozon.timeout_s,
        observer=metrics.ozon_call,
        limiters=redis_limiters(redis, keys),
        names=RedisNameCache(redis, keys),
        events=metrics.ozon_event,
    )


def _rasa(settings: Settings) -> RasaClient:
    token = settings.rasa.token.get_secret_value() if settings.rasa.token else None
    return RasaClient(settings.rasa.url, timeout_s=settings.rasa.timeout_s, token=token)


def local_now() -> datetime:
    return datetime.now().astimezone()


@dataclass(frozen=True, slots=True)
class _Base:
    """What every part may need: settings, Redis, metrics, the Ozon clients, the clock."""

    settings: Settings
    keys: Keys
    redis: Redis
    metrics: Metrics
    ozon_http: OzonHttp
    clients: dict[str, OzonClient]
    shops: dict[str, ShopConfig]
    texts: Texts
    clock: Clock
    worker_id: str

    @classmethod
    def of(cls, settings: Settings, clock: Clock, worker_id: str) -> _Base:
        keys, redis, metrics = Keys(settings.redis.prefix), connect(settings.redis.url), Metrics()
        ozon_http = _ozon_http(settings, redis, keys, metrics)
        return cls(
            settings=settings,
            keys=keys,
            redis=redis,
            metrics=metrics,
            ozon_http=ozon_http,
            clients=ozon_http.shop_clients(settings.shops, settings.ozon),
            shops={shop.id: shop for shop in settings.shops},
            texts=Texts(settings.telegram.language),
            clock=clock,
            worker_id=worker_id,
        )

    def fields(self) -> dict[str, Any]:
        """The App fields this bundle fills."""
        return {name: getattr(self, name) for name in _Base.__slots__ if name != "texts"}


@dataclass(frozen=True, slots=True)
class _Stores:
    """The Redis-backed state every part shares."""

    chats: ChatStore
    control: ControlStore
    escalations: EscalationStore
    outbox: Outbox

    @classmethod
    def of(cls, base: _Base) -> _Stores:
        retention_s = base.settings.worker.record_retention_days * 86400
        return cls(
            chats=ChatStore(base.redis, base.keys, record_ttl_s=retention_s),
            control=ControlStore(base.redis, base.keys),
            escalations=EscalationStore(base.redis, base.keys),
            outbox=Outbox(base.redis, base.keys),
        )

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _Stores.__slots__}


def _pipeline_deps(
    base: _Base,
    stores: _Stores,
    escalator: Escalator,
    inbound: InboundGuard,
    dialogue: Dialogue,
    sender: Sender,
    knowledge: Knowledge,
) -> PipelineDeps:
    return PipelineDeps(
        shops=base.shops,
        clients=base.clients,
        chats=stores.chats,
        control=stores.control,
        escalator=escalator,
        inbound=inbound,
        dialogue=dialogue,
        sender=sender,
        knowledge=knowledge,
        detect_language=detect_language,
        metrics=base.metrics,
        keys=base.keys,
        settings=base.settings.worker,
        notices=base.texts,
        worker_id=base.worker_id,
        clock=base.clock,
    )


def _staff_ops(
    base: _Base,
    stores: _Stores,
    sender: Sender,
    fixer: OutboundGuard,
    dialogue: Dialogue,
    sender_id: Callable[[str, str], str],
) -> StaffOps:
    return StaffOps(
        escalations=stores.escalations,
        control=stores.control,
        chats=stores.chats,
        outbox=stores.outbox,
        queue=ControlQueue(base.redis, base.keys),
        sender=sender,
        fixer=fixer,
        dialogue=dialogue,
        clients=base.clients,
        sender_id=sender_id,
        takeover_timeout=timedelta(minutes=base.settings.worker.takeover_timeout_min),
        clock=base.clock,
    )


def _public_deps(
    base: _Base, stores: _Stores, inbound: InboundGuard, sender: Sender, knowledge: Knowledge
) -> dict[str, StreamDeps]:
    """Per shop, what its question and review streams share."""
    return {
        shop.id: StreamDeps(
            shop,
            base.clients[shop.id],
            StreamStore(base.redis, base.keys),
            inbound,
            sender,
            knowledge,
            stores.outbox,
            base.metrics,
            base.clock,
            paused=stores.control.shop_paused,
            texts=base.texts,
            prefix=base.keys.prefix,
        )
        for shop in base.settings.shops
    }


@dataclass(frozen=True, slots=True)
class _Watchers:
    """The jobs that watch rather than answer: keys, data loss, the digest, drafts' timers."""

    keys_watch: KeyWatch
    watch: StateWatch
    digests: Digests
    drafts: DraftTimer

    @classmethod
    def of(cls, base: _Base, stores: _Stores, escalator: Escalator, staff: StaffOps) -> _Watchers:
        return cls(
            keys_watch=KeyWatch(
                base.clients,
                stores.control,
                escalator,
                base.keys,
                base.texts,
                base.metrics,
                base.clock,
            ),
            watch=StateWatch(
                stores.control,
                escalator,
                base.shops,
                base.metrics,
                lambda: base.texts("notice.data_loss"),
                base.worker_id,
            ),
            digests=Digests(
                base.settings.shops,
                base.texts,
                stores.chats,
                stores.control,
                stores.escalations,
                stores.outbox,
                base.keys,
                base.clock,
                streams=StreamStore(base.redis, base.keys),
            ),
            drafts=DraftTimer(stores.escalations, staff, base.clock),
        )

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _Watchers.__slots__}


@dataclass
class App:
    settings: Settings
    redis: Redis
    keys: Keys
    metrics: Metrics
    ozon_http: OzonHttp
    clients: dict[str, OzonClient]
    shops: dict[str, ShopConfig]
    dialogue: Dialogue
    knowledge: Knowledge
    inbound: InboundGuard
    outbound: OutboundGuard
    chats: ChatStore
    control: ControlStore
    escalations: EscalationStore
    outbox: Outbox
    sender: Sender
    escalator: Escalator
    processor: ChatProcessor
    poller: Poller
    worker: Worker
    staff: StaffOps
    questions: dict[str, QuestionStream]
    reviews: dict[str, ReviewStream]
    public_desk: PublicDesk
    digests: Digests
    drafts: DraftTimer
    keys_watch: KeyWatch
    watch: StateWatch
    clock: Clock
    worker_id: str
    scheduler: Scheduler | None = field(default=None, init=False)
    _http: HttpServer | None = field(default=None, init=False)
    _console: StaffConsole | None = field(default=None, init=False)
    _console_error: str | None = field(default=None, init=False)
    _console_start: asyncio.Task[None] | None = field(default=None, init=False)
    _stack: AsyncExitStack | None = field(default=None, init=False)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        dialogue: Dialogue | None = None,
        clock: Clock = local_now,
        worker_id: str | None = None,
    ) -> App:
        """Wire the whole worker; `dialogue` replaces Rasa (the benchmark's instant responder).

        Nothing connects here: sessions open on first use, and `start` runs what runs."""
        base = _Base.of(settings, clock, worker_id or f"{socket.gethostname()}-{os.getpid()}")
        dialogue = dialogue or _rasa(settings)
        knowledge = Knowledge.load(settings.worker.knowledge_dir)
        morphology = Morphology()  # one pymorphy3 dictionary for both guards
        inbound, outbound = InboundGuard.load(morphology), OutboundGuard.load(morphology)
        stores = _Stores.of(base)
        sender = Sender(
            base.clients,
            outbound,
            stores.control,
            base.metrics,
            blocked_retention_s=settings.worker.blocked_text_retention_days * 86400,
            clock=clock,
        )
        escalator = Escalator(stores.escalations, stores.control, stores.outbox)
        processor = ChatProcessor(
            _pipeline_deps(base, stores, escalator, inbound, dialogue, sender, knowledge)
        )
        worker = Worker(processor, stores.chats, concurrency=settings.worker.concurrency)
        staff = _staff_ops(base, stores, sender, outbound, dialogue, processor.sender_id)
        public = _public_deps(base, stores, inbound, sender, knowledge)
        return cls(
            **base.fields(),
            **stores.fields(),
            dialogue=dialogue,
            knowledge=knowledge,
            inbound=inbound,
            outbound=outbound,
            sender=sender,
            escalator=escalator,
            processor=processor,
            poller=Poller(
                base.shops,
                base.clients,
                stores.chats,
                base.keys,
                StaffEvents(escalator, base.texts),
                base.metrics,
                on_new=worker.wake,
            ),
            worker=worker,
            staff=staff,
            questions={s: QuestionStream(d, dialogue) for s, d in public.items()},
            reviews={s: ReviewStream(d, dialogue) for s, d in public.items()},
            public_desk=PublicDesk(public),
            **_Watchers.of(base, stores, escalator, staff).fields(),
        )

    # --- one-batch forms (tests, simulate, benchmarks) ------------------------------------

    async def poll_once(self) -> int:
        """Poll every shop once; returns the number of new buyer messages taken in."""
        reports = await self.poller.run_once()
        new = sum(r.new_messages for r in reports.values())
        if new:
            self.worker.wake()
        return new

    async def drain(self, *, max_rounds: int = 100) -> int:
        """Process due chats until none is due (burst mode); returns chats handled."""
        handled = 0
        for _ in range(max_rounds):
            done = await self.worker.run_once()
            if not done and not await self._due_now():
                break
            handled += done
        return handled

    async def _due_now(self) -> bool:
        return await self.chats.due_count() > 0

    # --- running ----------------------------------------------------------------------

    async def __aenter__(self) -> App:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    async def start(self, *, http: bool = True, staff_console: bool = True) -> None:
        """Start every part; a part that fails to start closes what was opened before it."""
        stack = AsyncExitStack()
        stack.push_async_callback(self.aclose)
        stack.push_async_callback(self.poller.close)
        try:
            await self.outbox.ensure_group()
            await self.watch.start()
            if http:
                await self._start_http(stack)
            if staff_console and self.settings.telegram.enabled:
                # In the background: aiogram takes seconds to import, and nothing a buyer
                # waits for needs it (cards wait in the outbox until the console is up).
                console = asyncio.create_task(self._start_console(), name="staff console start")
                self._console_start = console
                stack.push_async_callback(self._stop_console, console)
            elif staff_console:
                log.warning(
                    "TELEGRAM_BOT_TOKEN is not set: escalations wait in Redis and are logged; "
                    "they are delivered once Telegram is configured"
                )
            loop = asyncio.create_task(self.worker.run(), name="worker loop")
            stack.push_async_callback(self._stop_worker, loop)
            self.scheduler = Scheduler(self.settings.general.timezone)
            install_jobs(self.scheduler, self._jobs())
            self.scheduler.start()
            # Closed first: no new polls while the worker finishes what it has.
            stack.push_async_callback(self.scheduler.stop, self.settings.worker.grace_s)
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        log.info("worker %s started for shops %s", self.worker_id, ", ".join(self.clients))

    def _jobs(self) -> list[Every]:
        """What the scheduler runs, and how often (seconds)."""
        interval = self.settings.worker.poll_interval_s
        jobs = [
            *(
                Every(f"poll:{shop.id}", functools.partial(self.poll_job, shop.id), interval, True)
                for shop in self.settings.shops
            ),
            *(
                Every(f"questions:{shop_id}", stream.run_once, QUESTIONS_S, True)
                for shop_id, stream in self.questions.items()
            ),
            *(
                Every(f"reviews:{shop_id}", stream.run_once, REVIEWS_S, True)
                for shop_id, stream in self.reviews.items()
            ),
            Every("keys", self.keys_watch.run_once, 24 * 3600, at_start=True),
            Every("takeovers", self.staff.expire_takeovers, 60),
            Every("digest", self.digests.run_once, 60),
            Every("drafts", self.drafts.run_once, 30),
            Every("control", self.staff.run_control_once, 5),
            Every("sends", self.staff.reconcile_sends, 30),
            Every("state", self.watch.check, 10),
        ]
        if self.settings.telegram.enabled:  # without Telegram there is nobody to remind
            jobs.append(Every("sla", self._sla().run_once, 60))
        return jobs

    def _sla(self) -> SlaReminders:
        telegram = self.settings.telegram
        return SlaReminders(
            escalations=self.escalations,
            outbox=self.outbox,
            shops=self.shops,
            policy=SlaPolicy.from_settings(self.settings.worker, telegram.owner_username),
            texts=Texts(telegram.language),
            clock=self.clock,
        )

    async def _stop_worker(self, loop: asyncio.Task[None]) -> None:
        await self.worker.stop(grace_s=self.settings.worker.grace_s)
        await loop

    async def _start_http(self, stack: AsyncExitStack) -> None:
        from bot.dialogue.actions.deps import ActionDeps
        from bot.dialogue.actions.registry import build_actions
        from bot.dialogue.actions.server import ActionEndpoint, add_action_routes

        push = None
        if self.settings.worker.push_enabled:
            push = PushIntake(
                self.settings.shops,
                self._fetch_pushed,
                self.settings.worker.push_networks,
                on_edited=self._edited,
                on_closed=self.staff.chat_closed,
            )
            stack.push_async_callback(push.close)
        app = build_http_app(health=self.health, metrics=self.render_metrics, push=push)
        token = self.settings.rasa.token
        if token is not None:
            # The action endpoint shares this (public, push) port only behind Rasa's token;
            # without one the action server runs on its own port (`ozonbot actions`).
            deps = ActionDeps(
                knowledge=self.knowledge,
                shops=self.shops,
                ozon=self.clients,
            )
            endpoint = ActionEndpoint(build_actions(deps), deps.api_urls())
            add_action_routes(app, endpoint, token=token.get_secret_value())
        server = HttpServer(app)
        host, port = self.settings.worker.http_host, self.settings.worker.http_port
        await server.start(host, port)
        stack.push_async_callback(server.close)
        self._http = server
        routes = ["/healthz", "/livez", "/metrics", *(["/webhook"] if token else [])]
        log.info(
            "HTTP endpoints on %s:%s (%s)",
            host,
            port,
            ", ".join(routes + (["/push"] if push else [])),
        )

    async def _edited(self, shop_id: str, chat_id: str, message_ids: Sequence[str]) -> None:
        """A buyer edited a message: a turn not yet answered is decided on the new text."""
        if await self.poller.refresh_edited(shop_id, chat_id, message_ids):
            self.worker.wake()

    async def _start_console(self) -> None:
        """Import aiogram off the event loop, then start the console. A failure is logged and
        shown by /healthz (part `outbox`); escalations keep waiting in the outbox meanwhile."""
        try:
            module = await asyncio.to_thread(importlib.import_module, "bot.staff.console")
            console = module.StaffConsole.create(self._console_parts())
            await console.start()
        except Exception as exc:
            self._console_error = f"{type(exc).__name__}: {exc}"
            log.exception("the staff console did not start; escalations wait in the outbox")
            return
        self._console = console

    async def _stop_console(self, starting: asyncio.Task[None]) -> None:
        await cancel_all(starting)
        console, self._console = self._console, None
        if console is not None:
            await console.stop()

    def _console_parts(self) -> ConsoleParts:
        from bot.staff.console import ConsoleParts  # aiogram, only with Telegram

        worker = self.settings.worker
        return ConsoleParts(
            telegram=self.settings.telegram,
            shops=self.shops,
            staff=self.staff,
            escalations=self.escalations,
            control=self.control,
            outbox=self.outbox,
            store=ConsoleStore(self.redis, self.keys),
            clock=self.clock,
            warn_window=timedelta(minutes=worker.reply_window_warn_min),
            consumer=f"console-{self.worker_id}",
            metrics=self.metrics,
            translate=self.settings.translate,
            translations=TranslationStore(
                self.redis, self.keys, retention_s=worker.record_retention_days * 24 * 3600
            ),
            public_desk=self.public_desk,
        )

    @property
    def http_url(self) -> str | None:
        """Where the HTTP endpoints listen (after `start`), e.g. http://127.0.0.1:8080."""
        return self._http.url if self._http is not None else None

    async def _fetch_pushed(self, shop_id: str, chat_id: str) -> None:
        if await self.poller.fetch_chat(shop_id, chat_id):
            self.worker.wake()

    async def poll_job(self, shop_id: str) -> None:
        """The scheduler's poll of one shop (each shop has its own job): failures are the
        poller's to count and back off from; the next tick tries again."""
        try:
            if (await self.poller.poll_shop(shop_id)).new_messages:
                self.worker.wake()
        except StateError as exc:
            log.warning("poll %s: redis unavailable, next tick retries: %s", shop_id, exc)

    async def health(self) -> dict[str, dict[str, Any]]:
        rasa = getattr(self.dialogue, "healthy", None)
        report = Health(
            self.redis,
            self.chats,
            self.shops,
            self.poller,
            self.settings.worker.poll_interval_s,
            rasa,
            self._outbox_health,
            self.watch,
        )
        return await report.report()

    async def _outbox_health(self) -> dict[str, Any]:
        """The staff outbox as the console sees it (owner, parked chats, oldest entry); a
        worker that does not run the console reads the outbox itself."""
        if self._console is not None:
            return dict(await self._console.health())
        status = await self.outbox.status()
        starting = self._console_start is not None and not self._console_start.done()
        report: dict[str, Any] = {
            "ok": status.group and self._console_error is None and not starting,
            "group": status.group,
            "pending": status.pending,
            "oldest_age_s": status.oldest_age_s,
        }
        if starting:
            report["console"] = "starting"  # a few seconds after start: aiogram is importing
        if self._console_error is not None:
            report["console_error"] = self._console_error
        return report

    async def render_metrics(self) -> bytes:
        try:
            self.metrics.queue_depth.set(await self.chats.queue_depth())
            oldest = await self.chats.oldest_waiting_ms()
            now_ms = self.clock().timestamp() * 1000
            self.metrics.oldest_unhandled.set(0 if oldest is None else (now_ms - oldest) / 1000)
            self.metrics.outbox_pending.set(await self.outbox.pending_count())
        except StateError:
            pass  # the gauges keep their last values; /healthz reports Redis
        return self.metrics.render()

    async def stop(self) -> None:
        """Stop taking work, finish or release what is in flight, close every session, in the
        reverse order of `start`."""
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()
        log.info("worker %s stopped", self.worker_id)

    async def aclose(self) -> None:
        """Close the sessions (also for Apps that were built but never started)."""
        close_dialogue = getattr(self.dialogue, "close", None)
        if close_dialogue is not None:
            await close_dialogue()
        await self.ozon_http.close()
        await self.redis.aclose()
