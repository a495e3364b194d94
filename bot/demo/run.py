"""The demo: scripted buyers, the real worker, a live view of chats and staff cards; then
public product questions and reviews, answered or put on staff cards by their streams."""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import secrets
import signal
import subprocess
import uuid
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from bot import yamlio
from bot.app import App
from bot.config import Settings, TelegramSettings, load_settings
from bot.demo.script import PUBLIC, SCRIPT, Line
from bot.demo.watchdog import Watchdog
from bot.errors import ServiceError
from bot.logs import configure_logging
from bot.sandbox.app import RunningSandbox, serve
from bot.services.local import LocalServices, project_root
from bot.state.models import Notification, PublicCard
from bot.state.redis import purge
from bot.waiting import cancel_all

DEMO_CLIENT_ID = "100500"
_TAG = re.compile(r"<[^>]+>")


QUIET_WITHIN_S = 120.0
"""`--once` waits this long at most for the worker to finish what the script gave it."""
STOP_WITHIN_S = 60.0
PUBLIC_WITHIN_S = 60.0
"""The product questions and reviews (one poll of each stream) take this long at most."""


def once_limit_s(speed: float) -> float:
    """The hard limit of a `--once` run once the services are up: the script at `speed`, then
    every bounded step, and a minute of slack (`bot.demo.watchdog`)."""
    script_s = sum(line.pause_s for line in SCRIPT) / max(speed, 0.1)
    return script_s + PUBLIC_WITHIN_S + QUIET_WITHIN_S + STOP_WITHIN_S + 60.0


async def run_demo(*, once: bool, speed: float, watchdog: Watchdog | None = None) -> int:
    root = project_root()
    configure_logging("WARNING")  # the terminal shows the conversation, not the worker's logs
    console = Console(highlight=False)
    settings = _settings(root)
    services = LocalServices.for_settings(
        settings,
        str(root / "config" / "sandbox.env"),
        root=root,
        progress=lambda line: console.print(f"[dim]{line}[/dim]"),
    )
    try:
        await asyncio.to_thread(_prepare, services, console)
        if watchdog is not None:  # from here on the run's length no longer depends on training
            watchdog.arm(once_limit_s(speed))
        async with serve(port=_port(settings.shops[0].api_url)) as sandbox:
            seed = yamlio.parse((Path(__file__).parent / "shop.yml").read_text(encoding="utf-8"))
            sandbox.state.seed_at_startup(seed)
            return await _run(settings, sandbox, console, once=once, speed=speed)
    finally:
        services.stop_started()


def _settings(root: Path) -> Settings:
    settings = load_settings(str(root / "config" / "sandbox.env"))
    # Poll every second: scripted buyers write every two seconds, and a demo should show
    # each message answered on its own (messages inside one poll are answered together).
    worker = settings.worker.model_copy(update={"poll_interval_s": 1.0})
    settings = settings.model_copy(update={"worker": worker})
    telegram = TelegramSettings()  # the user's own .env / environment, if any
    if telegram.enabled and telegram.staff_chat_id is not None:
        settings = settings.model_copy(update={"telegram": telegram})
    return settings


def _prepare(services: LocalServices, console: Console) -> None:
    services.ensure_redis()
    if not services.model.exists():
        console.print("[bold]Training the Rasa model (first run only, about 2 minutes)...[/bold]")
        process = subprocess.run(  # noqa: S603 - our own script
            [str(services.root / "scripts" / "train")], cwd=services.root, check=False
        )
        if process.returncode != 0:
            raise ServiceError("training the Rasa model failed (see the output above)")
    services.ensure_actions()
    services.ensure_rasa()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


async def _run(
    settings: Settings, sandbox: RunningSandbox, console: Console, *, once: bool, speed: float
) -> int:
    app = App.build(settings, worker_id="demo")
    await purge(app.redis, settings.redis.prefix)  # a clean slate for every demo run
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await app.start(http=False, staff_console=settings.telegram.enabled)
    # Fresh chat ids every run: Rasa keeps conversations in Redis under its own prefix, and a
    # buyer who asked the same question in the last run would now count as asking it again.
    chats = _Chats(secrets.token_hex(3))
    view = _View(console, sandbox, app, chats)
    watchers = [asyncio.create_task(view.replies()), asyncio.create_task(view.cards())]
    try:
        _banner(console, settings)
        await _write(sandbox, chats, console, stop, speed)
        if not stop.is_set():
            await _public(app, sandbox, console)
        if once:
            await _until_quiet(app, stop, console)
        else:
            console.print("[dim]script done; the worker keeps running. Ctrl-C stops the demo.[/]")
            await stop.wait()
    finally:
        await cancel_all(*watchers)
        try:
            await asyncio.wait_for(app.stop(), STOP_WITHIN_S)
        except TimeoutError:
            console.print(f"[red]the worker did not stop within {STOP_WITHIN_S:.0f} s[/red]")
        view.show_replies()  # what was sent after the watcher's last look
    console.print(f"[bold]{len(sandbox.state.sent)} replies sent to buyers.[/bold]")
    return 0


def _banner(console: Console, settings: Settings) -> None:
    where = "the terminal and Telegram" if settings.telegram.enabled else "the terminal"
    console.print(
        Panel(
            "Scripted buyers write to a demo shop on the local Ozon emulator.\n"
            f"The worker answers routine questions and escalates the rest; cards go to {where}.",
            title="ozonbot demo",
        )
    )


class _Chats:
    """The demo buyers' chat ids for one run: `demo-<run>-<buyer>`."""

    def __init__(self, run: str) -> None:
        self._prefix = f"demo-{run}-"

    def chat_id(self, buyer: str) -> str:
        return self._prefix + buyer

    def buyer(self, chat_id: str) -> str:
        return chat_id.removeprefix(self._prefix)


async def _write(
    sandbox: RunningSandbox, chats: _Chats, console: Console, stop: asyncio.Event, speed: float
) -> None:
    for line in SCRIPT:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=line.pause_s / max(speed, 0.1))
        if stop.is_set():
            return
        _say(sandbox, chats.chat_id(line.chat), line)
        console.print(f"[cyan]buyer {line.chat}[/cyan] → {html.escape(line.text)}")


def _say(sandbox: RunningSandbox, chat_id: str, line: Line) -> None:
    sandbox.state.buyer_message(
        chat_id,
        line.text,
        order_number=line.order_number,
        sku=line.sku,
        client_id=DEMO_CLIENT_ID,
    )


async def _public(app: App, sandbox: RunningSandbox, console: Console) -> None:
    """Product questions and reviews appear on Ozon; one poll of each stream handles them
    (the scheduler's own polls come later and find nothing left to do)."""
    console.print("[bold]Public product questions and reviews[/bold]")
    # Fresh ids every run, as for the chats: Rasa keeps each item's conversation.
    fresh = {
        kind: [{**item, "id": str(uuid.uuid4())} for item in items]
        for kind, items in PUBLIC.items()
    }
    sandbox.state.seed_from_scenario(fresh, DEMO_CLIENT_ID)
    board = sandbox.state.shop_for_control(DEMO_CLIENT_ID).public
    for question in board.questions.values():
        console.print(f"[cyan]question about {question.sku}[/cyan] → {html.escape(question.text)}")
    for review in board.reviews.values():
        stars = "\u2605" * review.rating
        console.print(f"[cyan]review {stars} of {review.sku}[/cyan] → {html.escape(review.text)}")
    shop = app.settings.shops[0].id
    try:
        async with asyncio.timeout(PUBLIC_WITHIN_S):
            await app.questions[shop].run_once()
            await app.reviews[shop].run_once()
    except TimeoutError:
        console.print(f"[red]questions and reviews not done within {PUBLIC_WITHIN_S:.0f} s[/red]")
    for question in board.questions.values():
        for answer in question.answers:
            console.print(f"[green]bot → public answer[/green]: {answer.text}")
    for review in board.reviews.values():
        for comment in review.comments:
            console.print(f"[green]bot → comment on the review[/green]: {comment.text}")


async def _until_quiet(app: App, stop: asyncio.Event, console: Console) -> None:
    """`--once`: until nothing is queued or in flight for 3 s, or `QUIET_WITHIN_S` passed (then
    say what is still busy: a demo that never ends helps nobody)."""
    quiet, deadline = 0, asyncio.get_running_loop().time() + QUIET_WITHIN_S
    while not stop.is_set() and quiet < 3:
        await asyncio.sleep(1.0)
        queued, in_flight = await app.chats.queue_depth(), app.worker.in_flight
        quiet = 0 if queued or in_flight else quiet + 1
        if asyncio.get_running_loop().time() > deadline:
            console.print(
                f"[red]still busy after {QUIET_WITHIN_S:.0f} s[/red]: {queued} chats "
                f"queued, {in_flight} in flight; stopping anyway"
            )
            return


class _View:
    def __init__(self, console: Console, sandbox: RunningSandbox, app: App, chats: _Chats) -> None:
        self._console = console
        self._chats = chats
        self._sandbox = sandbox
        self._app = app
        self._shown = 0

    async def replies(self) -> None:
        while True:
            self.show_replies()
            await asyncio.sleep(0.2)

    def show_replies(self) -> None:
        sent = self._sandbox.state.sent
        for record in sent[self._shown :]:
            chat = self._chats.buyer(record.chat_id)
            self._console.print(f"[green]bot → {chat}[/green]: {record.text}")
        self._shown = len(sent)

    async def cards(self) -> None:
        last = "$"
        while True:
            entries = await self._app.outbox.tail(last, block_ms=1000)
            for entry_id, notification in entries:
                last = entry_id
                await self._card(notification)

    async def _card(self, notification: Notification) -> None:
        if notification.public is not None:
            self._public_card(notification.public, notification.kind)
            return
        if notification.escalation_id is None:
            self._console.print(Panel(notification.text or "", title="staff notice"))
            return
        escalation = await self._app.escalations.get(notification.escalation_id)
        if escalation is None:
            return
        from bot.staff.cards import View, render_card

        view = View.for_settings(self._app.settings, self._app.clock(), escalation.shop)
        card = render_card(escalation, view)
        text = html.unescape(_TAG.sub("", card.text))
        title = f"staff card: {notification.kind}"
        self._console.print(Panel(text, title=title, border_style="yellow"))

    def _public_card(self, card: PublicCard, kind: str) -> None:
        from bot.staff.cards import View, render_public_card

        view = View.for_settings(self._app.settings, self._app.clock(), card.shop)
        rendered = render_public_card(card, view)
        text = html.unescape(_TAG.sub("", rendered.text))
        buttons = " ".join(f"[{b.label}]" for row in rendered.rows for b in row)
        title = f"staff card: {kind}"
        self._console.print(Panel(f"{text}\n\n{buttons}", title=title, border_style="yellow"))
